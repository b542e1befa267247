import { RunContext } from '@openai/agents';
import { describe, expect, it, vi } from 'vitest';

import type { RealtimeTool } from '../src/api';
import { buildTools } from '../src/voice/agent';
import { relayToolCall, TOOL_CALLS_PATH, type ModelToolCall, type ToolRuntime } from '../src/voice/tools';

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
  needs_approval: true,
});
const listConnectors = entry({ name: 'list_connectors', method: 'GET', path: '/api/v1/connectors' });
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

/** A runtime whose server gives `answers` in turn (status and JSON body, or text). */
function runtimeAnswering(...answers: [number, unknown][]) {
  const requests: Recorded[] = [];
  const runtime = {
    fetch: vi.fn(async (url: string, init?: RequestInit) => {
      requests.push({ url, init: init ?? {} });
      const [status, body] = answers[Math.min(requests.length, answers.length) - 1] ?? [500, ''];
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json' },
      });
    }),
    pickFile: vi.fn<ToolRuntime['pickFile']>(async () => null),
    openConsent: vi.fn<ToolRuntime['openConsent']>(() => 'opened'),
    connectorsChanged: vi.fn<ToolRuntime['connectorsChanged']>(),
  } satisfies ToolRuntime;
  return { runtime, requests };
}

function bodyOf(request: Recorded | undefined): unknown {
  return JSON.parse(String(request?.init.body));
}

const call = (args: unknown, overrides: Partial<ModelToolCall> = {}): ModelToolCall => ({
  callId: 'call_1',
  arguments: args,
  approved: false,
  ...overrides,
});

