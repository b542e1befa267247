// The voice session against the SDK's scripted transport: no browser, no network.

import { ScriptedRealtimeTransport } from '@openai/agents/realtime/testing';
import { describe, expect, it, vi } from 'vitest';

import { ApiError, type ClientSecret, type RealtimeTool } from '../src/api';
import { en, fr } from '../src/i18n';
import { voiceErrorFrom } from '../src/voice/errors';
import { approvalQuestion, IDLE, orbState, slackChannelName, transcriptFrom, type OrbState } from '../src/voice/machine';
import { VoiceSession, type VoiceSessionOptions } from '../src/voice/session';

const SECRET: ClientSecret = {
  value: 'ek_unit_test',
  expires_at: 1_900_000_000,
  model: 'gpt-realtime',
  calls_url: 'http://127.0.0.1:9/v1/realtime/calls',
};

const CATALOG: RealtimeTool[] = [
  {
    name: 'activate_connector',
    description: 'Start connecting one of the user’s accounts.',
    parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'], additionalProperties: false },
    method: 'POST',
    path: '/api/v1/connectors/{key}/activate',
    path_params: ['key'],
    query_params: [],
    body_params: [],
    body: 'none',
    needs_user_file: false,
    needs_approval: false,
  },
  {
    name: 'revoke_connector',
    description: 'Disconnect one of the user’s accounts.',
    parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'], additionalProperties: false },
    method: 'POST',
    path: '/api/v1/connectors/{key}/revoke',
    path_params: ['key'],
    query_params: [],
    body_params: [],
    body: 'none',
    needs_user_file: false,
    needs_approval: true,
  },
  {
    name: 'create_project',
    description: 'Create a project for the user.',
    parameters: {
      type: 'object',
      properties: { name: { type: 'string' }, description: { type: ['string', 'null'] } },
      required: ['name'],
      additionalProperties: false,
    },
    method: 'POST',
    path: '/api/v1/projects',
    path_params: [],
    query_params: [],
    body_params: ['name', 'description'],
    body: 'json',
    needs_user_file: false,
    needs_approval: false,
  },
  {
    name: 'upload_file',
    description: 'Upload a file for the user.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
    method: 'POST',
    path: '/api/v1/files',
    path_params: [],
    query_params: [],
    body_params: [],
    body: 'multipart',
    file_field: 'file',
    needs_user_file: true,
    needs_approval: false,
  },
];

interface FakeTrack {
  enabled: boolean;
  stopped: boolean;
  stop(): void;
}

