import { describe, expect, it, vi } from 'vitest';

import type { RealtimeTool } from '../src/api';
import { buildTools } from '../src/voice/agent';
import { callBoundRoute, type ToolRuntime } from '../src/voice/tools';

function entry(overrides: Partial<RealtimeTool> & Pick<RealtimeTool, 'name' | 'method' | 'path'>): RealtimeTool {
  return {
    description: `${overrides.name} tool`,
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    path_params: [],
    query_params: [],
    body_params: [],
    body: 'none',
    needs_user_file: false,
    needs_approval: false,
    ...overrides,
  };
}

const activateConnector = entry({
  name: 'activate_connector',
  method: 'POST',
  path: '/api/v1/connectors/{key}/activate',
  path_params: ['key'],
  parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'], additionalProperties: false },
});
const revokeConnector = entry({
  name: 'revoke_connector',
  method: 'POST',
  path: '/api/v1/connectors/{key}/revoke',
  path_params: ['key'],
});
const listEvents = entry({
  name: 'list_events',
  method: 'GET',
  path: '/api/v1/connectors/google_calendar/events',
  query_params: ['from', 'to', 'limit'],
});
const createProject = entry({
  name: 'create_project',
  method: 'POST',
  path: '/api/v1/projects',
  body_params: ['name', 'description'],
  body: 'json',
});
const uploadFile = entry({
  name: 'upload_file',
  method: 'POST',
  path: '/api/v1/files',
  body: 'multipart',
  file_field: 'file',
  needs_user_file: true,
  needs_approval: false,
});

interface Recorded {
  url: string;
  init: RequestInit;
}

function runtimeAnswering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const requests: Recorded[] = [];
  const runtime = {
    fetch: vi.fn(async (url: string, init?: RequestInit) => {
      requests.push({ url, init: init ?? {} });
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json', ...headers },
      });
    }),
    pickFile: vi.fn<ToolRuntime['pickFile']>(async () => null),
    openConsent: vi.fn<ToolRuntime['openConsent']>(() => 'opened'),
    connectorsChanged: vi.fn<ToolRuntime['connectorsChanged']>(),
  } satisfies ToolRuntime;
  return { runtime, requests };
}

