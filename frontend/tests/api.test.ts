import { describe, expect, it } from 'vitest';

import { ApiError, createApiClient, type FetchLike } from '../src/api';
import { smtpSchema } from './fixtures';

interface Recorded {
  url: string;
  init: RequestInit;
}

/** A fetch that answers from a queue and records what it was asked. */
function stubFetch(...responses: (Response | Error)[]) {
  const calls: Recorded[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    calls.push({ url, init });
    const next = responses.shift();
    if (next === undefined) throw new Error(`unexpected request to ${url}`);
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, calls };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function header(call: Recorded | undefined, name: string): string | undefined {
  return (call?.init.headers as Record<string, string> | undefined)?.[name];
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const user = { id: 'u1', email: 'ada@example.com', created_at: '2025-11-24T16:00:00Z' };

const smtpConnector = {
  key: 'smtp',
  name: 'SMTP',
  kind: 'config',
  provider: 'smtp',
  configured: true,
  connected: true,
  status: 'active',
  scopes: [],
  expires_at: null,
  connected_at: '2025-11-24T16:00:00Z',
  last_error: null,
  last_error_code: null,
  last_error_detail: null,
  last_error_params: { attempts: null, retry_at: null },
  connected_as: 'donna@example.com',
  schema: smtpSchema,
  secret_fields: ['password'],
  config: { host: 'smtp.example.com', port: 587 },
};

describe('the API client', () => {
  it('lists connectors from the same origin with the session cookie', async () => {
    const { fetch, calls } = stubFetch(json(200, [smtpConnector]));
    const connectors = await createApiClient({ fetch }).listConnectors();

    expect(calls[0]?.url).toBe('/api/v1/connectors');
    expect(calls[0]?.init.method).toBe('GET');
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect(header(calls[0], 'Accept')).toBe('application/json');
    expect(connectors).toEqual([smtpConnector]);
  });

  it('fills in optional connector fields an older server leaves out', async () => {
    const { fetch } = stubFetch(
      json(200, [{ key: 'gmail', name: 'Gmail', kind: 'oauth', provider: 'google', configured: true, connected: false, status: 'inactive' }]),
    );
    const [gmail] = await createApiClient({ fetch }).listConnectors();
    expect(gmail).toMatchObject({
      scopes: [],
      secret_fields: [],
      schema: null,
      config: null,
      connected_as: null,
      expires_at: null,
      last_error_detail: null,
      last_error_params: { attempts: null, retry_at: null },
    });
  });

  it('reads the provider’s words and the facts beside a last error', async () => {
    const failing = {
      ...smtpConnector,
      key: 'google_calendar',
      status: 'error',
      last_error: 'the provider failed to refresh the token (backend_error)',
      last_error_code: 'refresh_failing',
      last_error_detail: 'backend_error',
      last_error_params: { attempts: 3, retry_at: '2026-12-01T17:05:00Z' },
    };
    const { fetch } = stubFetch(json(200, [failing]));
    const [google] = await createApiClient({ fetch }).listConnectors();
    expect(google?.last_error_detail).toBe('backend_error');
    expect(google?.last_error_params).toEqual({ attempts: 3, retry_at: '2026-12-01T17:05:00Z' });
  });

  it('asks for the authorization URL as JSON, with the key escaped', async () => {
    const { fetch, calls } = stubFetch(json(200, { url: 'https://accounts.example.com/auth?state=s' }));
    const url = await createApiClient({ fetch }).connectorRedirectUrl('google calendar');

    expect(url).toBe('https://accounts.example.com/auth?state=s');
    expect(calls[0]?.url).toBe('/api/v1/connectors/google%20calendar/redirect');
    expect(header(calls[0], 'Accept')).toBe('application/json');
  });

  it('reports a connector without server credentials by its code', async () => {
    const { fetch } = stubFetch(json(503, { error: { code: 'not_configured', message: 'No Google client id.' } }));
    const error = await rejection(createApiClient({ fetch }).connectorRedirectUrl('gmail'));
    expect(error).toMatchObject({ status: 503, code: 'not_configured', message: 'No Google client id.', fields: [] });
  });

  it('posts config fields as JSON and returns the saved connector', async () => {
    const { fetch, calls } = stubFetch(json(200, smtpConnector));
    const saved = await createApiClient({ fetch }).saveConnectorConfig('smtp', { host: 'smtp.example.com', port: 587 });

    expect(calls[0]?.url).toBe('/api/v1/connectors/smtp/config');
    expect(calls[0]?.init.method).toBe('POST');
    expect(header(calls[0], 'Content-Type')).toBe('application/json');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ host: 'smtp.example.com', port: 587 });
    expect(saved.connected).toBe(true);
  });

  it('carries the per-field messages of a validation failure', async () => {
    const { fetch } = stubFetch(
      json(422, {
        error: {
          code: 'validation_failed',
          message: 'Some fields are not valid.',
          fields: [{ field: 'port', message: 'must be between 1 and 65535' }, { nonsense: true }],
        },
      }),
    );
    const error = await rejection(createApiClient({ fetch }).saveConnectorConfig('smtp', { port: 0 }));
    expect(error.code).toBe('validation_failed');
    // An older server sends no code: its words are all there is.
    expect(error.fields).toEqual([{ field: 'port', code: 'invalid', message: 'must be between 1 and 65535', params: {} }]);
  });

  it('carries each field error code with its parameters, and a provider refusal its words', async () => {
    const { fetch } = stubFetch(
      json(422, {
        error: {
          code: 'validation_failed',
          message: 'invalid field(s): port, security',
          fields: [
            { field: 'port', code: 'out_of_range', message: 'expected a whole number from 1 to 65535', params: { min: 1, max: 65535 } },
            { field: 'security', code: 'not_one_of', message: 'expected one of tls, none', params: { allowed: ['tls', 'none'], bogus: 1 } },
          ],
        },
      }),
      json(422, { error: { code: 'provider_rejected', message: 'the provider rejected these credentials: bad key', detail: 'bad key' } }),
    );
    const client = createApiClient({ fetch });
    const invalid = await rejection(client.saveConnectorConfig('smtp', { port: 0 }));
    expect(invalid.fields).toEqual([
      { field: 'port', code: 'out_of_range', message: 'expected a whole number from 1 to 65535', params: { min: 1, max: 65535 } },
      { field: 'security', code: 'not_one_of', message: 'expected one of tls, none', params: { allowed: ['tls', 'none'] } },
    ]);
    const rejected = await rejection(client.saveConnectorConfig('hostinger', { api_token: 'x' }));
    expect(rejected.code).toBe('provider_rejected');
    expect(rejected.detail).toBe('bad key');
  });

  it('revokes with a POST and no body', async () => {
    const { fetch, calls } = stubFetch(json(200, { ...smtpConnector, connected: false, status: 'inactive' }));
    const revoked = await createApiClient({ fetch }).revokeConnector('smtp');
    expect(calls[0]?.url).toBe('/api/v1/connectors/smtp/revoke');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.body).toBeUndefined();
    expect(revoked.status).toBe('inactive');
  });

  it('signs up and logs in with email and password', async () => {
    const { fetch, calls } = stubFetch(json(201, { user, token: 't1' }), json(200, { user, token: 't2' }));
    const client = createApiClient({ fetch });
    expect(await client.signup('ada@example.com', 'pw')).toEqual({ user, token: 't1' });
    expect(await client.login('ada@example.com', 'pw')).toEqual({ user, token: 't2' });
    expect(calls.map((call) => call.url)).toEqual(['/api/v1/auth/signup', '/api/v1/auth/login']);
    expect(JSON.parse(String(calls[1]?.init.body))).toEqual({ email: 'ada@example.com', password: 'pw' });
  });

  it('turns auth refusals into typed errors', async () => {
    const { fetch } = stubFetch(
      json(409, { error: { code: 'email_taken', message: 'Taken.' } }),
      json(401, { error: { code: 'invalid_credentials', message: 'Wrong.' } }),
      json(429, { error: { code: 'rate_limited', message: 'Slow down.' } }, { 'Retry-After': '42' }),
    );
    const client = createApiClient({ fetch });
    expect(await rejection(client.signup('a@b.c', 'pw'))).toMatchObject({ status: 409, code: 'email_taken' });
    expect(await rejection(client.login('a@b.c', 'pw'))).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(await rejection(client.login('a@b.c', 'pw'))).toMatchObject({ status: 429, retryAfter: 42 });
  });

  it('reads the session user, and no session as null', async () => {
    const { fetch } = stubFetch(json(200, { user }), json(401, { error: { code: 'unauthenticated', message: 'No.' } }));
    const client = createApiClient({ fetch });
    expect(await client.me()).toEqual(user);
    expect(await client.me()).toBeNull();
  });

  it('logs out on a 204 without a body', async () => {
    const { fetch, calls } = stubFetch(new Response(null, { status: 204 }));
    await expect(createApiClient({ fetch }).logout()).resolves.toBeUndefined();
    expect(calls[0]?.init.method).toBe('POST');
  });

  it('gives an error without a JSON body a generic message', async () => {
    const { fetch } = stubFetch(new Response('<html>Bad Gateway</html>', { status: 502 }));
    const error = await rejection(createApiClient({ fetch }).listConnectors());
    expect(error).toMatchObject({ status: 502, code: 'http_502' });
    expect(error.message).toMatch(/server/i);
  });

  it('reports an unreachable server as a network error', async () => {
    const { fetch } = stubFetch(new TypeError('Failed to fetch'));
    const error = await rejection(createApiClient({ fetch }).listConnectors());
    expect(error).toMatchObject({ status: 0, code: 'network_error' });
  });

  it('refuses a success answer of the wrong shape', async () => {
    const { fetch } = stubFetch(json(200, { not: 'a list' }), new Response('not json', { status: 200 }));
    const client = createApiClient({ fetch });
    expect(await rejection(client.listConnectors())).toMatchObject({ code: 'bad_response' });
    expect(await rejection(client.listConnectors())).toMatchObject({ code: 'bad_response' });
  });

  it('mints a realtime client secret and reads the tool catalog', async () => {
    const secret = { value: 'ek_123', expires_at: 1764000000, model: 'gpt-realtime', calls_url: 'https://x/calls' };
    const tools = [{ name: 'list_connectors', description: 'd', parameters: { type: 'object' }, method: 'GET', path: '/api/v1/connectors' }];
    const { fetch, calls } = stubFetch(json(200, secret), json(200, tools));
    const client = createApiClient({ fetch, baseUrl: 'https://dash.example.com/api/v1' });
    expect(await client.createClientSecret()).toEqual(secret);
    expect(await client.listRealtimeTools()).toEqual(tools);
    expect(calls.map((call) => [call.init.method, call.url])).toEqual([
      ['POST', 'https://dash.example.com/api/v1/realtime/client-secret'],
      ['GET', 'https://dash.example.com/api/v1/realtime/tools'],
    ]);
  });
});