function fakeMicrophone() {
  const track: FakeTrack = {
    enabled: true,
    stopped: false,
    stop() {
      this.stopped = true;
    },
  };
  const stream = { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
  return { stream, track };
}

interface Harness {
  voice: VoiceSession;
  /** The first call's transport. */
  transport: ScriptedRealtimeTransport;
  /** The transport of the `index`-th call (0-based), made ahead so a test can expect its calls. */
  transportOf: (index: number) => ScriptedRealtimeTransport;
  getMicrophone: ReturnType<typeof vi.fn>;
  states: OrbState[];
  fetch: ReturnType<typeof vi.fn<(url: string, init?: RequestInit) => Promise<Response>>>;
  api: { createClientSecret: ReturnType<typeof vi.fn>; listRealtimeTools: ReturnType<typeof vi.fn> };
  connectorsChanged: ReturnType<typeof vi.fn>;
  microphone: ReturnType<typeof fakeMicrophone>;
}

function harness(overrides: Partial<VoiceSessionOptions> = {}): Harness {
  const transports: ScriptedRealtimeTransport[] = [];
  const transportOf = (index: number) => (transports[index] ??= new ScriptedRealtimeTransport());
  const transport = transportOf(0);
  let calls = 0;
  const microphone = fakeMicrophone();
  const getMicrophone = vi.fn(async () => microphone.stream);
  const api = {
    createClientSecret: vi.fn(async () => SECRET),
    listRealtimeTools: vi.fn(async () => CATALOG),
  };
  // The server's `POST /realtime/tool-calls`, as the reference server answers it.
  const fetch = vi.fn(async (url: string, init?: RequestInit): Promise<Response> => {
    if (url === '/api/v1/files') {
      return Response.json({ id: 'f1', filename: 'notes.txt' }, { status: 201 });
    }
    if (url !== '/api/v1/realtime/tool-calls') {
      return Response.json({ error: { code: 'not_found', message: 'no route' } }, { status: 404 });
    }
    const call = JSON.parse(String(init?.body)) as { name: string; arguments: string; approved?: boolean };
    const args = JSON.parse(call.arguments) as Record<string, unknown>;
    switch (call.name) {
      case 'activate_connector':
        return Response.json({
          output: { kind: 'oauth', key: args.key, consent_page: 'opened' },
          client: { open_url: 'https://accounts.example/o/oauth2/auth?state=s1' },
        });
      case 'revoke_connector':
        if (call.approved !== true) {
          return Response.json(
            { error: { code: 'approval_required', message: 'needs approval', summary: 'Disconnect Slack' } },
            { status: 409 },
          );
        }
        return Response.json({ output: { key: args.key, connected: false, status: 'inactive' }, client: {} });
      case 'create_project':
        return Response.json({ output: { id: 'p1', name: args.name }, client: {} });
      case 'upload_file':
        return Response.json({ output: { status: 'waiting_for_file' }, client: { pick_file: { path: '/api/v1/files' } } });
      default:
        return Response.json({ error: { code: 'validation_failed', message: 'unknown tool' } }, { status: 422 });
    }
  });
  const voice = new VoiceSession({
    api,
    fetch,
    getMicrophone,
    createTransport: () => transportOf(calls++),
    openConsent: () => ({ closed: false }) as unknown as Window,
    ...overrides,
  });
  const connectorsChanged = vi.fn();
  voice.setHandlers({ onConnectorsChanged: connectorsChanged });
  const states: OrbState[] = [voice.getSnapshot().state];
  voice.subscribe(() => {
    const state = voice.getSnapshot().state;
    if (states[states.length - 1] !== state) states.push(state);
  });
  return { voice, transport, transportOf, getMicrophone, states, fetch, api, connectorsChanged, microphone };
}

async function connected(overrides: Partial<VoiceSessionOptions> = {}): Promise<Harness> {
  const h = harness(overrides);
  const connect = h.transport.expectCall('connect');
  await h.voice.start();
  await connect;
  expect(h.voice.getSnapshot().state).toBe('listening');
  return h;
}

/** What the Realtime API says when the model calls a tool (see PROVIDERS.md). */
function callTool(transport: ScriptedRealtimeTransport, name: string, args: unknown, callId = 'call_1') {
  transport.emit('turn_started', { type: 'response_started', providerData: { response: { id: 'resp_1' } } });
  transport.emit('function_call', {
    type: 'function_call',
    id: `item_${callId}`,
    callId,
    name,
    arguments: JSON.stringify(args),
    responseId: 'resp_1',
  });
}

function serverEvent(transport: ScriptedRealtimeTransport, type: string) {
  transport.emit('*', { type, event_id: `evt_${type}` });
}

describe('VoiceSession', () => {
  it('connects with the ephemeral key and the catalog’s tools, leaving the server’s instructions alone', async () => {
    const h = harness();
    const connect = h.transport.expectCall('connect');

    await h.voice.start();
    const call = await connect;

    expect(h.states).toEqual(['idle', 'connecting', 'listening']);
    expect(call.options.apiKeyProvided).toBe(true);
    expect(call.options.model).toBe('gpt-realtime');
    const config = call.options.initialSessionConfig as Record<string, unknown> & { tools: { name: string }[] };
    expect(config.tools.map((tool) => tool.name)).toEqual([
      'activate_connector',
      'revoke_connector',
      'create_project',
      'upload_file',
    ]);
    // Sent as `session.update`, `providerData` overrides `instructions` with nothing:
    // the client secret's instructions stay in force.
    expect(config.providerData).toHaveProperty('instructions', undefined);
    expect(h.api.createClientSecret).toHaveBeenCalledTimes(1);
  });

  it('relays a function call to the server and sends its output back to the model, the consent URL kept for the page', async () => {
    const opened: string[] = [];
    const h = await connected({
      openConsent: (url) => {
        opened.push(url);
        return { closed: false } as unknown as Window;
      },
    });
    const output = h.transport.expectCall('sendFunctionCallOutput');
    let statesDuringTool: string | null = null;
    const relay = h.fetch.getMockImplementation();
    h.fetch.mockImplementationOnce(async (url, init) => {
      statesDuringTool = h.voice.getSnapshot().state;
      expect(h.voice.getSnapshot().tool).toBe('activate_connector');
      if (relay === undefined) throw new Error('no relay');
      return relay(url, init);
    });

    callTool(h.transport, 'activate_connector', { key: 'google_calendar' });
    const sent = await output;

    expect(statesDuringTool).toBe('tool');
    const [url, init] = h.fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/v1/realtime/tool-calls');
    expect(init.credentials).toBe('same-origin');
    expect(JSON.parse(String(init.body))).toEqual({
      call_id: 'call_1',
      name: 'activate_connector',
      arguments: '{"key":"google_calendar"}',
    });
    expect(sent.toolCall.callId).toBe('call_1');
    expect(JSON.parse(sent.output)).toEqual({ kind: 'oauth', key: 'google_calendar', consent_page: 'opened' });
    expect(sent.output).not.toContain('state=');
    expect(opened).toEqual(['https://accounts.example/o/oauth2/auth?state=s1']);
    expect(sent.startResponse).toBe(true);
    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('listening'));
    expect(h.connectorsChanged).toHaveBeenCalled();
  });

  it('offers a button when the browser blocks the consent window', async () => {
    const h = await connected({ openConsent: () => null });
    const output = h.transport.expectCall('sendFunctionCallOutput');

    callTool(h.transport, 'activate_connector', { key: 'google_calendar' });
    const sent = await output;

    expect(JSON.parse(sent.output)).toMatchObject({ consent_page: 'blocked' });
    expect(h.voice.getSnapshot().blockedConsent).toEqual({
      url: 'https://accounts.example/o/oauth2/auth?state=s1',
      key: 'google_calendar',
    });
  });

  it('returns the server’s 422 to the model as a tool error naming the field, and stays connected', async () => {
    const h = await connected();
    const error = {
      code: 'validation_failed',
      message: 'invalid input',
      fields: [{ field: 'arguments.name', message: 'longer than 200 characters' }],
    };
    h.fetch.mockImplementationOnce(async () => Response.json({ error }, { status: 422 }));
    const output = h.transport.expectCall('sendFunctionCallOutput');

    callTool(h.transport, 'create_project', { name: 'x'.repeat(300) });
    const sent = await output;

    expect(JSON.parse(sent.output)).toEqual({ error });
    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('listening'));
    expect(h.voice.getSnapshot().error).toBeNull();
  });

  it('waits for the user to pick a file, then uploads it', async () => {
    const h = await connected();
    const output = h.transport.expectCall('sendFunctionCallOutput');

    callTool(h.transport, 'upload_file', {});
    await vi.waitFor(() => expect(h.voice.getSnapshot().filePrompt).toEqual({ tool: 'upload_file' }));
    expect(h.voice.getSnapshot().state).toBe('tool');
    expect(h.fetch).toHaveBeenCalledTimes(1);
    h.voice.provideFile(new File(['hi'], 'notes.txt'));
    const sent = await output;

    expect(JSON.parse(sent.output)).toEqual({ id: 'f1', filename: 'notes.txt' });
    expect(h.fetch.mock.calls.map(([url]) => url)).toEqual(['/api/v1/realtime/tool-calls', '/api/v1/files']);
    const [, init] = h.fetch.mock.calls[1] as [string, RequestInit];
    expect((init.body as FormData).get('file')).toBeInstanceOf(File);
    expect(h.voice.getSnapshot().filePrompt).toBeNull();
  });

  it('asks the user before a needs_approval call; Cancel tells the model and nothing reaches the server', async () => {
    const h = await connected();
    const output = h.transport.expectCall('sendFunctionCallOutput');

    callTool(h.transport, 'revoke_connector', { key: 'slack' }, 'call_revoke');
    h.transport.emit('item_update', {
      itemId: 'item_call_revoke',
      type: 'function_call',
      status: 'completed',
      name: 'revoke_connector',
      arguments: '{"key":"slack"}',
      output: null,
    });
    await vi.waitFor(() =>
      expect(h.voice.getSnapshot().approval).toEqual({
        callId: 'call_revoke',
        itemId: 'item_call_revoke',
        tool: 'revoke_connector',
        arguments: { key: 'slack' },
        channelName: null,
      }),
    );
    expect(h.fetch).not.toHaveBeenCalled();
    // The transcript says the call waits for the user, not that it runs.
    const waiting = h.voice.getSnapshot().transcript.find((line) => line.role === 'tool');
    expect(waiting).toMatchObject({ name: 'revoke_connector', status: 'awaiting' });
    expect(waiting?.role === 'tool' && waiting.summary(en)).toBe('waiting for your answer');
    h.voice.reject();
    const sent = await output;

    expect(h.voice.getSnapshot().approval).toBeNull();
    expect(sent.toolCall.callId).toBe('call_revoke');
    expect(JSON.parse(sent.output)).toMatchObject({ cancelled: true, approved: false });
    expect(sent.startResponse).toBe(true);
    expect(h.fetch).not.toHaveBeenCalled();
    expect(h.connectorsChanged).not.toHaveBeenCalled();
    // The transcript marks the call cancelled, not done.
    const [entry] = transcriptFrom([
      { itemId: 'i', type: 'function_call', status: 'completed', name: 'revoke_connector', arguments: '{}', output: sent.output },
    ]);
    expect(entry).toMatchObject({ name: 'revoke_connector', status: 'cancelled' });
  });

  it('relays a confirmed call with approved: true and hands the model the server’s answer', async () => {
    const h = await connected();
    const output = h.transport.expectCall('sendFunctionCallOutput');

    callTool(h.transport, 'revoke_connector', { key: 'slack' }, 'call_revoke');
    await vi.waitFor(() => expect(h.voice.getSnapshot().approval).not.toBeNull());
    h.voice.approve();
    const sent = await output;

    expect(h.fetch).toHaveBeenCalledTimes(1);
    const [url, init] = h.fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/api/v1/realtime/tool-calls');
    expect(JSON.parse(String(init.body))).toEqual({
      call_id: 'call_revoke',
      name: 'revoke_connector',
      arguments: '{"key":"slack"}',
      approved: true,
    });
    expect(JSON.parse(sent.output)).toEqual({ key: 'slack', connected: false, status: 'inactive' });
    expect(h.voice.getSnapshot().approval).toBeNull();
    expect(h.connectorsChanged).toHaveBeenCalledTimes(1);
  });

  it('fails closed on a needs_approval call whose arguments are not JSON: no approval, nothing sent, a notice', async () => {
    const h = await connected();

    h.transport.emit('function_call', {
      type: 'function_call',
      id: 'item_bad',
      callId: 'call_bad',
      name: 'revoke_connector',
      arguments: '{"key": "slack"',
      responseId: 'resp_1',
    });
    await vi.waitFor(() => expect(h.voice.getSnapshot().notice).not.toBeNull());

    expect(h.voice.getSnapshot().notice?.(en)).toMatch(/Donna ran into a problem/);
    expect(h.voice.getSnapshot().approval).toBeNull();
    expect(h.fetch).not.toHaveBeenCalled();
    expect(h.transport.calls.some((call) => call.method === 'sendFunctionCallOutput')).toBe(false);
    expect(h.voice.getSnapshot().state).toBe('listening');
  });

  it('shows approvals one at a time, and a hang-up drops those still waiting', async () => {
    const h = await connected();

    callTool(h.transport, 'revoke_connector', { key: 'slack' }, 'call_a');
    callTool(h.transport, 'revoke_connector', { key: 'notion' }, 'call_b');
    await vi.waitFor(() => expect(h.voice.getSnapshot().approval?.callId).toBe('call_a'));
    const output = h.transport.expectCall('sendFunctionCallOutput');
    h.voice.reject();
    expect((await output).toolCall.callId).toBe('call_a');
    expect(h.voice.getSnapshot().approval?.callId).toBe('call_b');

    h.voice.stop();

    expect(h.voice.getSnapshot().approval).toBeNull();
    h.voice.approve();
    expect(h.fetch).not.toHaveBeenCalled();
  });

  it('follows who is speaking from the server’s events', async () => {
    const h = await connected();

    serverEvent(h.transport, 'input_audio_buffer.speech_started');
    expect(h.voice.getSnapshot().state).toBe('user-speaking');
    serverEvent(h.transport, 'input_audio_buffer.speech_stopped');
    expect(h.voice.getSnapshot().state).toBe('listening');
    serverEvent(h.transport, 'output_audio_buffer.started');
    expect(h.voice.getSnapshot().state).toBe('agent-speaking');
    serverEvent(h.transport, 'output_audio_buffer.stopped');
    expect(h.voice.getSnapshot().state).toBe('listening');
    // WebSocket transports stream the audio as events instead.
    h.transport.emit('audio', { type: 'audio', data: new ArrayBuffer(8), responseId: 'resp_1' });
    expect(h.voice.getSnapshot().state).toBe('agent-speaking');
    h.transport.emit('audio_done');
    expect(h.voice.getSnapshot().state).toBe('listening');
    expect(h.states).toEqual([
      'idle',
      'connecting',
      'listening',
      'user-speaking',
      'listening',
      'agent-speaking',
      'listening',
      'agent-speaking',
      'listening',
    ]);
  });

  it('keeps the transcript of both sides from the history', async () => {
    const h = await connected();

    h.transport.emit('item_update', {
      itemId: 'item_user',
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_audio', transcript: 'Active Google Calendar' }],
    });
    h.transport.emit('item_update', {
      itemId: 'item_donna',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_audio', transcript: 'Approve access in the window that opened.' }],
    });

    expect(h.voice.getSnapshot().transcript).toEqual([
      { id: 'item_user', role: 'user', text: 'Active Google Calendar', final: true },
      { id: 'item_donna', role: 'assistant', text: 'Approve access in the window that opened.', final: true },
    ]);
  });

  it('shows Donna’s words as they stream, then her final message', async () => {
    const h = await connected();
    h.transport.emit('item_update', {
      itemId: 'item_donna',
      type: 'message',
      role: 'assistant',
      status: 'in_progress',
      content: [],
    });

    for (const delta of ['Your ', 'calendar ', 'is ready.']) {
      h.transport.emit('*', { type: 'response.output_audio_transcript.delta', event_id: 'e', item_id: 'item_donna', delta });
    }
    expect(h.voice.getSnapshot().transcript).toEqual([
      { id: 'item_donna', role: 'assistant', text: 'Your calendar is ready.', final: false },
    ]);

    h.transport.emit('item_update', {
      itemId: 'item_donna',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_audio', transcript: 'Your calendar is ready!' }],
    });
    expect(h.voice.getSnapshot().transcript).toEqual([
      { id: 'item_donna', role: 'assistant', text: 'Your calendar is ready!', final: true },
    ]);
  });

  it('joins again once when the call drops: a fresh client secret, the same microphone, the transcript kept', async () => {
    const h = await connected();
    h.transport.emit('item_update', {
      itemId: 'item_user',
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_audio', transcript: 'Create a project called Apollo' }],
    });
    // A call the drop cuts off: it can never answer, the transcript says so.
    h.fetch.mockImplementationOnce(() => new Promise<Response>(() => undefined));
    callTool(h.transport, 'create_project', { name: 'Apollo' }, 'call_cut');
    h.transport.emit('item_update', {
      itemId: 'item_call_cut',
      type: 'function_call',
      status: 'in_progress',
      name: 'create_project',
      arguments: '{"name":"Apollo"}',
      output: null,
    });
    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('tool'));
    const rejoined = h.transportOf(1).expectCall('connect');

    h.transport.disconnect(new Error('ICE failed'));

    expect(h.voice.getSnapshot()).toMatchObject({ state: 'connecting', rejoining: true, error: null });
    expect(h.voice.getSnapshot().transcript.map((line) => line.id)).toEqual(['item_user', 'item_call_cut']);
    await rejoined;
    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('listening'));
    expect(h.voice.getSnapshot().rejoining).toBe(false);
    expect(h.api.createClientSecret).toHaveBeenCalledTimes(2);
    expect(h.getMicrophone).toHaveBeenCalledTimes(1);
    expect(h.microphone.track.stopped).toBe(false);
    expect(h.states).toEqual(['idle', 'connecting', 'listening', 'tool', 'connecting', 'listening']);

    // The conversation goes on in the new call, under the lines of the first.
    h.transportOf(1).emit('item_update', {
      itemId: 'item_donna',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_audio', transcript: 'Sorry, the line dropped. Apollo again?' }],
    });
    const transcript = h.voice.getSnapshot().transcript;
    expect(transcript.map((line) => line.id)).toEqual(['item_user', 'item_call_cut', 'item_donna']);
    expect(transcript[1]).toMatchObject({ role: 'tool', name: 'create_project', status: 'cancelled' });
    expect(transcript[2]).toMatchObject({ text: 'Sorry, the line dropped. Apollo again?' });
  });

  it('says in words when joining again fails too, and releases the microphone', async () => {
    const h = await connected();
    h.transportOf(1).failNextCall('connect', new Error('Realtime call request failed with status 503'));

    h.transport.disconnect(new Error('ICE failed'));

    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('error'));
    const error = h.voice.getSnapshot().error;
    expect(error?.kind).toBe('rejoin_failed');
    expect(error?.message(en)).toBe(
      'The connection to Donna was lost and could not be restored. The voice service is unavailable right now. Try again in a moment.',
    );
    expect(error?.message(fr)).toMatch(/^La connexion avec Donna a été perdue et n’a pas pu être rétablie\. Le service vocal/);
    expect(h.voice.getSnapshot().rejoining).toBe(false);
    expect(h.api.createClientSecret).toHaveBeenCalledTimes(2);
    expect(h.microphone.track.stopped).toBe(true);
  });

  it('says when to try again when the server refuses the re-join’s client secret', async () => {
    const h = await connected();
    h.api.createClientSecret.mockRejectedValueOnce(new ApiError(429, 'rate_limited', 'slow down', [], 42));

    h.transport.disconnect();

    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('error'));
    const error = h.voice.getSnapshot().error;
    expect(error).toMatchObject({ kind: 'rejoin_failed', retryAfterSeconds: 42 });
    expect(error?.message(en)).toBe(
      'The connection to Donna was lost and could not be restored. Too many voice conversations were started in a short time. Try again in 42 seconds.',
    );
    expect(h.transportOf(1).calls).toHaveLength(0);
  });

  it('ends the conversation when the re-joined call drops as well', async () => {
    const h = await connected();
    const rejoined = h.transportOf(1).expectCall('connect');
    h.transport.disconnect(new Error('ICE failed'));
    await rejoined;
    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('listening'));

    h.transportOf(1).disconnect(new Error('ICE failed'));

    const snapshot = h.voice.getSnapshot();
    expect(snapshot.state).toBe('error');
    expect(snapshot.error?.kind).toBe('connection_lost');
    expect(snapshot.error?.message(en)).toMatch(/connection to Donna was lost/);
    expect(h.api.createClientSecret).toHaveBeenCalledTimes(2);
    expect(h.microphone.track.stopped).toBe(true);
    expect(h.transportOf(2).calls).toHaveLength(0);
  });

  it('never joins again after the user hangs up', async () => {
    const h = await connected();

    h.voice.stop();
    // A late drop signal of the closed call, the way ICE reports it.
    h.transport.emit('connection_change', 'disconnected');
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(h.voice.getSnapshot()).toMatchObject({ state: 'idle', rejoining: false, error: null });
    expect(h.api.createClientSecret).toHaveBeenCalledTimes(1);
    expect(h.transportOf(1).calls).toHaveLength(0);
    expect(h.microphone.track.stopped).toBe(true);
  });

  it('prepares the SDK and the catalog ahead without minting, and starts from them', async () => {
    const h = harness();

    await h.voice.prepare();

    expect(h.api.listRealtimeTools).toHaveBeenCalledTimes(1);
    expect(h.api.createClientSecret).not.toHaveBeenCalled();
    expect(h.getMicrophone).not.toHaveBeenCalled();
    const connect = h.transport.expectCall('connect');
    await h.voice.start();
    const call = await connect;
    expect(h.api.listRealtimeTools).toHaveBeenCalledTimes(1);
    const config = call.options.initialSessionConfig as { tools: { name: string }[] };
    expect(config.tools.map((tool) => tool.name)).toContain('revoke_connector');
  });

  it('mints while the microphone opens when the browser already granted it, and after it otherwise', async () => {
    for (const granted of [true, false]) {
      let openMicrophone: (stream: MediaStream) => void = () => undefined;
      const microphone = fakeMicrophone();
      const h = harness({
        microphoneGranted: async () => granted,
        getMicrophone: () => new Promise<MediaStream>((resolve) => (openMicrophone = resolve)),
      });
      const connect = h.transport.expectCall('connect');

      const starting = h.voice.start();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(h.api.createClientSecret).toHaveBeenCalledTimes(granted ? 1 : 0);
      openMicrophone(microphone.stream);
      await starting;
      await connect;

      expect(h.api.createClientSecret).toHaveBeenCalledTimes(1);
      expect(h.voice.getSnapshot().state).toBe('listening');
    }
  });

  it('starts the call on silence while the microphone opens, and the microphone takes its place', async () => {
    let openMicrophone: (stream: MediaStream) => void = () => undefined;
    const microphone = fakeMicrophone();
    const silence = fakeMicrophone();
    const tracks: unknown[] = [silence.track];
    const standIn = {
      getTracks: () => [...tracks],
      getAudioTracks: () => [...tracks],
      removeTrack: (track: unknown) => tracks.splice(tracks.indexOf(track), 1),
      addTrack: (track: unknown) => tracks.push(track),
    } as unknown as MediaStream;
    const media: MediaStream[] = [];
    const transport = new ScriptedRealtimeTransport();
    const h = harness({
      microphoneGranted: async () => true,
      getMicrophone: () => new Promise<MediaStream>((resolve) => (openMicrophone = resolve)),
      silentStream: () => standIn,
      createTransport: (_secret, { mediaStream }) => {
        if (mediaStream !== undefined) media.push(mediaStream);
        return transport;
      },
    });
    const connect = transport.expectCall('connect');

    const starting = h.voice.start();
    await connect;
    await starting;
    const beforeTheMicrophone = h.voice.getSnapshot().state;
    openMicrophone(microphone.stream);
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(beforeTheMicrophone).toBe('listening');
    expect(media).toEqual([standIn]);
    expect(standIn.getAudioTracks()).toEqual([microphone.track]);
    expect(silence.track.stopped).toBe(true);
    expect(h.voice.audioStreams().input).toBe(microphone.stream);
  });

  it('fails the start when the microphone fails after the call began on silence', async () => {
    let refuse: (error: unknown) => void = () => undefined;
    const transport = new ScriptedRealtimeTransport();
    let connectCalled = false;
    const h = harness({
      microphoneGranted: async () => true,
      getMicrophone: () => new Promise<MediaStream>((_resolve, reject) => (refuse = reject)),
      silentStream: () => fakeMicrophone().stream,
      createTransport: () => {
        transport.connect = () => {
          connectCalled = true;
          return new Promise<void>(() => undefined);
        };
        return transport;
      },
    });

    const starting = h.voice.start();
    await vi.waitFor(() => expect(connectCalled).toBe(true));
    refuse(new DOMException('Requested device not found', 'NotFoundError'));
    await starting;

    expect(h.voice.getSnapshot().state).toBe('error');
    expect(h.states).toEqual(['idle', 'connecting', 'error']);
  });

  it('hangs up: closes the transport, stops the microphone, cancels a pending file pick', async () => {
    const h = await connected();
    callTool(h.transport, 'upload_file', {});
    await vi.waitFor(() => expect(h.voice.getSnapshot().filePrompt).not.toBeNull());

    h.voice.stop();

    expect(h.voice.getSnapshot().state).toBe('idle');
    expect(h.voice.getSnapshot().filePrompt).toBeNull();
    expect(h.voice.getSnapshot().error).toBeNull();
    expect(h.transport.status).toBe('disconnected');
    expect(h.microphone.track.stopped).toBe(true);
    expect(h.fetch.mock.calls.map(([url]) => url)).toEqual(['/api/v1/realtime/tool-calls']);
  });

  it('mutes the session and the microphone', async () => {
    const h = await connected();
    const mute = h.transport.expectCall('mute');

    h.voice.setMuted(true);

    expect((await mute).muted).toBe(true);
    expect(h.microphone.track.enabled).toBe(false);
    expect(h.voice.getSnapshot().muted).toBe(true);
    h.voice.setMuted(false);
    expect(h.microphone.track.enabled).toBe(true);
  });

  it('explains a denied microphone without minting a client secret', async () => {
    const h = harness({
      getMicrophone: async () => {
        throw new DOMException('Permission denied', 'NotAllowedError');
      },
    });

    await h.voice.start();

    expect(h.states).toEqual(['idle', 'connecting', 'error']);
    expect(h.voice.getSnapshot().error?.kind).toBe('microphone_denied');
    expect(h.voice.getSnapshot().error?.message(en)).toMatch(/permission to use the microphone/);
    expect(h.api.createClientSecret).not.toHaveBeenCalled();
  });

  it('says when to try again after the server’s rate limit, and stops the microphone', async () => {
    const h = harness();
    h.api.createClientSecret.mockRejectedValueOnce(new ApiError(429, 'rate_limited', 'slow down', [], 42));

    await h.voice.start();

    expect(h.voice.getSnapshot().state).toBe('error');
    const error = h.voice.getSnapshot().error;
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 42 });
    expect(error?.message(en)).toBe('Too many voice conversations were started in a short time. Try again in 42 seconds.');
    expect(error?.message(fr).replace(/[\u00a0\u202f]/g, ' ')).toBe(
      'Trop de conversations vocales ont été lancées en peu de temps. Réessayez dans 42 secondes.',
    );
    expect(h.microphone.track.stopped).toBe(true);
  });

  it('says voice is not configured when the server has no OpenAI key', async () => {
    const h = harness();
    h.api.createClientSecret.mockRejectedValueOnce(new ApiError(503, 'voice_not_configured', 'no key'));

    await h.voice.start();

    expect(h.voice.getSnapshot().error?.message(en)).toMatch(/not configured on this server/);
  });

  it('gives up connecting after its deadline', async () => {
    const transport = new ScriptedRealtimeTransport();
    transport.connect = () => new Promise<void>(() => undefined);
    const h = harness({ createTransport: () => transport, connectTimeoutMs: 30 });

    await h.voice.start();

    expect(h.voice.getSnapshot().error?.kind).toBe('connect_timeout');
    expect(h.microphone.track.stopped).toBe(true);
  });

  it('starts again after an error, with a fresh client secret', async () => {
    const h = harness();
    h.api.createClientSecret.mockRejectedValueOnce(new ApiError(503, 'voice_unavailable', 'down'));
    await h.voice.start();
    expect(h.voice.getSnapshot().state).toBe('error');

    const connect = h.transport.expectCall('connect');
    h.voice.toggle();
    await connect;

    await vi.waitFor(() => expect(h.voice.getSnapshot().state).toBe('listening'));
    expect(h.voice.getSnapshot().error).toBeNull();
    expect(h.api.createClientSecret).toHaveBeenCalledTimes(2);
  });

  it('abandons a connection attempt the user cancelled', async () => {
    let releaseSecret: (secret: ClientSecret) => void = () => undefined;
    const h = harness();
    h.api.createClientSecret.mockImplementationOnce(
      () => new Promise<ClientSecret>((resolve) => (releaseSecret = resolve)),
    );

    const starting = h.voice.start();
    await vi.waitFor(() => expect(h.api.createClientSecret).toHaveBeenCalled());
    h.voice.toggle();
    releaseSecret(SECRET);
    await starting;

    expect(h.voice.getSnapshot().state).toBe('idle');
    expect(h.transport.calls).toHaveLength(0);
    expect(h.microphone.track.stopped).toBe(true);
  });
});

