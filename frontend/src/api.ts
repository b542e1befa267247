// The one typed client of the reference server's HTTP API (SPEC §5).
//
// Every call goes to the same origin under `/api/v1` with the session cookie;
// every failure — an HTTP error, a body that is not the expected JSON, or no
// answer at all — surfaces as an `ApiError` carrying the server's `code`.

import type { components } from './api-types';
import { messages } from './i18n';
import type { JsonSchema } from './jsonSchema';

// The shapes of the API, generated from the server's OpenAPI document
// (`bash scripts/check-api-types.sh --write` regenerates `api-types.ts`; the test
// suite fails when it drifts from what the server serves).
type Schemas = components['schemas'];

export type User = Schemas['UserView'];

export type AuthSession = Schemas['SessionView'];

export type ConnectorKind = Schemas['ConnectorKind'];

/** The `status` column of `user_connectors`, as the server sends it. */
export type ConnectorStatus = Schemas['ConnectorStatus'];

/**
 * An item of `GET /connectors`, its free-form `schema` read as the JSON Schema
 * (2020-12, from schemars) of a config connector's fields.
 */
export type Connector = Omit<Schemas['Connector'], 'schema'> & { schema: JsonSchema | null };

export type FieldErrorParams = Schemas['FieldErrorParams'];

/**
 * A field at fault in a 422. `code` is one of `Schemas['FieldErrorCode']`, or a newer
 * server's code this page does not know (shown with the server's `message`).
 */
export type FieldError = Omit<Schemas['FieldProblem'], 'code' | 'params'> & { code: string; params: FieldErrorParams };

export type LastErrorCode = Schemas['LastErrorCode'];

export type LastErrorParams = Schemas['LastErrorParams'];

export type ClientSecret = Schemas['ClientSecretView'];

/** A connection lifecycle event of `GET /events` (SPEC §11). */
export type LifecycleEvent = Schemas['LifecycleEvent'];

/**
 * One entry of the tool catalog (`GET /realtime/tools`): a tool and the REST route it
 * calls, its `parameters` read as JSON Schema.
 */
export type RealtimeTool = Omit<Schemas['Tool'], 'parameters'> & { parameters: JsonSchema };

/** The body of `POST /realtime/tool-calls`: one call of the model, relayed by the orb. */
export type ToolCallRequest = Schemas['ToolCallRequest'];

/** The answer of `POST /realtime/tool-calls`: what the model reads, what only the page needs. */
export type ToolCallAnswer = Schemas['ToolCallAnswer'];

