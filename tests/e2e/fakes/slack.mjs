// A fake Slack on one port, laid out like slack.com, speaking Slack's wire format:
//
//   GET  /oauth/v2/authorize        the consent page (buttons `slack-allow` / `slack-deny`)
//   POST /api/oauth.v2.access       code → user token under `authed_user`; refresh → top level
//   POST /api/auth.revoke           Bearer token
//   GET  /api/conversations.list    the workspace's public channels
//   GET  /api/conversations.history a channel's latest messages
//   GET  /api/users.info            a message author's profile
//   POST /api/chat.postMessage      JSON body {channel, text}
//
// Like Slack, every refusal of the Web API and of `oauth.v2.access` is HTTP 200 with
// `{"ok": false, "error": "<code>"}` (invalid_auth, channel_not_found, not_in_channel,
// invalid_code, bad_redirect_uri, …); only `ratelimited` is a 429 with `Retry-After`.
// The consent page checks what Slack checks (client_id, redirect_uri, a `scope` or
// `user_scope`, comma-separated); Allow redirects with `code` and `state`, Deny with
// `error=access_denied&state=…`. The token endpoint takes the client's credentials in
// HTTP Basic or the form, a single-use code and the same redirect_uri.

import { randomBytes } from 'node:crypto';

import { startFake } from '../harness.mjs';

const TEAM = { id: 'T9TK3CUKW', name: 'Slack Softworks' };
const USER_ID = 'U0E2EADA';

/** The channels `conversations.list` answers, as Slack describes a public channel. */
export const SLACK_CHANNELS = [
  { id: 'C01GENERAL', name: 'general', topic: 'Company-wide news', members: 12 },
  { id: 'C02LAUNCH', name: 'launch-plans', topic: 'The moon launch, day by day', members: 5 },
  { id: 'C03RANDOM', name: 'random', topic: '', members: 9 },
];