describe('orbState', () => {
  it('ranks a running tool over speech and the user over Donna', () => {
    const connected = { ...IDLE, phase: 'connected' as const };
    expect(orbState(connected)).toBe('listening');
    expect(orbState({ ...connected, agentSpeaking: true, userSpeaking: true })).toBe('user-speaking');
    expect(orbState({ ...connected, agentSpeaking: true, runningTools: new Map([['c', 'list_projects']]) })).toBe('tool');
    expect(orbState({ ...IDLE, phase: 'error', userSpeaking: true })).toBe('error');
  });
});

describe('transcriptFrom', () => {
  it('shows tool calls with their outcome and skips empty messages', () => {
    const entries = transcriptFrom([
      { itemId: 'm0', type: 'message', role: 'user', status: 'in_progress', content: [{ type: 'input_audio', transcript: null }] },
      { itemId: 't1', type: 'function_call', status: 'completed', name: 'list_projects', arguments: '{}', output: '[{"id":1},{"id":2}]' },
      {
        itemId: 't2',
        type: 'function_call',
        status: 'completed',
        name: 'list_events',
        arguments: '{}',
        output: '{"error":{"code":"needs_reauth","message":"Google Calendar needs reconnecting"}}',
      },
      { itemId: 't3', type: 'function_call', status: 'in_progress', name: 'upload_file', arguments: '{}', output: null },
    ]);

    const said = entries.map((entry) => (entry.role === 'tool' ? { ...entry, summary: entry.summary(en) } : entry));
    expect(said).toEqual([
      { id: 't1', role: 'tool', name: 'list_projects', status: 'done', summary: '2 results' },
      { id: 't2', role: 'tool', name: 'list_events', status: 'failed', summary: 'Google Calendar needs reconnecting' },
      { id: 't3', role: 'tool', name: 'upload_file', status: 'running', summary: '' },
    ]);
    // Our own words follow the page's language; the server's stay as it wrote them.
    const first = entries[0];
    const second = entries[1];
    expect(first?.role === 'tool' && first.summary(fr)).toBe('2 résultats');
    expect(second?.role === 'tool' && second.summary(fr)).toBe('Google Calendar needs reconnecting');
  });
});