describe('relayToolCall', () => {
  it('posts the model’s call id, the tool’s name and its arguments as the model wrote them, with the session cookie', async () => {
    const project = { id: 'p1', name: 'Apollo', description: 'Moon' };
    const { runtime, requests } = runtimeAnswering([200, { output: project, client: {} }]);

    const result = await relayToolCall(createProject, call('{"name":"Apollo","description":"Moon"}'), runtime);

    expect(result).toEqual(project);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(TOOL_CALLS_PATH);
    expect(TOOL_CALLS_PATH).toBe('/api/v1/realtime/tool-calls');
    expect(requests[0]?.init.method).toBe('POST');
    expect(requests[0]?.init.credentials).toBe('same-origin');
    expect((requests[0]?.init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(bodyOf(requests[0])).toEqual({
      call_id: 'call_1',
      name: 'create_project',
      arguments: '{"name":"Apollo","description":"Moon"}',
    });
  });

  it('sends an empty call as an empty object, and says `approved` only when the user confirmed', async () => {
    const { runtime, requests } = runtimeAnswering([200, { output: { key: 'slack', connected: false }, client: {} }]);

    await relayToolCall(listConnectors, call(''), runtime);
    await relayToolCall(revokeConnector, call('{"key":"slack"}', { callId: 'call_2', approved: true }), runtime);

    expect(bodyOf(requests[0])).toEqual({ call_id: 'call_1', name: 'list_connectors', arguments: {} });
    expect(bodyOf(requests[1])).toEqual({
      call_id: 'call_2',
      name: 'revoke_connector',
      arguments: '{"key":"slack"}',
      approved: true,
    });
  });

  it('hands the model a list answer as it is, without reloading the grid after a read', async () => {
    const { runtime } = runtimeAnswering([200, { output: [{ key: 'slack' }], client: {} }]);

    const result = await relayToolCall(listConnectors, call('{}'), runtime);

    expect(result).toEqual([{ key: 'slack' }]);
    expect(runtime.connectorsChanged).not.toHaveBeenCalled();
  });

  it('opens the consent page the server keeps for the page and tells the model whether a window opened', async () => {
    const url = 'https://accounts.example/auth?state=s&code_challenge=c';
    const { runtime } = runtimeAnswering([
      200,
      { output: { kind: 'oauth', key: 'google_calendar', consent_page: 'opened' }, client: { open_url: url } },
    ]);
    runtime.openConsent.mockReturnValue('blocked');

    const result = await relayToolCall(activateConnector, call('{"key":"google_calendar"}'), runtime);

    expect(runtime.openConsent).toHaveBeenCalledWith(url, 'google_calendar');
    expect(result).toEqual({ kind: 'oauth', key: 'google_calendar', consent_page: 'blocked' });
    expect(JSON.stringify(result)).not.toContain('state=');
    expect(runtime.connectorsChanged).toHaveBeenCalledTimes(1);
  });

  it('names the connector from the arguments when the answer does not', async () => {
    const { runtime } = runtimeAnswering([200, { output: { kind: 'oauth' }, client: { open_url: 'https://x.example/a' } }]);

    await relayToolCall(activateConnector, call('{"key":"slack"}'), runtime);

    expect(runtime.openConsent).toHaveBeenCalledWith('https://x.example/a', 'slack');
  });

  it('asks for the file the server says to pick, then uploads it as multipart to that path', async () => {
    const stored = { id: 'f1', filename: 'notes.txt', size: 5 };
    const { runtime, requests } = runtimeAnswering(
      [200, { output: { status: 'waiting_for_file' }, client: { pick_file: { path: '/api/v1/files' } } }],
      [201, stored],
    );
    runtime.pickFile.mockImplementation(async () => new File(['hello'], 'notes.txt', { type: 'text/plain' }));

    const result = await relayToolCall(uploadFile, call('{}'), runtime);

    expect(runtime.pickFile).toHaveBeenCalledWith('upload_file');
    expect(result).toEqual(stored);
    expect(requests.map((request) => request.url)).toEqual([TOOL_CALLS_PATH, '/api/v1/files']);
    const body = requests[1]?.init.body;
    expect(body).toBeInstanceOf(FormData);
    const file = (body as FormData).get('file');
    expect(file).toBeInstanceOf(File);
    expect(await (file as File).text()).toBe('hello');
    expect(requests[1]?.init.credentials).toBe('same-origin');
    // The browser writes the multipart boundary itself.
    expect((requests[1]?.init.headers as Record<string, string>)['Content-Type']).toBeUndefined();
  });

  it('says the user cancelled when no file is picked, without uploading', async () => {
    const { runtime, requests } = runtimeAnswering([
      200,
      { output: { status: 'waiting_for_file' }, client: { pick_file: { path: '/api/v1/files' } } },
    ]);

    const result = await relayToolCall(uploadFile, call('{}'), runtime);

    expect(result).toMatchObject({ cancelled: true });
    expect(requests).toHaveLength(1);
  });

  it('hands a 422 to the model as a tool error naming the field, and changes nothing on the page', async () => {
    const error = {
      code: 'validation_failed',
      message: 'invalid input',
      fields: [{ field: 'arguments.colour', message: 'unknown field' }],
    };
    const { runtime } = runtimeAnswering([422, { error }]);

    const result = await relayToolCall(revokeConnector, call('{"key":"slack","colour":"red"}'), runtime);

    expect(result).toEqual({ error });
    expect(runtime.connectorsChanged).not.toHaveBeenCalled();
    expect(runtime.openConsent).not.toHaveBeenCalled();
  });

  it('hands the 409 of a call without approval to the model with its summary', async () => {
    const error = { code: 'approval_required', message: 'needs the user’s approval', summary: 'Disconnect Slack' };
    const { runtime } = runtimeAnswering([409, { error }]);

    expect(await relayToolCall(revokeConnector, call('{"key":"slack"}'), runtime)).toEqual({ error });
  });

  it('returns a route’s refusal and does not reload the grid for it', async () => {
    const output = { error: { code: 'not_found', message: 'no such connector' } };
    const { runtime } = runtimeAnswering([200, { output, client: {} }]);

    expect(await relayToolCall(revokeConnector, call('{"key":"nope"}', { approved: true }), runtime)).toEqual(output);
    expect(runtime.connectorsChanged).not.toHaveBeenCalled();
  });

  it('describes an answer without a JSON error by its HTTP status, and an unreachable server as such', async () => {
    const bad = runtimeAnswering([502, 'Bad Gateway']);
    expect(await relayToolCall(listConnectors, call('{}'), bad.runtime)).toEqual({
      error: { code: 'http_502', message: 'The request failed with HTTP status 502.' },
    });

    const down = runtimeAnswering();
    down.runtime.fetch.mockImplementation(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await relayToolCall(listConnectors, call('{}'), down.runtime)).toEqual({
      error: { code: 'network_error', message: 'The app server could not be reached.' },
    });
  });

  it('refuses an answer that is not `{output, client}`', async () => {
    const { runtime } = runtimeAnswering([200, { key: 'slack' }]);

    expect(await relayToolCall(listConnectors, call('{}'), runtime)).toMatchObject({ error: { code: 'bad_response' } });
  });
});

describe('buildTools', () => {
  it('makes one non-strict function tool per catalog entry with the catalog’s schema and approval as they are', async () => {
    const { runtime } = runtimeAnswering([200, {}]);

    const tools = buildTools([activateConnector, revokeConnector, createProject, uploadFile], runtime);

    expect(tools.map((tool) => tool.name)).toEqual(['activate_connector', 'revoke_connector', 'create_project', 'upload_file']);
    const [activate, revoke] = tools as unknown as {
      type: string;
      strict: boolean;
      parameters: unknown;
      description: string;
      needsApproval: (context: RunContext, input: unknown, callId?: string) => Promise<boolean>;
    }[];
    expect(activate?.type).toBe('function');
    expect(activate?.strict).toBe(false);
    expect(activate?.parameters).toEqual(activateConnector.parameters);
    expect(activate?.description).toBe('activate_connector tool');
    const context = new RunContext();
    expect(await activate?.needsApproval(context, {}, 'call_1')).toBe(false);
    expect(await revoke?.needsApproval(context, { key: 'slack' }, 'call_1')).toBe(true);
  });

  it('relays with the model’s call id and raw arguments, approved only for a call the user approved', async () => {
    const { runtime, requests } = runtimeAnswering([200, { output: { key: 'slack', connected: false }, client: {} }]);
    const [revoke] = buildTools([revokeConnector], runtime) as unknown as {
      invoke: (context: RunContext, input: string, details?: unknown) => Promise<unknown>;
    }[];
    const context = new RunContext();
    const toolCall = (callId: string) => ({
      type: 'function_call',
      callId,
      name: 'revoke_connector',
      arguments: '{"key":"slack"}',
    });

    await revoke?.invoke(context, '{"key":"slack"}', { toolCall: toolCall('call_unapproved') });
    context.approveTool({ rawItem: toolCall('call_approved'), toolName: 'revoke_connector' } as never);
    await revoke?.invoke(context, '{"key":"slack"}', { toolCall: toolCall('call_approved') });

    expect(requests.map(bodyOf)).toEqual([
      { call_id: 'call_unapproved', name: 'revoke_connector', arguments: '{"key":"slack"}' },
      { call_id: 'call_approved', name: 'revoke_connector', arguments: '{"key":"slack"}', approved: true },
    ]);
  });
});
