// Reusable pieces of the browser journeys: the real reference server as a child
// process, fake providers speaking the providers' wire formats, headless Chromium,
// screenshots, and polling with deadlines (never fixed sleeps).
//
//   startServer({ env })        the reference-server binary on a free port, fresh SQLite
//   startFake(handler)          a recording HTTP server to build any fake on
//   startFakeGoogle()           OAuth consent page, /token, /revoke, Calendar API
//   startFakeHostinger()        GET /api/billing/v1/subscriptions (Bearer)
//   startFakeTwilio()           GET /2010-04-01/Accounts/{sid}.json (Basic)
//   startFakeOpenAI()           POST /v1/realtime/client_secrets
//   launchBrowser()             Debian's Chromium through playwright-core
//   withPage(browser, name, fn) a fresh context; on failure a screenshot and the page's errors
//   screenshot(page, name)      PNG under test-artifacts/screens/
//   signUp(page, baseUrl)       a fresh account through the login page
//   apiFetch(page, path, init)  fetch from inside the page (same origin, session cookie)
//   pollUntil(fn, options)      retries until fn returns a truthy value or the deadline
//   waitForAttribute / waitForText   auto-waiting checks on a locator, with a deadline
//   recordResponses(page)       every response's body, to search for leaked secrets
//   unexpectedProblems(page)    page errors, failed requests, HTTP errors not expected
//   axeViolations(page)         axe-core's serious and critical violations of the page as it is
//   assertAccessible(page, where)  fails on any of them, naming each rule and element
//   focusedElement(page)        what has the keyboard focus: test id, tag, text, visible outline
//
// Every fake records the requests it received in `.calls` ({ method, path, query,
// headers, body, form, at }) so tests assert what the server really sent.

import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (tests/e2e/../..). */
export const REPO_ROOT = path.resolve(here, '..', '..');
/** Where screenshots go (gitignored as /test-artifacts). */
export const SCREENS_DIR = path.join(REPO_ROOT, 'test-artifacts', 'screens');
/** Where each server's log is kept after a run. */
export const LOGS_DIR = path.join(REPO_ROOT, 'test-artifacts', 'logs');
/** The server binary: `E2E_SERVER_BIN`, else the debug build of `cargo build -p reference-server`. */
export const SERVER_BIN = process.env.E2E_SERVER_BIN ?? path.join(REPO_ROOT, 'target', 'debug', 'reference-server');
/** Chromium: `CHROMIUM_PATH`, else Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Default deadline of every wait, in milliseconds (`E2E_TIMEOUT_MS` overrides). */
export const DEFAULT_TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 15_000);

// ---------------------------------------------------------------------------
// Small utilities

/** A TCP port nobody listens on right now (listen on port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Calls `fn` until it returns a truthy value (which is returned) or the deadline passes
 * (then throws, with the last error or value in the message). `fn` may be async.
 */