describe('a tool the user cancelled', () => {
  it('reads as cancelled, not as done', () => {
    const [entry] = transcriptFrom([
      {
        itemId: 't4',
        type: 'function_call',
        status: 'completed',
        name: 'upload_file',
        arguments: '{}',
        output: '{"cancelled":true,"message":"The user closed the file picker without choosing a file."}',
      },
    ]);
    expect(entry).toMatchObject({ role: 'tool', name: 'upload_file', status: 'cancelled' });
    expect(entry?.role === 'tool' && entry.summary(fr)).toBe('annulé');
  });
});

describe('approvalQuestion', () => {
  const names = (key: string) => ({ slack: 'Slack' })[key];

  it('says what Donna wants to do with the grid’s name of the connector, in the page’s language', () => {
    const revokeSlack = { tool: 'revoke_connector', arguments: { key: 'slack' } };
    expect(approvalQuestion(revokeSlack, names, en).question).toBe('Disconnect Slack?');
    expect(approvalQuestion(revokeSlack, names, fr).question).toBe('Déconnecter Slack\u00a0?');
    expect(approvalQuestion(revokeSlack, names, en).detail).toMatch(/remove access/);
  });

  it('quotes the Slack message Donna wants to post, with its channel', () => {
    const post = { tool: 'post_slack_message', arguments: { channel: 'C01GENERAL', text: 'Launch is on Thursday' } };
    expect(approvalQuestion(post, names, en).question).toBe('Post in Slack: “Launch is on Thursday”?');
    expect(approvalQuestion(post, names, en).detail).toMatch(/^In channel C01GENERAL, as you\./);
    expect(approvalQuestion(post, names, fr).question).toBe(
      'Publier dans Slack\u00a0: «\u00a0Launch is on Thursday\u00a0»\u00a0?',
    );
  });

  it('names the Notion page Donna wants to create', () => {
    const create = { tool: 'create_notion_page', arguments: { parent_id: 'p1', title: 'Thursday notes' } };
    expect(approvalQuestion(create, names, en).question).toBe('Create the Notion page “Thursday notes”?');
    expect(approvalQuestion(create, names, fr).question).toBe('Créer la page Notion «\u00a0Thursday notes\u00a0»\u00a0?');
  });

  it('names the Slack channel of a post by the name the conversation listed', () => {
    const listing = (output: string | null, name = 'list_slack_channels') => ({
      itemId: `i-${name}`,
      type: 'function_call' as const,
      status: 'completed' as const,
      name,
      arguments: '{}',
      output,
    });
    const channels = JSON.stringify([
      { id: 'C01GENERAL', name: 'general', topic: null, members: 12 },
      { id: 'C02RANDOM', name: 'random', topic: null, members: 9 },
    ]);
    expect(slackChannelName([listing(channels)], 'C02RANDOM')).toBe('random');
    expect(slackChannelName([listing(channels)], 'C09NOWHERE')).toBeNull();
    expect(slackChannelName([listing(null), listing('{"error":{"code":"not_connected"}}')], 'C01GENERAL')).toBeNull();
    expect(slackChannelName([listing(channels, 'list_projects')], 'C01GENERAL')).toBeNull();
    const post = { tool: 'post_slack_message', arguments: { channel: 'C01GENERAL', text: 'Hi' }, channelName: 'general' };
    expect(approvalQuestion(post, names, en).detail).toMatch(/^In channel #general, as you\./);
    expect(approvalQuestion(post, names, fr).detail).toMatch(/^Dans le canal #general, en votre nom\./);
  });

  it('names the key a file goes to in MinIO, or says the file keeps its name', () => {
    const put = (args: Record<string, unknown>) => ({ tool: 'put_file_in_minio', arguments: args });
    expect(approvalQuestion(put({ file_id: 'f1', key: 'reports/q1.pdf' }), names, en).question).toBe(
      'Copy the file into your MinIO bucket as “reports/q1.pdf”?',
    );
    expect(approvalQuestion(put({ file_id: 'f1' }), names, fr).question).toBe('Copier le fichier dans votre bucket MinIO\u00a0?');
  });

  it('names the recipient and text of the SMS Donna wants to send, and the sender', () => {
    const send = { tool: 'send_sms', arguments: { to: '+33612345678', from: '+15005550006', body: 'On my way' } };
    expect(approvalQuestion(send, names, en).question).toBe('Text +33612345678: “On my way”?');
    expect(approvalQuestion(send, names, en).detail).toContain('+15005550006');
    expect(approvalQuestion(send, names, fr).question).toBe(
      'Envoyer un SMS à +33612345678\u00a0: «\u00a0On my way\u00a0»\u00a0?',
    );
  });

  it('names the recipient and subject of the email Donna wants to send', () => {
    const send = { tool: 'send_email', arguments: { to: 'marie@example.com', subject: 'Lunch', text: 'Noon?' } };
    expect(approvalQuestion(send, names, en).question).toBe('Send an email to marie@example.com: “Lunch”?');
    expect(approvalQuestion(send, names, fr).question).toBe(
      'Envoyer un e-mail à marie@example.com\u00a0: «\u00a0Lunch\u00a0»\u00a0?',
    );
    expect(approvalQuestion(send, names, en).body).toEqual({ label: 'The message', text: 'Noon?' });
    expect(approvalQuestion(send, names, fr).body).toEqual({ label: 'Le message', text: 'Noon?' });
    expect(approvalQuestion({ tool: 'revoke_connector', arguments: { key: 'slack' } }, names, en).body).toBeUndefined();
  });

  it('falls back to the key, to “an account”, and to the tool’s name', () => {
    expect(approvalQuestion({ tool: 'revoke_connector', arguments: { key: 'acme' } }, names, en).question).toBe(
      'Disconnect acme?',
    );
    expect(approvalQuestion({ tool: 'revoke_connector', arguments: {} }, names, en).question).toBe('Disconnect an account?');
    expect(approvalQuestion({ tool: 'send_slack_message', arguments: { key: 'slack' } }, names, en).question).toBe(
      'Let Donna send slack message on Slack?',
    );
    expect(approvalQuestion({ tool: 'delete_project', arguments: {} }, names, fr).question).toBe(
      'Laisser Donna delete project\u00a0?',
    );
  });
});

describe('voiceErrorFrom', () => {
  it('puts each failure in words', () => {
    expect(voiceErrorFrom(new DOMException('', 'NotFoundError')).message(en)).toMatch(/No microphone was found/);
    expect(voiceErrorFrom(new ApiError(401, 'unauthorized', '')).kind).toBe('signed_out');
    expect(voiceErrorFrom(new ApiError(502, 'voice_upstream_refused', '')).message(en)).toMatch(/refused this server’s credentials/);
    expect(voiceErrorFrom(new ApiError(503, 'voice_quota_exceeded', '')).kind).toBe('quota_exceeded');
    expect(voiceErrorFrom(new ApiError(503, 'voice_unavailable', '')).message(en)).toMatch(/unavailable right now/);
    expect(voiceErrorFrom(new Error('Realtime call request failed with status 401: expired')).message(en)).toMatch(
      /session key was rejected or had expired/,
    );
    expect(voiceErrorFrom(new Error('Realtime call request failed with status 503')).kind).toBe('upstream_unavailable');
    expect(voiceErrorFrom(new Error('WebRTC is not supported in this environment')).kind).toBe('unsupported');
    expect(voiceErrorFrom(new ApiError(429, 'rate_limited', '', [], null)).message(en)).toMatch(/Wait a minute/);
  });
});