/** Codes the client itself produces when the server gave none. */
export const NETWORK_ERROR = 'network_error';
export const BAD_RESPONSE = 'bad_response';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldError[];
  /** Seconds, from a `Retry-After` header (429, 503). */
  readonly retryAfter: number | null;
  /** The provider's own words (`provider_rejected`), apart from the server's sentence. */
  readonly detail: string | null;

  constructor(
    status: number,
    code: string,
    message: string,
    fields: FieldError[] = [],
    retryAfter: number | null = null,
    detail: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
    this.detail = detail;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClient {
  signup(email: string, password: string): Promise<AuthSession>;
  login(email: string, password: string): Promise<AuthSession>;
  logout(): Promise<void>;
  /** The signed-in user, or `null` when the session is missing or over (401). */
  me(): Promise<User | null>;
  listConnectors(): Promise<Connector[]>;
  /** The provider's authorization URL that starts a connector's OAuth flow. */
  connectorRedirectUrl(key: string): Promise<string>;
  saveConnectorConfig(key: string, fields: Record<string, unknown>): Promise<Connector>;
  revokeConnector(key: string): Promise<Connector>;
  /** The user's newest lifecycle events of one connector, newest first. */
  listConnectorEvents(key: string, limit: number): Promise<LifecycleEvent[]>;
  createClientSecret(): Promise<ClientSecret>;
  listRealtimeTools(): Promise<RealtimeTool[]>;
}

export interface ApiClientOptions {
  /** Defaults to the global `fetch`, looked up at call time. */
  fetch?: FetchLike;
  /** Prefix of every route; defaults to the same origin's `/api/v1`. */
  baseUrl?: string;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = options.baseUrl ?? '/api/v1';
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }

    let response: Response;
    try {
      response = await doFetch(baseUrl + path, init);
    } catch {
      throw new ApiError(0, NETWORK_ERROR, messages().errors.network);
    }

    const text = await response.text().catch(() => '');
    if (!response.ok) {
      throw errorFromResponse(response, text);
    }
    if (text === '') {
      return undefined;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(response.status, BAD_RESPONSE, messages().errors.badResponse);
    }
  }

  const connectorPath = (key: string) => `/connectors/${encodeURIComponent(key)}`;

  return {
    async signup(email, password) {
      return parseAuthSession(await request('POST', '/auth/signup', { email, password }));
    },
    async login(email, password) {
      return parseAuthSession(await request('POST', '/auth/login', { email, password }));
    },
    async logout() {
      await request('POST', '/auth/logout');
    },
    async me() {
      try {
        const body = await request('GET', '/auth/me');
        return parseUser(field(body, 'user'));
      } catch (error) {
        if (isApiError(error) && error.status === 401) {
          return null;
        }
        throw error;
      }
    },
    async listConnectors() {
      const body = await request('GET', '/connectors');
      if (!Array.isArray(body)) {
        throw badShape('connector list');
      }
      return body.map(parseConnector);
    },
    async connectorRedirectUrl(key) {
      const url = field(await request('GET', `${connectorPath(key)}/redirect`), 'url');
      if (typeof url !== 'string' || url === '') {
        throw badShape('authorization URL');
      }
      return url;
    },
    async saveConnectorConfig(key, fields) {
      return parseConnector(await request('POST', `${connectorPath(key)}/config`, fields));
    },
    async revokeConnector(key) {
      return parseConnector(await request('POST', `${connectorPath(key)}/revoke`));
    },
    async listConnectorEvents(key, limit) {
      const query = new URLSearchParams({ connector: key, limit: String(limit) });
      const body = await request('GET', `/events?${query.toString()}`);
      if (!Array.isArray(body)) {
        throw badShape('event list');
      }
      return body.map(parseLifecycleEvent);
    },
    async createClientSecret() {
      const body = await request('POST', '/realtime/client-secret');
      if (!isRecord(body) || typeof body.value !== 'string') {
        throw badShape('client secret');
      }
      return body as unknown as ClientSecret;
    },
    async listRealtimeTools() {
      const body = await request('GET', '/realtime/tools');
      if (!Array.isArray(body)) {
        throw badShape('tool catalog');
      }
      return body as RealtimeTool[];
    },
  };
}

/** The client the dashboard uses: same origin, global `fetch`. */
export const api: ApiClient = createApiClient();

function errorFromResponse(response: Response, text: string): ApiError {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = undefined;
  }
  const error = field(parsed, 'error');
  if (isRecord(error) && typeof error.code === 'string') {
    // An internal error's message ("internal error") is for logs, not people.
    const generic = error.code === 'internal' && response.status >= 500;
    const message =
      typeof error.message === 'string' && error.message !== '' && !generic ? error.message : genericMessage(response.status);
    const detail = typeof error.detail === 'string' && error.detail !== '' ? error.detail : null;
    return new ApiError(response.status, error.code, message, parseFieldErrors(error.fields), retryAfter, detail);
  }
  return new ApiError(response.status, `http_${response.status}`, genericMessage(response.status), [], retryAfter);
}

// The words of the client-made messages live in the i18n catalogs; `requestErrorMessage`
// (state.ts) says them again in the language the page shows when they are drawn.
function genericMessage(status: number): string {
  const t = messages();
  if (status === 401) return t.errors.notSignedIn;
  if (status === 403) return t.errors.forbidden;
  if (status === 404) return t.errors.notFound;
  if (status === 429) return t.errors.tooManyRequests;
  if (status >= 500) return t.errors.serverProblem;
  return t.errors.httpStatus(status);
}

function parseRetryAfter(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The `fields` of an error body, each with a code (`invalid` from an older server). */
export function parseFieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) =>
    isRecord(entry) && typeof entry.field === 'string' && typeof entry.message === 'string'
      ? [
          {
            field: entry.field,
            // An older server sends no code: its words are all there is.
            code: typeof entry.code === 'string' ? entry.code : 'invalid',
            message: entry.message,
            params: parseFieldParams(entry.params),
          },
        ]
      : [],
  );
}