export async function pollUntil(fn, { timeout = DEFAULT_TIMEOUT, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** A unique, valid e-mail address for a fresh account. */
export function uniqueEmail(prefix = 'e2e') {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}@example.com`;
}

// ---------------------------------------------------------------------------
// The reference server

/** Servers still running (child → data dir): killed if this process ends without stopping them. */
const liveChildren = new Map();
let exitHooked = false;
function killChildrenOnExit() {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const [child, dataDir] of liveChildren) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Starts the reference server as a child process on a free port with a fresh SQLite
 * database in a temporary directory, and waits (with a deadline) until
 * `GET /api/v1/healthz` answers 200.
 *
 * With `dashboard` (default) it also waits for `GET /login` to serve the dashboard's
 * HTML, and fails with a clear message when frontend/dist was not built.
 *
 * `env` adds or overrides variables (e.g. the fake providers' URLs). The child sees
 * only PATH, HOME and what is set here, so a developer's own environment never leaks
 * in. Returns { baseUrl, port, dataDir, dbPath, env, logs(), stop() }.
 */
export async function startServer({ env = {}, bin = SERVER_BIN, timeout = 20_000, name = 'server', dashboard = true } = {}) {
  if (!existsSync(bin)) {
    throw new Error(
      `reference-server binary not found at ${bin}: run \`SKIP_FRONTEND_BUILD=1 cargo build -p reference-server\` ` +
        'at the repository root, or set E2E_SERVER_BIN',
    );
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'connectors-e2e-'));
  const dbPath = path.join(dataDir, 'e2e.db');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const serverEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dataDir,
    DATABASE_URL: `sqlite://${dbPath}`,
    DATA_DIR: dataDir,
    BIND_ADDR: `127.0.0.1:${port}`,
    BACKEND_URL: baseUrl,
    FRONTEND_URL: baseUrl,
    CONNECTORS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HTTP_TIMEOUT_SECONDS: '3',
    SIGNUPS_PER_MINUTE: '1000',
    RUST_LOG: 'info',
    NO_COLOR: '1',
    ...env,
  };
  for (const [key, value] of Object.entries(serverEnv)) {
    if (value === undefined || value === null) delete serverEnv[key];
    else serverEnv[key] = String(value);
  }

  const child = spawn(bin, [], { cwd: dataDir, env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  killChildrenOnExit();
  liveChildren.set(child, dataDir);
  child.on('exit', () => liveChildren.delete(child));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (error) => {
      exited = { code: null, signal: null, error };
      resolve(exited);
    });
  });

  try {
    await pollUntil(
      async () => {
        if (exited !== null) {
          throw new Error(`the server exited (${JSON.stringify(exited)}) before it was healthy:\n${output}`);
        }
        const response = await fetch(`${baseUrl}/api/v1/healthz`, { signal: AbortSignal.timeout(1_000) });
        if (response.status !== 200) return false;
        if (!dashboard) return true;
        // The dashboard too: a binary without frontend/dist answers 503 here.
        const page = await fetch(`${baseUrl}/login`, { signal: AbortSignal.timeout(1_000) });
        if (page.status === 200 && (page.headers.get('content-type') ?? '').includes('text/html')) return true;
        throw new Error(
          `GET /login answered ${page.status} ${(await page.text()).slice(0, 200)} ` +
            '(is the dashboard built? `cd frontend && npm ci && npm run build`)',
        );
      },
      { timeout, interval: 50, message: `${baseUrl}/api/v1/healthz and the dashboard` },
    );
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${error.message}\n--- server output ---\n${output}`);
  }

  let stopped = false;
  return {
    baseUrl,
    port,
    dataDir,
    dbPath,
    env: serverEnv,
    /** Everything the server wrote to stdout and stderr so far. */
    logs: () => output,
    /** SIGTERM, then SIGKILL if it does not exit within 5 s; keeps its log; removes its data. */
    async stop() {
      if (stopped) return;
      stopped = true;
      if (exited === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(timer);
      }
      mkdirSync(LOGS_DIR, { recursive: true });
      writeFileSync(path.join(LOGS_DIR, `${name}.log`), output);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// A tiny HTTP server for fakes

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(text);
}

function sendHtml(response, status, html) {
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(html);
}

function redirect(response, location, status = 302) {
  response.writeHead(status, { Location: location, 'Cache-Control': 'no-store' });
  response.end();
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function bearer(request) {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  return match ? match[1].trim() : null;
}

function basic(request) {
  const match = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decodeURIComponent(decoded.slice(0, colon)), password: decodeURIComponent(decoded.slice(colon + 1)) };
}

/**
 * Starts an HTTP server on 127.0.0.1:<free port> whose `handler(req, res, call)` gets
 * each request with its body already read; every request is recorded in `calls`.
 */
export async function startFake(handler) {
  const calls = [];
  const server = http.createServer(async (request, response) => {
    try {
      const url = new URL(request.url, 'http://fake.invalid');
      const body = await readBody(request);
      const type = request.headers['content-type'] ?? '';
      const call = {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        body,
        form: type.includes('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : null,
        at: Date.now(),
      };
      calls.push(call);
      await handler(request, response, call);
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { error: 'fake_failure', message: String(error) });
      else response.end();
    }
  });
  // Providers keep idle connections open for a minute or more (OpenAI and Google sit
  // behind load balancers with 60 s+ idle timeouts). A one-second timeout made the fake
  // close a pooled connection just as the server reused it, and the request failed
  // (`connection closed before message completed`) in a way no real provider causes.
  server.keepAliveTimeout = 75_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    calls,
    /** Calls to one path (and method, when given). */
    callsTo(pathname, method) {
      return calls.filter((call) => call.path === pathname && (method === undefined || call.method === method));
    },
    stop() {
      server.closeAllConnections?.();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------
// Fake Google (OAuth 2.0 + Calendar API), faithful to Google's wire format

export const GOOGLE_CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/**
 * A fake Google: the consent page at `GET /o/oauth2/v2/auth` (buttons
 * `google-allow` / `google-deny`), `POST /token`, `POST /revoke`, and
 * `GET /calendar/v3/calendars/primary[/events]`.
 *
 * The consent page checks what Google checks (client_id, redirect_uri,
 * response_type=code, scope, PKCE S256 challenge) and renders Google's
 * "Error 400" page otherwise. Allow redirects to the redirect URI with
 * `state`, `iss`, `code`, `scope`, `authuser`, `prompt` like Google does; Deny with
 * `error=access_denied&state=…`. The token endpoint checks the client's credentials
 * (body or HTTP Basic), the code (single use), the byte-identical redirect_uri and the
 * PKCE verifier. Refresh answers omit `refresh_token`, as Google's do.
 *
 * `options`: clientId, clientSecret, email (the account), events (Calendar items),
 * timeZone, grantedScope (what Allow grants; untick scopes by changing it),
 * accessTokenLifetime (seconds, default 3599).
 */
export async function startFakeGoogle(options = {}) {
  const config = {
    clientId: options.clientId ?? `e2e-${randomBytes(4).toString('hex')}.apps.googleusercontent.com`,
    clientSecret: options.clientSecret ?? `GOCSPX-e2e-${randomBytes(12).toString('hex')}`,
    email: options.email ?? 'ada.lovelace@example.com',
    timeZone: options.timeZone ?? 'Europe/Paris',
    grantedScope: options.grantedScope ?? GOOGLE_CALENDAR_SCOPE,
    accessTokenLifetime: options.accessTokenLifetime ?? 3599,
    events: options.events ?? defaultEvents(),
  };
  /** Pending consent screens by id. */
  const flows = new Map();
  /** Issued codes: code → { clientId, redirectUri, codeChallenge, scope, used }. */
  const codes = new Map();
  /** Live access tokens → grant id; refresh tokens → grant id. */
  const accessTokens = new Map();
  const refreshTokens = new Map();
  /** Grants: id → { scope, revoked }. */
  const grants = new Map();
  /** What the tests look at: every issued and revoked token. */
  const issued = { accessTokens: [], refreshTokens: [], revoked: [] };
  /** An HTTP status every refresh answers while set (`failRefreshes`), as in an outage. */
  let refreshOutage = null;

  const fake = await startFake(async (request, response, call) => {
    const { method, path: pathname } = call;
    if (method === 'GET' && pathname === '/o/oauth2/v2/auth') return authorize(response, call);
    if (method === 'POST' && pathname === '/o/oauth2/v2/auth/decide') return decide(response, call);
    if (method === 'POST' && pathname === '/token') return token(request, response, call);
    if (method === 'POST' && pathname === '/revoke') return revoke(response, call);
    if (pathname.startsWith('/calendar/v3/')) return calendar(request, response, call);
    return sendHtml(response, 404, '<!doctype html><title>Error 404 (Not Found)</title><p>404. That’s an error.');
  });

  function authorize(response, call) {
    const q = call.query;
    const problems = [];
    if (q.client_id !== config.clientId) problems.push(`The OAuth client was not found. (client_id=${q.client_id ?? ''})`);
    if (q.response_type !== 'code') problems.push('Required parameter is missing or invalid: response_type');
    if (!q.redirect_uri) problems.push('Missing required parameter: redirect_uri');
    if (!q.scope) problems.push('Missing required parameter: scope');
    if (q.code_challenge && q.code_challenge_method !== 'S256') problems.push('Invalid code_challenge_method');
    if (problems.length > 0) {
      return sendHtml(
        response,
        400,
        `<!doctype html><html><head><title>Error 400: invalid_request</title></head><body>` +
          `<h1 data-testid="google-error">Access blocked: authorization error</h1>` +
          `<p>Error 400: invalid_request</p><ul>${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></body></html>`,
      );
    }
    const flowId = randomBytes(12).toString('hex');
    flows.set(flowId, { query: q });
    const scopes = q.scope.split(' ');
    return sendHtml(
      response,
      200,
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Google Accounts</title>
<style>
  body { font-family: Roboto, Arial, sans-serif; background: #f0f4f9; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { background: #fff; border-radius: 28px; padding: 36px 40px; max-width: 460px; box-sizing: border-box; width: calc(100% - 24px); }
  h1 { font-weight: 400; font-size: 28px; margin: 12px 0; }
  .logo { font-size: 22px; font-weight: 500; color: #4285f4; }
  .account { border: 1px solid #c4c7c5; border-radius: 16px; padding: 4px 12px; display: inline-block; font-size: 14px; }
  ul { padding-left: 20px; color: #1f1f1f; }
  .actions { display: flex; justify-content: flex-end; gap: 12px; margin-top: 28px; }
  button { font: inherit; border-radius: 20px; padding: 10px 24px; cursor: pointer; }
  .deny { background: #fff; border: 1px solid #747775; color: #0b57d0; }
  .allow { background: #0b57d0; border: 0; color: #fff; }
</style></head>
<body><main>
  <div class="logo">Google</div>
  <h1>Fake Google wants to know it is you</h1>
  <p class="account" data-testid="google-account">${escapeHtml(config.email)}</p>
  <p>The app <strong>${escapeHtml(q.client_id)}</strong> wants to access your Google Account:</p>
  <ul>${scopes.map((scope) => `<li data-testid="google-scope">${escapeHtml(scope)}</li>`).join('')}</ul>
  <form method="post" action="/o/oauth2/v2/auth/decide" class="actions">
    <input type="hidden" name="flow" value="${flowId}">
    <button class="deny" name="decision" value="deny" data-testid="google-deny">Deny</button>
    <button class="allow" name="decision" value="allow" data-testid="google-allow">Allow</button>
  </form>
</main></body></html>`,
    );
  }

  function decide(response, call) {
    const flow = flows.get(call.form?.flow ?? '');
    if (flow === undefined) return sendHtml(response, 400, '<!doctype html><p>Error 400: unknown or used consent screen</p>');
    flows.delete(call.form.flow);
    const q = flow.query;
    const target = new URL(q.redirect_uri);
    if (call.form.decision !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      if (q.state !== undefined) target.searchParams.set('state', q.state);
      return redirect(response, target.toString());
    }
    const code = `4/0A${randomBytes(24).toString('base64url')}`;
    codes.set(code, {
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      codeChallenge: q.code_challenge ?? null,
      scope: config.grantedScope,
      used: false,
    });
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    target.searchParams.set('iss', GOOGLE_ISSUER);
    target.searchParams.set('code', code);
    target.searchParams.set('scope', config.grantedScope);
    target.searchParams.set('authuser', '0');
    target.searchParams.set('prompt', 'consent');
    return redirect(response, target.toString());
  }

  function clientOf(request, form) {
    const auth = basic(request);
    if (auth !== null) return { id: auth.user, secret: auth.password };
    return { id: form.client_id, secret: form.client_secret };
  }

  function newAccessToken(grantId) {
    const value = `ya29.${randomBytes(32).toString('base64url')}`;
    accessTokens.set(value, { grantId, expiresAt: Date.now() + config.accessTokenLifetime * 1000 });
    issued.accessTokens.push(value);
    return value;
  }

  function token(request, response, call) {
    const form = call.form ?? {};
    const client = clientOf(request, form);
    if (client.id !== config.clientId || client.secret !== config.clientSecret) {
      return sendJson(response, 401, { error: 'invalid_client', error_description: 'Unauthorized' });
    }
    if (form.grant_type === 'authorization_code') {
      const entry = codes.get(form.code ?? '');
      if (entry === undefined || entry.used) {
        return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      }
      entry.used = true;
      if (form.redirect_uri !== entry.redirectUri) {
        return sendJson(response, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
      }
      if (entry.codeChallenge !== null) {
        if (!form.code_verifier) {
          return sendJson(response, 400, { error: 'invalid_request', error_description: 'code_verifier or verifier is not provided' });
        }
        const challenge = createHash('sha256').update(form.code_verifier).digest('base64url');
        if (challenge !== entry.codeChallenge) {
          return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' });
        }
      }
      const grantId = randomUUID();
      grants.set(grantId, { scope: entry.scope, revoked: false });
      const refreshToken = `1//0${randomBytes(32).toString('base64url')}`;
      refreshTokens.set(refreshToken, grantId);
      issued.refreshTokens.push(refreshToken);
      return sendJson(
        response,
        200,
        {
          access_token: newAccessToken(grantId),
          expires_in: config.accessTokenLifetime,
          refresh_token: refreshToken,
          scope: entry.scope,
          token_type: 'Bearer',
        },
        { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate', Pragma: 'no-cache' },
      );
    }
    if (form.grant_type === 'refresh_token') {
      if (refreshOutage !== null) {
        return sendJson(response, refreshOutage, { error: 'backend_error', error_description: 'The service is currently unavailable.' });
      }
      const grantId = refreshTokens.get(form.refresh_token ?? '');
      const grant = grants.get(grantId);
      if (grant === undefined || grant.revoked) {
        return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      }
      return sendJson(response, 200, {
        access_token: newAccessToken(grantId),
        expires_in: config.accessTokenLifetime,
        scope: grant.scope,
        token_type: 'Bearer',
      });
    }
    return sendJson(response, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.grant_type ?? ''}` });
  }

  function revoke(response, call) {
    const value = call.form?.token ?? call.query.token ?? '';
    const grantId = refreshTokens.get(value) ?? accessTokens.get(value)?.grantId;
    const grant = grants.get(grantId);
    if (grant === undefined || grant.revoked) {
      return sendJson(response, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
    }
    grant.revoked = true;
    issued.revoked.push(value);
    return sendJson(response, 200, {});
  }

  function calendar(request, response, call) {
    const value = bearer(request);
    const entry = value === null ? undefined : accessTokens.get(value);
    const grant = grants.get(entry?.grantId);
    if (entry === undefined || grant === undefined || grant.revoked || entry.expiresAt < Date.now()) {
      return sendJson(response, 401, {
        error: {
          code: 401,
          message:
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
          status: 'UNAUTHENTICATED',
        },
      });
    }
    if (call.method === 'GET' && call.path === '/calendar/v3/calendars/primary') {
      return sendJson(response, 200, {
        kind: 'calendar#calendar',
        etag: '"e2e-etag"',
        id: config.email,
        summary: config.email,
        timeZone: config.timeZone,
        conferenceProperties: { allowedConferenceSolutionTypes: ['hangoutsMeet'] },
      });
    }
    if (call.method === 'GET' && call.path === '/calendar/v3/calendars/primary/events') {
      const max = Number(call.query.maxResults ?? 250);
      return sendJson(response, 200, {
        kind: 'calendar#events',
        etag: '"e2e-events"',
        summary: config.email,
        updated: new Date().toISOString(),
        timeZone: config.timeZone,
        accessRole: 'owner',
        defaultReminders: [{ method: 'popup', minutes: 10 }],
        items: config.events.slice(0, max),
      });
    }
    return sendJson(response, 404, { error: { code: 404, message: 'Not Found', errors: [{ message: 'Not Found', domain: 'global', reason: 'notFound' }] } });
  }

  return {
    ...fake,
    ...config,
    issued,
    authUrl: `${fake.url}/o/oauth2/v2/auth`,
    tokenUrl: `${fake.url}/token`,
    revokeUrl: `${fake.url}/revoke`,
    apiUrl: fake.url,
    /** Every refresh answers `status` (a 5xx outage) until called with `null`. */
    failRefreshes(status) {
      refreshOutage = status;
    },
    /** Revokes every grant, as a user removing the app from their Google account. */
    revokeAllGrants() {
      for (const grant of grants.values()) grant.revoked = true;
    },
    /** The server variables that point Google connectors here. */
    serverEnv() {
      return {
        GOOGLE_CLIENT_ID: config.clientId,
        GOOGLE_CLIENT_SECRET: config.clientSecret,
        GOOGLE_AUTH_URL: `${fake.url}/o/oauth2/v2/auth`,
        GOOGLE_TOKEN_URL: `${fake.url}/token`,
        GOOGLE_REVOKE_URL: `${fake.url}/revoke`,
        GOOGLE_API_URL: fake.url,
      };
    },
  };
}

function defaultEvents() {
  const at = (days, hours) => {
    const date = new Date(Date.now() + days * 86_400_000);
    date.setUTCHours(hours, 0, 0, 0);
    return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const day = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  return [
    {
      kind: 'calendar#event',
      id: 'e2eevent1',
      status: 'confirmed',
      htmlLink: 'https://www.google.com/calendar/event?eid=e2eevent1',
      summary: 'Design review',
      location: 'Room 4',
      start: { dateTime: at(1, 9), timeZone: 'Europe/Paris' },
      end: { dateTime: at(1, 10), timeZone: 'Europe/Paris' },
      organizer: { email: 'ada.lovelace@example.com', self: true },
    },
    {
      kind: 'calendar#event',
      id: 'e2eevent2',
      status: 'confirmed',
      summary: 'Company offsite',
      start: { date: day(3) },
      end: { date: day(4) },
    },
  ];
}

// ---------------------------------------------------------------------------
// Fake config providers

/**
 * A fake Hostinger API: `GET /api/billing/v1/subscriptions` with `Authorization: Bearer`
 * answers 200 `[]` for `goodToken`, else 401 `{error: "Unauthenticated", correlation_id}`.
 */
export async function startFakeHostinger({ goodToken = `hst_${randomBytes(16).toString('hex')}` } = {}) {
  const fake = await startFake((request, response, call) => {
    if (call.method === 'GET' && call.path === '/api/billing/v1/subscriptions') {
      if (bearer(request) === goodToken) return sendJson(response, 200, []);
      return sendJson(response, 401, { error: 'Unauthenticated', correlation_id: randomUUID() });
    }
    return sendJson(response, 404, { error: 'Not found', correlation_id: randomUUID() });
  });
  return { ...fake, goodToken, serverEnv: () => ({ HOSTINGER_API_URL: fake.url }) };
}

/**
 * A fake Twilio API (HTTP Basic): `GET /2010-04-01/Accounts/{sid}.json` answers the
 * Account resource (`status: "active"`) to `accountSid:authToken`;
 * `GET …/Accounts/{sid}/IncomingPhoneNumbers.json` answers a page to the auth token or
 * to the Standard API key `apiKeySid:apiKeySecret` (which, as at Twilio, cannot read
 * the Account resource). Anything else: 401 with Twilio's error body (code 20003).
 */
export async function startFakeTwilio({
  accountSid = `AC${randomBytes(16).toString('hex')}`,
  authToken = randomBytes(16).toString('hex'),
  apiKeySid = `SK${randomBytes(16).toString('hex')}`,
  apiKeySecret = randomBytes(16).toString('base64url'),
} = {}) {
  const fake = await startFake((request, response, call) => {
    const match = /^\/2010-04-01\/Accounts\/([^/]+?)(\.json|\/IncomingPhoneNumbers\.json)$/.exec(call.path);
    const auth = basic(request);
    if (call.method === 'GET' && match) {
      const withToken = auth !== null && auth.user === accountSid && auth.password === authToken;
      const withKey = auth !== null && auth.user === apiKeySid && auth.password === apiKeySecret;
      const allowed = match[1] === accountSid && (withToken || (withKey && match[2] !== '.json'));
      if (!allowed) {
        return sendJson(response, 401, {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      }
      if (match[2] === '.json') {
        return sendJson(response, 200, {
          sid: accountSid,
          friendly_name: 'E2E account',
          status: 'active',
          type: 'Full',
          owner_account_sid: accountSid,
          date_created: 'Mon, 02 Nov 2026 10:00:00 +0000',
          uri: `/2010-04-01/Accounts/${accountSid}.json`,
        });
      }
      return sendJson(response, 200, { incoming_phone_numbers: [], page: 0, page_size: 1 });
    }
    return sendJson(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
  });
  return { ...fake, accountSid, authToken, apiKeySid, apiKeySecret, serverEnv: () => ({ TWILIO_API_URL: fake.url }) };
}

/**
 * A fake OpenAI for client-secret minting: `POST /v1/realtime/client_secrets` with
 * `Authorization: Bearer <apiKey>` answers `{value: "ek_…", expires_at, session}`;
 * a wrong key answers OpenAI's 401 error body. `serverEnv()` gives OPENAI_API_KEY and
 * OPENAI_BASE_URL. (The voice orb's WebRTC peer is a separate fake.)
 */
export async function startFakeOpenAI({ apiKey = `sk-e2e-${randomBytes(18).toString('hex')}` } = {}) {
  const fake = await startFake((request, response, call) => {
    if (call.method === 'POST' && call.path === '/v1/realtime/client_secrets') {
      if (bearer(request) !== apiKey) {
        return sendJson(response, 401, {
          error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
        });
      }
      let body = {};
      try {
        body = JSON.parse(call.body);
      } catch {
        // answered below as OpenAI would
      }
      const seconds = body?.expires_after?.seconds ?? 600;
      const now = Math.floor(Date.now() / 1000);
      return sendJson(response, 200, {
        value: `ek_${randomBytes(16).toString('hex')}`,
        expires_at: now + seconds,
        session: { ...(body.session ?? {}), id: `sess_${randomBytes(8).toString('hex')}`, object: 'realtime.session' },
      });
    }
    return sendJson(response, 404, { error: { message: 'Not found', type: 'invalid_request_error', param: null, code: null } });
  });
  return { ...fake, apiKey, serverEnv: () => ({ OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: `${fake.url}/v1` }) };
}

// ---------------------------------------------------------------------------
// The browser

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Debian's Chromium (never a downloaded one) through playwright-core. `extraArgs` adds
 * flags, e.g. `--use-fake-device-for-media-stream`, `--allow-loopback-in-peer-connection`.
 */
export async function launchBrowser({ extraArgs = [], executablePath = CHROMIUM_PATH } = {}) {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * A new context and page. Console errors and uncaught page errors are collected in
 * `page.problems` (tests may assert it stays empty).
 */
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...contextOptions });
  context.setDefaultTimeout(DEFAULT_TIMEOUT);
  context.setDefaultNavigationTimeout(DEFAULT_TIMEOUT);
  const page = await context.newPage();
  page.problems = [];
  page.httpErrors = [];
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // HTTP errors are in page.httpErrors with their URL; the console line says less.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource:')) {
      page.problems.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      page.httpErrors.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    }
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // A navigation or reload aborts what the page was still loading: not a failure.
    if (reason === 'net::ERR_ABORTED') return;
    page.problems.push(`request failed: ${request.method()} ${request.url()} (${reason})`);
  });
  return page;
}

/**
 * A PNG at test-artifacts/screens/<name>.png; returns its path. Full page (scrolled to
 * the top first) by default, but only the viewport while a modal `<dialog>` is open
 * (a full-page capture draws the dialog and sticky headers where the user never sees
 * them).
 */
export async function screenshot(page, name, { fullPage } = {}) {
  mkdirSync(SCREENS_DIR, { recursive: true });
  const file = path.join(SCREENS_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  const modalOpen = await page.evaluate(() => document.querySelector('dialog[open]') !== null).catch(() => false);
  const whole = fullPage ?? !modalOpen;
  // A full-page capture of a scrolled page draws a sticky header mid-page: start from the top.
  if (whole) await page.evaluate(() => window.scrollTo(0, 0)).catch(() => {});
  await page.screenshot({ path: file, fullPage: whole, animations: 'disabled', caret: 'hide' });
  return file;
}

// ---------------------------------------------------------------------------
// Dashboard helpers

/** A locator by `data-testid`. */
export function byTestId(page, id) {
  return page.locator(`[data-testid="${id}"]`);
}

/** Waits until `locator`'s attribute equals `expected` (auto-waits for the element). */
export async function waitForAttribute(locator, name, expected, { timeout = DEFAULT_TIMEOUT } = {}) {
  await locator.first().waitFor({ state: 'attached', timeout });
  await pollUntil(async () => (await locator.first().getAttribute(name)) === expected, {
    timeout,
    message: `${locator} [${name}="${expected}"] (now "${await locator
      .first()
      .getAttribute(name)
      .catch(() => '?')}")`,
  }).catch(async (error) => {
    const now = await locator.first().getAttribute(name).catch(() => null);
    throw new Error(`${error.message}; ${name} is "${now}"`);
  });
}

