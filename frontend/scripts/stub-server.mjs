#!/usr/bin/env node
// Development tool: serves the built dashboard (dist/) with an SPA fallback and a
// fake, in-memory `/api/v1` shaped like the reference server's (SPEC §5), so the
// UI can be tried and screenshotted without the Rust server.
//
//   npm run build && npm run preview:stub      # http://127.0.0.1:4173
//   PORT=5000 STUB_LATENCY_MS=600 node scripts/stub-server.mjs
//
// Demo account: demo@example.com / correct-horse. OAuth "Connect" goes to a fake
// consent page (/__stub/consent) whose buttons come back through the callback page.
// The SMTP form refuses host "localhost" with a 422 field error, like the SSRF guard.

import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DEFAULT_DIST = resolve(HERE, '..', 'dist');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';

/** Schemas as schemars 1.x writes them for the config connectors of SPEC §5. */
export const CONFIG_SCHEMAS = {
  smtp: {
    $schema: SCHEMA,
    title: 'SmtpConfig',
    description: 'An SMTP server to send mail through.',
    type: 'object',
    properties: {
      host: { description: 'Host name of the SMTP server.', type: 'string', examples: ['smtp.example.com'] },
      port: { type: 'integer', format: 'uint16', minimum: 1, maximum: 65535, default: 587 },
      security: { $ref: '#/$defs/SmtpSecurity', default: 'starttls' },
      username: { type: 'string' },
      password: { type: 'string', writeOnly: true },
      from: { description: 'Address the mail is sent from.', type: 'string', format: 'email' },
    },
    required: ['host', 'port', 'security', 'username', 'password', 'from'],
    $defs: {
      SmtpSecurity: {
        oneOf: [
          { description: 'Implicit TLS (port 465).', type: 'string', const: 'tls' },
          { description: 'STARTTLS upgrade (port 587).', type: 'string', const: 'starttls' },
          { description: 'No encryption.', type: 'string', const: 'none' },
        ],
      },
    },
  },
  twilio: {
    $schema: SCHEMA,
    title: 'TwilioConfig',
    description: 'Twilio credentials: the account auth token, or an API key.',
    anyOf: [
      {
        title: 'Auth token',
        type: 'object',
        properties: {
          account_sid: { type: 'string', pattern: '^AC[0-9a-fA-F]{32}$' },
          auth_token: { type: 'string' },
        },
        required: ['account_sid', 'auth_token'],
      },
      {
        title: 'API key',
        type: 'object',
        properties: {
          account_sid: { type: 'string', pattern: '^AC[0-9a-fA-F]{32}$' },
          api_key_sid: { type: 'string', pattern: '^SK[0-9a-fA-F]{32}$' },
          api_key_secret: { type: 'string' },
        },
        required: ['account_sid', 'api_key_sid', 'api_key_secret'],
      },
    ],
  },
  minio: {
    $schema: SCHEMA,
    title: 'MinioConfig',
    type: 'object',
    properties: {
      endpoint: { description: 'Base URL of the S3-compatible server.', type: 'string', format: 'uri' },
      access_key: { type: 'string' },
      secret_key: { type: 'string' },
      bucket: { type: 'string' },
      region: { type: ['string', 'null'], default: null },
    },
    required: ['endpoint', 'access_key', 'secret_key', 'bucket'],
  },
  hostinger: {
    $schema: SCHEMA,
    title: 'HostingerConfig',
    type: 'object',
    properties: { api_token: { description: 'A token from hPanel → API.', type: 'string' } },
    required: ['api_token'],
  },
};

const SECRET_FIELDS = {
  smtp: ['password'],
  twilio: ['auth_token', 'api_key_secret'],
  minio: ['secret_key'],
  hostinger: ['api_token'],
};

