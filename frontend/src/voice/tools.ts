// What Donna's tools do: call the REST route a catalog entry (`GET /api/v1/realtime/tools`)
// is bound to, with the user's session, and hand the model the JSON answer — errors
// included, as `{"error":{"code","message"}}`, so that Donna can explain them.
// (`agent.ts` wraps each entry in the SDK's `tool()`.)

import type { FetchLike, RealtimeTool } from '../api';

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

export type ToolResult = Record<string, unknown> | unknown[];

/** The answer the model reads when a tool call cannot be made at all. */
export function toolError(code: string, message: string): ToolResult {
  return { error: { code, message } };
}

/** Calls the REST route `entry` is bound to with `input`, the model's arguments. */
export async function callBoundRoute(entry: RealtimeTool, input: unknown, runtime: ToolRuntime): Promise<ToolResult> {
  const args = parseArguments(input);
  if (args === null) {
    return toolError('invalid_arguments', `The arguments of ${entry.name} must be a JSON object.`);
  }

  let path = entry.path;
  for (const name of entry.path_params ?? []) {
    const value = args[name];
    if (value === undefined || value === null || value === '') {
      return toolError('invalid_arguments', `${entry.name} needs the argument "${name}".`);
    }
    path = path.split(`{${name}}`).join(encodeURIComponent(String(value)));
  }

  const query = new URLSearchParams();
  for (const name of entry.query_params ?? []) {
    const value = args[name];
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const search = query.toString();
  const url = search === '' ? path : `${path}?${search}`;

  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method: entry.method.toUpperCase(), headers, credentials: 'same-origin' };
  const bodyArgs = pick(args, entry.body_params ?? []);

  if (entry.body === 'json') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(bodyArgs);
  } else if (entry.body === 'multipart' || entry.needs_user_file) {
    const file = await runtime.pickFile(entry.name);
    if (file === null) {
      return { cancelled: true, message: 'The user closed the file picker without choosing a file.' };
    }
    const form = new FormData();
    for (const [name, value] of Object.entries(bodyArgs)) {
      form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    form.append(entry.file_field ?? 'file', file, file.name);
    init.body = form;
  }

  let response: Response;
  try {
    response = await runtime.fetch(url, init);
  } catch {
    return toolError('network_error', 'The app server could not be reached.');
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

  if (!response.ok) {
    if (isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string') {
      return { error: body.error };
    }
    return toolError(`http_${response.status}`, `The request failed with HTTP status ${response.status}.`);
  }

  const result: ToolResult = isRecord(body) || Array.isArray(body) ? body : { ok: true };
  if (init.method !== 'GET' && path.startsWith('/api/v1/connectors/')) {
    runtime.connectorsChanged();
    if (isRecord(result) && result.kind === 'oauth' && typeof result.url === 'string') {
      const key = typeof result.key === 'string' ? result.key : String(args.key ?? '');
      const consentWindow = runtime.openConsent(result.url, key);
      // Tells the model whether to point the user at the window or at the button on screen.
      return { ...result, consent_window: consentWindow };
    }
  }
  return result;
}

function parseArguments(input: unknown): Record<string, unknown> | null {
  if (input === undefined || input === null || input === '') return {};
  if (typeof input === 'string') {
    try {
      return parseArguments(JSON.parse(input) as unknown);
    } catch {
      return null;
    }
  }
  return isRecord(input) ? input : null;
}

function pick(args: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) {
    if (args[name] !== undefined) picked[name] = args[name];
  }
  return picked;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
