// What Donna's tools do: relay the model's call to the server
// (`POST /api/v1/realtime/tool-calls`, SPEC §5), which checks it against the catalog,
// enforces approval and runs it, and hand the model the server's `output` — errors
// included, as `{"error":{"code","message"}}`, so that Donna can explain them or ask
// again. The page acts only on what the server keeps for it (`client`): a consent page
// to open, a file for the user to pick. (`agent.ts` wraps each entry in the SDK's `tool()`.)

import type { FetchLike, RealtimeTool, ToolCallAnswer, ToolCallRequest } from '../api';

/** What a tool needs from the page around it. */
export interface ToolRuntime {
  fetch: FetchLike;
  /** Asks the user for a file; `null` when they cancel or the conversation ends. */
  pickFile(toolName: string): Promise<File | null>;
  /** Shows a provider's consent page to the user; says whether a window opened. */
  openConsent(url: string, connectorKey: string): 'opened' | 'blocked';
  /** A connector changed (or may have): the connectors grid should reload. */
  connectorsChanged(): void;
}

/** One function call of the model, as the relay sends it on. */
export interface ModelToolCall {
  /** The model's own call id. */
  callId: string;
  /** The arguments as the model sent them: JSON text, or already an object. */
  arguments: unknown;
  /** The user confirmed this very call (the SDK's approval, for `needs_approval` tools). */
  approved: boolean;
}

export type ToolResult = Record<string, unknown> | unknown[];

export const TOOL_CALLS_PATH = '/api/v1/realtime/tool-calls';

/** The answer the model reads when a tool call cannot be made at all. */
export function toolError(code: string, message: string): ToolResult {
  return { error: { code, message } };
}

/** Relays `call` of the tool `entry` to the server and does what its answer asks of the page. */
export async function relayToolCall(entry: RealtimeTool, call: ModelToolCall, runtime: ToolRuntime): Promise<ToolResult> {
  const request: ToolCallRequest = {
    call_id: call.callId,
    name: entry.name,
    // The server reads JSON text as the model wrote it; an empty call has no arguments.
    arguments: (call.arguments === undefined || call.arguments === null || call.arguments === ''
      ? {}
      : call.arguments) as ToolCallRequest['arguments'],
  };
  if (call.approved) request.approved = true;

  const answer = await send(runtime, TOOL_CALLS_PATH, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (!answer.ok) return answer.result;
  if (!isToolCallAnswer(answer.body)) {
    return toolError('bad_response', 'The app server answered the tool call with something unexpected.');
  }
  const { output, client } = answer.body;
  const outputObject = isRecord(output) ? output : null;

  const pickFile = client.pick_file;
  if (isRecord(pickFile) && typeof pickFile.path === 'string') {
    return uploadPickedFile(entry, pickFile.path, runtime);
  }

  const changesConnector = entry.method !== 'GET' && entry.path.startsWith('/api/v1/connectors/');
  if (changesConnector && !isRecord(outputObject?.error)) runtime.connectorsChanged();
  if (typeof client.open_url === 'string') {
    const key = typeof outputObject?.key === 'string' ? outputObject.key : keyArgument(call.arguments);
    // Tells the model whether to point the user at the window or at the button on screen.
    return { ...outputObject, consent_page: runtime.openConsent(client.open_url, key) };
  }
  return outputObject ?? (Array.isArray(output) ? output : { ok: true });
}

/** Asks the user for the file and uploads it to `path` as multipart, as the catalog entry says. */
async function uploadPickedFile(entry: RealtimeTool, path: string, runtime: ToolRuntime): Promise<ToolResult> {
  const file = await runtime.pickFile(entry.name);
  if (file === null) {
    return { cancelled: true, message: 'The user closed the file picker without choosing a file.' };
  }
  const form = new FormData();
  form.append(entry.file_field ?? 'file', file, file.name);
  const answer = await send(runtime, path, { method: 'POST', headers: { Accept: 'application/json' }, body: form });
  if (!answer.ok) return answer.result;
  return isRecord(answer.body) || Array.isArray(answer.body) ? answer.body : { ok: true };
}

type Sent = { ok: true; body: unknown } | { ok: false; result: ToolResult };

/** One request with the user's session; a failure becomes the `{error}` the model reads. */
async function send(runtime: ToolRuntime, url: string, init: RequestInit): Promise<Sent> {
  let response: Response;
  try {
    response = await runtime.fetch(url, { ...init, credentials: 'same-origin' });
  } catch {
    return { ok: false, result: toolError('network_error', 'The app server could not be reached.') };
  }
  const text = await response.text().catch(() => '');
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (response.ok) return { ok: true, body };
  // The server's own error (a 422 naming the field, a 409 asking for approval) as it is.
  if (isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string') {
    return { ok: false, result: { error: body.error } };
  }
  return {
    ok: false,
    result: toolError(`http_${response.status}`, `The request failed with HTTP status ${response.status}.`),
  };
}

/** The `key` argument of a call, for naming the connector whose consent page opens. */
function keyArgument(args: unknown): string {
  let parsed = args;
  if (typeof args === 'string') {
    try {
      parsed = JSON.parse(args);
    } catch {
      return '';
    }
  }
  return isRecord(parsed) && typeof parsed.key === 'string' ? parsed.key : '';
}

/** `output` is whatever the route answered: an object, or a list (`list_connectors`). */
function isToolCallAnswer(value: unknown): value is { output: unknown; client: ToolCallAnswer['client'] } {
  return isRecord(value) && 'output' in value && isRecord(value.client);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