/** Waits until `locator`'s text contains `expected` (a string or RegExp). */
export async function waitForText(locator, expected, { timeout = DEFAULT_TIMEOUT } = {}) {
  await locator.first().waitFor({ state: 'visible', timeout });
  const matches = (text) => (expected instanceof RegExp ? expected.test(text) : text.includes(expected));
  let last = '';
  await pollUntil(
    async () => {
      last = await locator.first().innerText();
      return matches(last);
    },
    { timeout, message: `${locator} to contain ${expected}` },
  ).catch((error) => {
    throw new Error(`${error.message}; text is ${JSON.stringify(last)}`);
  });
}

/**
 * Opens the dashboard, switches to "Sign up", creates a fresh account and waits for the
 * connectors grid. Returns { email, password }.
 */
export async function signUp(page, baseUrl, { email = uniqueEmail(), password = `pw-${randomBytes(8).toString('hex')}` } = {}) {
  await page.goto(`${baseUrl}/login`);
  await byTestId(page, 'auth-mode-signup').click();
  await byTestId(page, 'auth-email').fill(email);
  await byTestId(page, 'auth-password').fill(password);
  await byTestId(page, 'auth-submit').click();
  await page.waitForURL(`${baseUrl}/`);
  // The header names the account (hidden by CSS on the narrowest phones, so not "visible").
  await pollUntil(async () => (await byTestId(page, 'current-user').getAttribute('title').catch(() => null)) === email, {
    message: `the header to name ${email}`,
  });
  return { email, password };
}