function parseFieldParams(value: unknown): FieldErrorParams {
  if (!isRecord(value)) return {};
  const params: FieldErrorParams = {};
  if (typeof value.min === 'number') params.min = value.min;
  if (typeof value.max === 'number') params.max = value.max;
  if (Array.isArray(value.allowed)) params.allowed = stringArray(value.allowed);
  if (Array.isArray(value.conflicts_with)) params.conflicts_with = stringArray(value.conflicts_with);
  if (typeof value.format === 'string') params.format = value.format as NonNullable<FieldErrorParams['format']>;
  if (typeof value.address === 'string') params.address = value.address;
  if (typeof value.other === 'string') params.other = value.other;
  if (typeof value.detail === 'string' && value.detail !== '') params.detail = value.detail;
  return params;
}

const LAST_ERROR_CODES: readonly LastErrorCode[] = ['needs_reauth', 'refresh_failing', 'refresh_failed', 'other'];

/** A known code; a newer server's code reads as `other` (the server's words are shown). */
function parseLastErrorCode(value: unknown): LastErrorCode | null {
  if (typeof value !== 'string') return null;
  return LAST_ERROR_CODES.find((known) => known === value) ?? 'other';
}

/** The facts beside a last error; an older server sends none. */
function parseLastErrorParams(value: unknown): LastErrorParams {
  if (!isRecord(value)) return { attempts: null, retry_at: null };
  return {
    attempts: typeof value.attempts === 'number' && value.attempts > 0 ? value.attempts : null,
    retry_at: stringOrNull(value.retry_at),
  };
}

function parseAuthSession(body: unknown): AuthSession {
  const token = field(body, 'token');
  return { user: parseUser(field(body, 'user')), token: typeof token === 'string' ? token : '' };
}

function parseUser(value: unknown): User {
  if (!isRecord(value) || typeof value.email !== 'string') {
    throw badShape('user');
  }
  return {
    id: String(value.id ?? ''),
    email: value.email,
    created_at: typeof value.created_at === 'string' ? value.created_at : '',
  };
}

/** Reads one lifecycle event; `data` stays free-form, as each type has its own fields. */
export function parseLifecycleEvent(value: unknown): LifecycleEvent {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.type !== 'string') {
    throw badShape('event');
  }
  return {
    id: value.id,
    type: value.type,
    connector: typeof value.connector === 'string' ? value.connector : null,
    created_at: typeof value.created_at === 'string' ? value.created_at : '',
    data: isRecord(value.data) ? value.data : {},
  };
}

const CONNECTOR_STATUSES: readonly ConnectorStatus[] = ['active', 'inactive', 'needs_reauth', 'error'];

/** Reads one connector, tolerating optional fields an older server leaves out. */
export function parseConnector(value: unknown): Connector {
  if (!isRecord(value) || typeof value.key !== 'string') {
    throw badShape('connector');
  }
  const status = CONNECTOR_STATUSES.find((known) => known === value.status) ?? 'inactive';
  return {
    key: value.key,
    name: typeof value.name === 'string' && value.name !== '' ? value.name : value.key,
    kind: value.kind === 'config' ? 'config' : 'oauth',
    provider: typeof value.provider === 'string' ? value.provider : '',
    configured: value.configured !== false,
    connected: value.connected === true,
    status,
    scopes: stringArray(value.scopes),
    expires_at: stringOrNull(value.expires_at),
    connected_at: stringOrNull(value.connected_at),
    last_error: stringOrNull(value.last_error),
    last_error_code: parseLastErrorCode(value.last_error_code),
    last_error_detail: typeof value.last_error_detail === 'string' && value.last_error_detail !== '' ? value.last_error_detail : null,
    last_error_params: parseLastErrorParams(value.last_error_params),
    connected_as: stringOrNull(value.connected_as),
    schema: isRecord(value.schema) ? (value.schema as JsonSchema) : null,
    secret_fields: stringArray(value.secret_fields),
    config: isRecord(value.config) ? value.config : null,
  };
}

function badShape(what: string): ApiError {
  return new ApiError(200, BAD_RESPONSE, messages().errors.unexpected(what));
}

function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