function minutesFromNow(minutes) {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

function initialConnectors() {
  const base = (key, name, kind, provider, extra = {}) => ({
    key,
    name,
    kind,
    provider,
    configured: true,
    connected: false,
    status: 'inactive',
    scopes: [],
    expires_at: null,
    connected_at: null,
    last_error: null,
    connected_as: null,
    schema: kind === 'config' ? CONFIG_SCHEMAS[key] : null,
    secret_fields: SECRET_FIELDS[key] ?? [],
    config: null,
    ...extra,
  });
  return [
    base('google_calendar', 'Google Calendar', 'oauth', 'google', {
      connected: true,
      status: 'active',
      scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
      expires_at: minutesFromNow(52),
      connected_at: minutesFromNow(-60 * 26),
      connected_as: 'ada.lovelace@example.com',
    }),
    base('gmail', 'Gmail', 'oauth', 'google'),
    base('slack', 'Slack', 'oauth', 'slack', {
      connected: true,
      status: 'needs_reauth',
      connected_at: minutesFromNow(-60 * 24 * 9),
      connected_as: 'ada @ Analytical Engines',
      last_error: 'The refresh token was revoked at Slack.',
    }),
    base('notion', 'Notion', 'oauth', 'notion', { configured: false }),
    base('calendly', 'Calendly', 'oauth', 'calendly', {
      status: 'error',
      last_error: 'Calendly answered 500 during the last token refresh.',
    }),
    base('smtp', 'SMTP', 'config', 'smtp'),
    base('twilio', 'Twilio', 'config', 'twilio'),
    base('minio', 'MinIO', 'config', 'minio', {
      connected: true,
      status: 'active',
      connected_at: minutesFromNow(-60 * 3),
      connected_as: 'files @ https://minio.example.com',
      config: { endpoint: 'https://minio.example.com', access_key: 'dashboard', bucket: 'uploads', region: null },
    }),
    base('hostinger', 'Hostinger', 'config', 'hostinger'),
  ];
}

function send(response, status, body, headers = {}) {
  const payload = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(payload);
}

function apiError(response, status, code, message, extra = {}, headers = {}) {
  send(response, status, { error: { code, message, ...extra } }, headers);
}

async function readJson(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  return JSON.parse(text);
}

function cookies(request) {
  return Object.fromEntries(
    (request.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim().split('='))
      .filter(([name]) => name !== ''),
  );
}

/** Config validation in the spirit of the server's: one message per bad field. */
function validateConfig(key, body) {
  const schema = CONFIG_SCHEMAS[key];
  const fields = [];
  const variants = schema.anyOf ?? [schema];
  const variant =
    variants.find((candidate) => candidate.required.every((name) => typeof body[name] === 'string' || typeof body[name] === 'number')) ??
    variants[0];
  for (const name of variant.required) {
    if (body[name] === undefined || body[name] === '') fields.push({ field: name, message: 'is required' });
  }
  if (key === 'smtp') {
    if (body.port !== undefined && (!Number.isInteger(body.port) || body.port < 1 || body.port > 65535)) {
      fields.push({ field: 'port', message: 'must be a port number between 1 and 65535' });
    }
    if (typeof body.host === 'string' && /^(localhost|127\.|10\.|192\.168\.)/.test(body.host)) {
      fields.push({ field: 'host', message: 'Private, loopback and link-local hosts are not allowed on this server.' });
    }
    if (typeof body.from === 'string' && !body.from.includes('@')) {
      fields.push({ field: 'from', message: 'must be an email address' });
    }
  }
  if (key === 'twilio' && typeof body.account_sid === 'string' && !/^AC[0-9a-fA-F]{32}$/.test(body.account_sid)) {
    fields.push({ field: 'account_sid', message: 'must start with AC followed by 32 hexadecimal characters' });
  }
  return fields;
}

export function startStubServer({ port = 4173, host = '127.0.0.1', distDir = DEFAULT_DIST, latencyMs = 0 } = {}) {
  const users = new Map([['demo@example.com', { id: randomUUID(), email: 'demo@example.com', password: 'correct-horse', created_at: new Date().toISOString() }]]);
  const sessions = new Map();
  const connectorsByUser = new Map();

  const connectorsOf = (user) => {
    if (!connectorsByUser.has(user.id)) connectorsByUser.set(user.id, initialConnectors());
    return connectorsByUser.get(user.id);
  };

  const startSession = (response, user, status) => {
    const id = randomBytes(16).toString('hex');
    sessions.set(id, user);
    send(response, status, { user: publicUser(user), token: id }, {
      'Set-Cookie': `session=${id}; Path=/; HttpOnly; SameSite=Lax`,
    });
  };

  const publicUser = ({ id, email, created_at }) => ({ id, email, created_at });

  async function api(request, response, url) {
    if (latencyMs > 0) await new Promise((done) => setTimeout(done, latencyMs));
    const route = url.pathname.slice('/api/v1'.length);
    const method = request.method ?? 'GET';

    if (method === 'POST' && (route === '/auth/signup' || route === '/auth/login')) {
      let body;
      try {
        body = await readJson(request);
      } catch {
        return apiError(response, 400, 'invalid_json', 'The body is not valid JSON.');
      }
      const email = String(body.email ?? '').trim().toLowerCase();
      const password = String(body.password ?? '');
      if (route === '/auth/signup') {
        const fields = [];
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) fields.push({ field: 'email', message: 'Enter a valid email address.' });
        if (password.length < 8) fields.push({ field: 'password', message: 'The password needs at least 8 characters.' });
        if (fields.length > 0) return apiError(response, 422, 'validation_failed', 'The account details are not valid.', { fields });
        if (users.has(email)) return apiError(response, 409, 'email_taken', 'An account with this email already exists.');
        const user = { id: randomUUID(), email, password, created_at: new Date().toISOString() };
        users.set(email, user);
        return startSession(response, user, 201);
      }
      if (password === 'rate-limit') {
        return apiError(response, 429, 'rate_limited', 'Too many login attempts.', {}, { 'Retry-After': '42' });
      }
      const user = users.get(email);
      if (user === undefined || user.password !== password) {
        return apiError(response, 401, 'invalid_credentials', 'Email or password is wrong.');
      }
      return startSession(response, user, 200);
    }

    const sessionId = cookies(request).session;
    const user = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (user === undefined) return apiError(response, 401, 'unauthenticated', 'Sign in first.');

    if (method === 'POST' && route === '/auth/logout') {
      sessions.delete(sessionId);
      response.writeHead(204, { 'Set-Cookie': 'session=; Path=/; Max-Age=0' });
      return response.end();
    }
    if (method === 'GET' && route === '/auth/me') return send(response, 200, { user: publicUser(user) });

    const connectors = connectorsOf(user);
    if (method === 'GET' && route === '/connectors') return send(response, 200, connectors);

    const match = /^\/connectors\/([^/]+)\/(redirect|config|revoke)$/.exec(route);
    const connector = match === null ? undefined : connectors.find((known) => known.key === decodeURIComponent(match[1]));
    if (match !== null && connector === undefined) return apiError(response, 404, 'unknown_connector', 'No such connector.');
    if (connector !== undefined) {
      const action = match[2];
      if (method === 'GET' && action === 'redirect') {
        if (connector.kind !== 'oauth') return apiError(response, 400, 'not_oauth', 'This connector is configured with a form.');
        if (!connector.configured) {
          return apiError(response, 503, 'not_configured', `${connector.name} has no client id/secret on this server.`);
        }
        return send(response, 200, { url: `/__stub/consent?key=${encodeURIComponent(connector.key)}` });
      }
      if (method === 'POST' && action === 'config') {
        if (connector.kind !== 'config') return apiError(response, 400, 'not_config', 'This connector connects through OAuth.');
        let body;
        try {
          body = await readJson(request);
        } catch {
          return apiError(response, 400, 'invalid_json', 'The body is not valid JSON.');
        }
        const fields = validateConfig(connector.key, body);
        if (fields.length > 0) {
          return apiError(response, 422, 'validation_failed', 'Some fields are not valid.', { fields });
        }
        if (connector.key === 'hostinger' && body.api_token === 'bad') {
          return apiError(response, 502, 'verification_failed', 'Hostinger refused the API token (401 Unauthorized).');
        }
        const secrets = new Set(connector.secret_fields);
        Object.assign(connector, {
          connected: true,
          status: 'active',
          connected_at: new Date().toISOString(),
          last_error: null,
          config: Object.fromEntries(Object.entries(body).filter(([name]) => !secrets.has(name))),
          connected_as: body.username ?? body.account_sid ?? body.bucket ?? null,
        });
        return send(response, 200, connector);
      }
      if (method === 'POST' && action === 'revoke') {
        Object.assign(connector, {
          connected: false,
          status: 'inactive',
          expires_at: null,
          connected_at: null,
          connected_as: null,
          last_error: null,
          config: null,
        });
        return send(response, 200, connector);
      }
    }
    return apiError(response, 404, 'not_found', 'No such route.');
  }

  function stubProvider(request, response, url) {
    const key = url.searchParams.get('key') ?? '';
    const sessionId = cookies(request).session;
    const user = sessionId === undefined ? undefined : sessions.get(sessionId);
    const connector = user === undefined ? undefined : connectorsOf(user).find((known) => known.key === key);
    if (url.pathname === '/__stub/authorize') {
      const decision = url.searchParams.get('decision');
      let location = `/connectors/callback/${encodeURIComponent(key)}?status=error&reason=not_authenticated`;
      if (connector !== undefined && decision === 'allow') {
        Object.assign(connector, {
          connected: true,
          status: 'active',
          expires_at: minutesFromNow(60),
          connected_at: new Date().toISOString(),
          connected_as: `${user.email}`,
          last_error: null,
        });
        location = `/connectors/callback/${encodeURIComponent(key)}?status=success`;
      } else if (connector !== undefined) {
        location = `/connectors/callback/${encodeURIComponent(key)}?status=error&reason=${encodeURIComponent(decision ?? 'access_denied')}`;
      }
      response.writeHead(302, { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      return response.end();
    }
    const name = connector?.name ?? key;
    const link = (decision, label) =>
      `<a href="/__stub/authorize?key=${encodeURIComponent(key)}&decision=${decision}">${label}</a>`;
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><meta name="viewport" content="width=device-width"><title>Stub consent</title>
<body style="font-family:system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>Stub provider</h1><p>Allow the dashboard to access your ${name.replace(/[<>&"]/g, '')} account?</p>
<p>${link('allow', 'Allow')} · ${link('access_denied', 'Deny')} · ${link('invalid_grant', 'Fail the code exchange')} · ${link('weird_new_code', 'Unknown failure')}</p>`);
  }

  async function staticFile(response, url) {
    const root = resolve(distDir);
    const wanted = normalize(join(root, decodeURIComponent(url.pathname)));
    let file = wanted.startsWith(root + sep) ? wanted : join(root, 'index.html');
    try {
      if (!(await stat(file)).isFile()) file = join(root, 'index.html');
    } catch {
      file = join(root, 'index.html');
    }
    try {
      const content = await readFile(file);
      const immutable = file.includes(`${sep}assets${sep}`);
      response.writeHead(200, {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      response.end(content);
    } catch {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('dist/ is missing: run `npm run build` first.\n');
    }
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stub.invalid');
    const handle = url.pathname.startsWith('/api/v1/')
      ? api(request, response, url)
      : url.pathname.startsWith('/__stub/')
        ? Promise.resolve(stubProvider(request, response, url))
        : staticFile(response, url);
    handle.catch((error) => {
      console.error(error);
      if (!response.headersSent) apiError(response, 500, 'internal', 'The stub server failed.');
      else response.end();
    });
  });

  return new Promise((ready, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const address = server.address();
      ready({
        url: `http://${host}:${address.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await startStubServer({
    port: Number(process.env.PORT ?? 4173),
    latencyMs: Number(process.env.STUB_LATENCY_MS ?? 0),
  });
  console.log(`Stub dashboard server on ${url} (demo@example.com / correct-horse)`);
}