/**
 * `fetch` run inside the page: same origin, with the page's session cookie, like the
 * dashboard's own calls. Returns { status, headers, body (parsed JSON or text) }.
 */
export async function apiFetch(page, urlPath, init = {}) {
  return page.evaluate(
    async ({ urlPath, init }) => {
      const response = await fetch(urlPath, {
        credentials: 'same-origin',
        ...init,
        headers: { Accept: 'application/json', ...(init.headers ?? {}) },
      });
      const text = await response.text();
      let body = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, headers: Object.fromEntries(response.headers), body };
    },
    { urlPath, init },
  );
}

/**
 * Records every response the page receives: { url, status, type, body } where `body` is
 * the text of textual responses (HTML, JSON, JS, CSS, SVG, plain text) and null for
 * others, redirects and failures. Call `await recorder.settle()` before reading
 * `recorder.responses` so pending bodies are in.
 */
export function recordResponses(page) {
  const responses = [];
  const pending = new Set();
  const textual = /(text\/|json|javascript|ecmascript|css|svg|xml)/i;
  page.on('response', (response) => {
    const job = (async () => {
      const type = response.headers()['content-type'] ?? '';
      const entry = { url: response.url(), status: response.status(), type, headers: response.headers(), body: null };
      responses.push(entry);
      if (response.status() >= 300 && response.status() < 400) return;
      if (!textual.test(type) && type !== '') return;
      try {
        entry.body = await response.text();
      } catch {
        entry.body = null; // the page navigated away before the body was read
      }
    })();
    pending.add(job);
    job.finally(() => pending.delete(job));
  });
  return {
    responses,
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/**
 * Runs `fn(page)` in a fresh browser context; on failure saves
 * `failed-<name>.png` and adds the page's console problems to the error; always
 * closes the context.
 */
export async function withPage(browser, name, fn, contextOptions = {}) {
  const page = await newPage(browser, contextOptions);
  try {
    return await fn(page);
  } catch (error) {
    await screenshot(page, `failed-${name}`).catch(() => {});
    if (page.problems.length > 0) error.message += `\npage problems:\n  ${page.problems.join('\n  ')}`;
    if (page.httpErrors.length > 0) error.message += `\nHTTP errors:\n  ${page.httpErrors.join('\n  ')}`;
    error.message += `\npage URL: ${page.url()}`;
    throw error;
  } finally {
    await page.context().close();
  }
}

/**
 * The page's uncaught errors, console errors, failed requests and HTTP errors, except
 * HTTP errors matching one of `expected` (strings like "401 GET /api/v1/auth/me" or
 * RegExps): e.g. the 401 of `GET /auth/me` when signed out is how the dashboard
 * learns it must show the login page.
 */
export function unexpectedProblems(page, expected = ['401 GET /api/v1/auth/me']) {
  const allowed = (line) => expected.some((pattern) => (pattern instanceof RegExp ? pattern.test(line) : pattern === line));
  return [...page.problems, ...page.httpErrors.filter((line) => !allowed(line)).map((line) => `HTTP ${line}`)];
}

// ---------------------------------------------------------------------------
// Accessibility

const require = createRequire(import.meta.url);
let axeSource;

/** The impacts that fail a journey (SPEC §9 asks for none of them). */
export const FAILING_IMPACTS = ['serious', 'critical'];

/**
 * Runs axe-core (tests/e2e's devDependency) on the page as it is now and returns the
 * violations of impact serious or critical as `{ id, impact, help, targets }`. The
 * script is evaluated through the DevTools protocol, so the page's own CSP never
 * blocks it.
 */
export async function axeViolations(page) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Focus moves and live text scheduled for the next frame happen first, and entrance
  // animations (a dialog fading in) end: mid-fade colours would fail contrast. The orb's
  // endless animations are left running.
  await page.evaluate(async () => {
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const finite = document.getAnimations().filter((animation) => animation.effect?.getTiming().iterations !== Infinity);
    await Promise.all(finite.map((animation) => animation.finished.catch(() => undefined)));
  });
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
  return violations.filter((violation) => FAILING_IMPACTS.includes(violation.impact));
}

/** Fails when axe finds a serious or critical violation; `where` names the screen in the message. */
export async function assertAccessible(page, where) {
  const violations = await axeViolations(page);
  const lines = violations.map((violation) => `${violation.impact} ${violation.id} (${violation.help}): ${violation.targets.join(' | ')}`);
  if (lines.length > 0) {
    throw new Error(`axe found ${lines.length} serious/critical violation(s) on ${where}:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * What has the keyboard focus: `{ testId, tag, text, inDialog, outline }` where
 * `outline` says whether a focus ring is drawn (an outline or a box-shadow).
 */
export async function focusedElement(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (element === null || element === document.body) return { testId: null, tag: 'body', text: '', inDialog: false, outline: false };
    const style = getComputedStyle(element);
    const outline = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    return {
      testId: element.getAttribute('data-testid'),
      tag: element.tagName.toLowerCase(),
      text: (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().slice(0, 60),
      inDialog: element.closest('dialog[open]') !== null,
      outline,
    };
  });
}