function sendJson(response, status, body, headers = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

function sendHtml(response, status, html) {
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(html);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Slack's refusal: HTTP 200. */
function okFalse(response, error, extra = {}) {
  sendJson(response, 200, { ok: false, error, ...extra });
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
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function channelObject(channel) {
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_archived: false,
    is_general: channel.name === 'general',
    is_private: false,
    is_member: true,
    created: 1_700_000_000,
    creator: USER_ID,
    name_normalized: channel.name,
    num_members: channel.members,
    topic: { value: channel.topic, creator: channel.topic === '' ? '' : USER_ID, last_set: channel.topic === '' ? 0 : 1_700_000_100 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

/**
 * Starts the fake. `options`: clientId, clientSecret, channels (see SLACK_CHANNELS).
 * Returns the `startFake` handle plus the client's credentials, `issued` (every user
 * token and refresh token handed out, every token revoked), `posted` (every message of
 * `chat.postMessage`), `webApiCalls(method)` (the calls of one Web API method that
 * carried a live token) and `serverEnv()` (SLACK_* pointing here).
 */
export async function startFakeSlack(options = {}) {
  const config = {
    clientId: options.clientId ?? `${Date.now()}.${randomBytes(5).readUInt32BE(0)}`,
    clientSecret: options.clientSecret ?? randomBytes(16).toString('hex'),
    channels: options.channels ?? SLACK_CHANNELS,
  };
  /** Pending consent screens by id → the authorize query. */
  const flows = new Map();
  /** Issued codes → { redirectUri, userScope, used }. */
  const codes = new Map();
  /** Live access tokens → their scope; refresh tokens → the scope they renew. */
  const accessTokens = new Map();
  const refreshTokens = new Map();
  const issued = { accessTokens: [], refreshTokens: [], revoked: [] };
  const posted = [];
  const webApi = [];

  const fake = await startFake((request, response, call) => {
    const { method, path: pathname } = call;
    if (method === 'GET' && pathname === '/oauth/v2/authorize') return authorize(response, call);
    if (method === 'POST' && pathname === '/oauth/v2/decide') return decide(response, call);
    if (method === 'POST' && pathname === '/api/oauth.v2.access') return token(request, response, call);
    if (pathname.startsWith('/api/')) return api(request, response, call, pathname.slice('/api/'.length));
    return sendHtml(response, 404, '<!doctype html><title>Page not found | Slack</title><p>There’s been a glitch…</p>');
  });

  function authorize(response, call) {
    const q = call.query;
    const problems = [];
    if (q.client_id !== config.clientId) problems.push('invalid_client_id');
    if (!q.redirect_uri) problems.push('bad_redirect_uri');
    if (!q.scope && !q.user_scope) problems.push('invalid_scope');
    if (problems.length > 0) {
      return sendHtml(
        response,
        400,
        `<!doctype html><html lang="en"><head><title>Slack</title></head><body>` +
          `<h1 data-testid="slack-error">Something went wrong when authorizing this app.</h1>` +
          `<p>Error details: ${problems.map(escapeHtml).join(', ')}</p></body></html>`,
      );
    }
    const flowId = randomBytes(12).toString('hex');
    flows.set(flowId, q);
    const scopes = (q.user_scope ?? q.scope).split(',').filter(Boolean);
    return sendHtml(
      response,
      200,
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slack | Connectors is requesting permission to access the ${escapeHtml(TEAM.name)} Slack workspace</title>
<style>
  body { font-family: Lato, Helvetica, Arial, sans-serif; background: #f8f8f8; margin: 0; display: grid; place-items: center; min-height: 100vh; }
  main { background: #fff; border-radius: 8px; padding: 32px; max-width: 520px; width: calc(100% - 24px); box-sizing: border-box; }
  h1 { font-size: 24px; margin: 0 0 12px; }
  ul { padding-left: 20px; }
  .actions { display: flex; gap: 12px; justify-content: flex-end; margin-top: 24px; }
  button { font: inherit; font-weight: 700; border-radius: 4px; padding: 10px 20px; cursor: pointer; }
  .deny { background: #fff; border: 1px solid #616061; color: #1d1c1d; }
  .allow { background: #007a5a; border: 0; color: #fff; }
</style></head>
<body><main>
  <h1>Connectors is requesting permission to access the <span data-testid="slack-team">${escapeHtml(TEAM.name)}</span> Slack workspace</h1>
  <p>What will Connectors be able to do on your behalf?</p>
  <ul>${scopes.map((scope) => `<li data-testid="slack-scope">${escapeHtml(scope)}</li>`).join('')}</ul>
  <form method="post" action="/oauth/v2/decide" class="actions">
    <input type="hidden" name="flow" value="${flowId}">
    <button class="deny" name="decision" value="deny" data-testid="slack-deny">Cancel</button>
    <button class="allow" name="decision" value="allow" data-testid="slack-allow">Allow</button>
  </form>
</main></body></html>`,
    );
  }

  function decide(response, call) {
    const q = flows.get(call.form?.flow ?? '');
    if (q === undefined) return sendHtml(response, 400, '<!doctype html><p>This link has expired.</p>');
    flows.delete(call.form.flow);
    const target = new URL(q.redirect_uri);
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    if (call.form.decision !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      response.writeHead(302, { Location: target.toString() });
      return response.end();
    }
    const code = `${Date.now()}.${randomBytes(6).readUIntBE(0, 6)}.${randomBytes(32).toString('hex')}`;
    codes.set(code, { redirectUri: q.redirect_uri, userScope: q.user_scope ?? '', used: false });
    target.searchParams.set('code', code);
    response.writeHead(302, { Location: target.toString() });
    return response.end();
  }

  function newTokens(scope) {
    const access = `xoxe.xoxp-1-${randomBytes(24).toString('hex')}`;
    const refresh = `xoxe-1-${randomBytes(24).toString('hex')}`;
    accessTokens.set(access, scope);
    refreshTokens.set(refresh, scope);
    issued.accessTokens.push(access);
    issued.refreshTokens.push(refresh);
    return { access, refresh };
  }

  function token(request, response, call) {
    const form = call.form ?? {};
    const client = basic(request) ?? { id: form.client_id, secret: form.client_secret };
    if (client.id !== config.clientId) return okFalse(response, 'invalid_client_id');
    if (client.secret !== config.clientSecret) return okFalse(response, 'bad_client_secret');
    if (form.grant_type === 'refresh_token') {
      const scope = refreshTokens.get(form.refresh_token ?? '');
      if (scope === undefined) return okFalse(response, 'invalid_refresh_token');
      refreshTokens.delete(form.refresh_token);
      const { access, refresh } = newTokens(scope);
      return sendJson(response, 200, {
        ok: true,
        app_id: 'A0E2ECONN',
        token_type: 'user',
        access_token: access,
        refresh_token: refresh,
        expires_in: 43_200,
        scope,
      });
    }
    const entry = codes.get(form.code ?? '');
    if (entry === undefined) return okFalse(response, 'invalid_code');
    if (entry.used) return okFalse(response, 'code_already_used');
    entry.used = true;
    if (form.redirect_uri !== undefined && form.redirect_uri !== entry.redirectUri) return okFalse(response, 'bad_redirect_uri');
    const { access, refresh } = newTokens(entry.userScope);
    return sendJson(response, 200, {
      ok: true,
      app_id: 'A0E2ECONN',
      authed_user: { id: USER_ID, scope: entry.userScope, access_token: access, token_type: 'user', refresh_token: refresh, expires_in: 43_200 },
      team: TEAM,
      enterprise: null,
      is_enterprise_install: false,
    });
  }

  function api(request, response, call, method) {
    const token = bearer(request);
    if (token === null) return okFalse(response, 'not_authed');
    if (!accessTokens.has(token)) return okFalse(response, 'invalid_auth');
    let args = call.query;
    if (call.method === 'POST' && (call.headers['content-type'] ?? '').includes('application/json')) {
      try {
        args = { ...args, ...JSON.parse(call.body || '{}') };
      } catch {
        return okFalse(response, 'invalid_json');
      }
    } else if (call.form !== null) {
      args = { ...args, ...call.form };
    }
    webApi.push({ method, args });
    if (method === 'auth.revoke') {
      accessTokens.delete(token);
      issued.revoked.push(token);
      return sendJson(response, 200, { ok: true, revoked: true });
    }
    if (method === 'conversations.list') {
      const limit = Math.min(Number(args.limit ?? 100) || 100, 1000);
      return sendJson(response, 200, {
        ok: true,
        channels: config.channels.slice(0, limit).map(channelObject),
        response_metadata: { next_cursor: '' },
      });
    }
    const channel = config.channels.find((known) => known.id === args.channel);
    if (method === 'conversations.history') {
      if (channel === undefined) return okFalse(response, 'channel_not_found');
      return sendJson(response, 200, {
        ok: true,
        messages: [{ type: 'message', user: USER_ID, text: `Welcome to #${channel.name}`, ts: '1764590400.000200' }],
        has_more: false,
        pin_count: 0,
        response_metadata: { next_cursor: '' },
      });
    }
    if (method === 'users.info') {
      if (args.user !== USER_ID) return okFalse(response, 'user_not_found');
      return sendJson(response, 200, {
        ok: true,
        user: { id: USER_ID, team_id: TEAM.id, name: 'ada', real_name: 'Ada Lovelace', profile: { display_name: 'Ada', real_name: 'Ada Lovelace' } },
      });
    }
    if (method === 'chat.postMessage') {
      if (channel === undefined) return okFalse(response, 'channel_not_found');
      if (typeof args.text !== 'string' || args.text === '') return okFalse(response, 'no_text');
      const ts = `${Math.floor(Date.now() / 1000)}.${String(posted.length + 1).padStart(6, '0')}`;
      posted.push({ channel: channel.id, text: args.text, ts });
      return sendJson(response, 200, {
        ok: true,
        channel: channel.id,
        ts,
        message: { type: 'message', user: USER_ID, text: args.text, ts },
      });
    }
    return okFalse(response, 'unknown_method');
  }

  return {
    ...fake,
    ...config,
    issued,
    posted,
    authUrl: `${fake.url}/oauth/v2/authorize`,
    /** The calls of one Web API method that carried a live token: { method, args }. */
    webApiCalls(method) {
      return webApi.filter((entry) => entry.method === method);
    },
    serverEnv() {
      return {
        SLACK_CLIENT_ID: config.clientId,
        SLACK_CLIENT_SECRET: config.clientSecret,
        SLACK_AUTH_URL: `${fake.url}/oauth/v2/authorize`,
        SLACK_TOKEN_URL: `${fake.url}/api/oauth.v2.access`,
        SLACK_REVOKE_URL: `${fake.url}/api/auth.revoke`,
        SLACK_API_URL: `${fake.url}/api`,
      };
    },
  };
}