describe('callBoundRoute', () => {
  it('substitutes and encodes path parameters and sends the session cookie', async () => {
    const { runtime, requests } = runtimeAnswering(200, { key: 'weird/key', connected: false });

    await callBoundRoute(revokeConnector, { key: 'weird/key ü' }, runtime);

    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('/api/v1/connectors/weird%2Fkey%20%C3%BC/revoke');
    expect(requests[0]?.init.method).toBe('POST');
    expect(requests[0]?.init.credentials).toBe('same-origin');
    expect(requests[0]?.init.body).toBeUndefined();
  });

  it('accepts the arguments as the JSON string the model sent', async () => {
    const { runtime, requests } = runtimeAnswering(200, { key: 'slack' });

    await callBoundRoute(revokeConnector, '{"key":"slack"}', runtime);

    expect(requests[0]?.url).toBe('/api/v1/connectors/slack/revoke');
  });

  it('puts query parameters in the query string and leaves out the ones not given', async () => {
    const { runtime, requests } = runtimeAnswering(200, []);

    const result = await callBoundRoute(listEvents, { from: '2026-12-01T09:00:00+01:00', limit: 5 }, runtime);

    expect(result).toEqual([]);
    const url = new URL(requests[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/api/v1/connectors/google_calendar/events');
    expect(url.searchParams.get('from')).toBe('2026-12-01T09:00:00+01:00');
    expect(url.searchParams.get('limit')).toBe('5');
    expect(url.searchParams.has('to')).toBe(false);
    expect(requests[0]?.init.method).toBe('GET');
  });

  it('sends the body parameters as a JSON object and returns the JSON answer', async () => {
    const project = { id: 'p1', name: 'Apollo', description: 'Moon' };
    const { runtime, requests } = runtimeAnswering(201, project);

    const result = await callBoundRoute(createProject, { name: 'Apollo', description: 'Moon' }, runtime);

    expect(result).toEqual(project);
    expect(JSON.parse(String(requests[0]?.init.body))).toEqual({ name: 'Apollo', description: 'Moon' });
    expect((requests[0]?.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('hands the server’s error object to the model instead of throwing', async () => {
    const { runtime } = runtimeAnswering(422, {
      error: { code: 'invalid_field', message: 'name must not be empty', fields: [{ field: 'name', message: 'empty' }] },
    });

    const result = await callBoundRoute(createProject, { name: '' }, runtime);

    expect(result).toEqual({
      error: { code: 'invalid_field', message: 'name must not be empty', fields: [{ field: 'name', message: 'empty' }] },
    });
  });

  it('describes an error without a JSON body by its HTTP status', async () => {
    const { runtime } = runtimeAnswering(502, 'Bad Gateway');

    const result = await callBoundRoute(listEvents, {}, runtime);

    expect(result).toEqual({ error: { code: 'http_502', message: 'The request failed with HTTP status 502.' } });
  });

  it('answers network_error when the server cannot be reached', async () => {
    const { runtime } = runtimeAnswering(200, {});
    runtime.fetch.mockImplementation(async () => {
      throw new TypeError('Failed to fetch');
    });

    const result = await callBoundRoute(createProject, { name: 'x' }, runtime);

    expect(result).toEqual({ error: { code: 'network_error', message: 'The app server could not be reached.' } });
  });

  it('refuses a call that lacks a path parameter without calling the server', async () => {
    const { runtime, requests } = runtimeAnswering(200, {});

    const result = await callBoundRoute(activateConnector, {}, runtime);

    expect(result).toEqual({ error: { code: 'invalid_arguments', message: 'activate_connector needs the argument "key".' } });
    expect(requests).toHaveLength(0);
  });

  it('opens the consent page of an OAuth activation and reports whether a window opened', async () => {
    const answer = { kind: 'oauth', key: 'google_calendar', url: 'https://accounts.example/auth?state=s', message: 'Open it' };
    const { runtime } = runtimeAnswering(200, answer);
    runtime.openConsent.mockReturnValue('blocked');

    const result = await callBoundRoute(activateConnector, { key: 'google_calendar' }, runtime);

    expect(runtime.openConsent).toHaveBeenCalledWith('https://accounts.example/auth?state=s', 'google_calendar');
    expect(result).toEqual({ ...answer, consent_window: 'blocked' });
    expect(runtime.connectorsChanged).toHaveBeenCalledTimes(1);
  });

  it('tells the grid to reload after a revocation, not after a failed one', async () => {
    const ok = runtimeAnswering(200, { key: 'slack', connected: false });
    await callBoundRoute(revokeConnector, { key: 'slack' }, ok.runtime);
    expect(ok.runtime.connectorsChanged).toHaveBeenCalledTimes(1);

    const failed = runtimeAnswering(404, { error: { code: 'unknown_connector', message: 'no such connector' } });
    await callBoundRoute(revokeConnector, { key: 'nope' }, failed.runtime);
    expect(failed.runtime.connectorsChanged).not.toHaveBeenCalled();
  });

  it('uploads the file the user picks as multipart field `file`', async () => {
    const stored = { id: 'f1', filename: 'notes.txt', size: 5 };
    const { runtime, requests } = runtimeAnswering(201, stored);
    runtime.pickFile.mockImplementation(async () => new File(['hello'], 'notes.txt', { type: 'text/plain' }));

    const result = await callBoundRoute(uploadFile, {}, runtime);

    expect(runtime.pickFile).toHaveBeenCalledWith('upload_file');
    expect(result).toEqual(stored);
    const body = requests[0]?.init.body;
    expect(body).toBeInstanceOf(FormData);
    const file = (body as FormData).get('file');
    expect(file).toBeInstanceOf(File);
    expect((file as File).name).toBe('notes.txt');
    expect(await (file as File).text()).toBe('hello');
    // The browser writes the multipart boundary itself.
    expect((requests[0]?.init.headers as Record<string, string>)['Content-Type']).toBeUndefined();
  });

  it('says the user cancelled when no file is picked, without uploading', async () => {
    const { runtime, requests } = runtimeAnswering(201, {});

    const result = await callBoundRoute(uploadFile, {}, runtime);

    expect(result).toMatchObject({ cancelled: true });
    expect(requests).toHaveLength(0);
  });
});

describe('buildTools', () => {
  it('makes one non-strict function tool per catalog entry with the catalog’s schema as is', () => {
    const { runtime } = runtimeAnswering(200, {});

    const tools = buildTools([activateConnector, listEvents, createProject, uploadFile], runtime);

    expect(tools.map((tool) => tool.name)).toEqual(['activate_connector', 'list_events', 'create_project', 'upload_file']);
    const activate = tools[0] as { type: string; strict: boolean; parameters: unknown; description: string };
    expect(activate.type).toBe('function');
    expect(activate.strict).toBe(false);
    expect(activate.parameters).toEqual(activateConnector.parameters);
    expect(activate.description).toBe('activate_connector tool');
  });
});
