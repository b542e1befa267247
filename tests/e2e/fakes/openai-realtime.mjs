// A fake OpenAI for the voice orb, on one port like api.openai.com:
//
//   POST /v1/realtime/client_secrets   the server mints `ek_…` values with its API key
//   POST /v1/realtime/calls            the browser sends its SDP offer with `Bearer ek_…`;
//                                      a werift peer answers (./realtime-peer.mjs)
//
// It checks what OpenAI checks: the API key; the minting body's shape (`expires_after`
// 10..7200 s, `session.type: "realtime"`, no top-level `model`/`type`); that the
// ephemeral key was issued here and has not expired; `Content-Type: application/sdp`.
// It answers CORS preflights for the calls endpoint, since the browser posts to it
// from the dashboard's origin. Tests script each call with `queueScript(steps)`.

import { randomBytes } from 'node:crypto';

import { pollUntil, startFake } from '../harness.mjs';
import { acceptOffer } from './realtime-peer.mjs';

function sendJson(response, status, body, headers = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function openAiError(response, status, message, code, { type = 'invalid_request_error', param = null, headers = {} } = {}) {
  sendJson(response, status, { error: { message, type, param, code } }, headers);
}

function bearer(request) {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  return match ? match[1].trim() : null;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-OpenAI-Agents-SDK, OpenAI-Beta',
  'Access-Control-Expose-Headers': 'Location',
  'Access-Control-Max-Age': '600',
};

/**
 * Starts the fake. `serverEnv()` gives the reference server OPENAI_API_KEY,
 * OPENAI_BASE_URL and REALTIME_CALLS_URL pointing here.
 *
 * Returns the `startFake` handle plus: `apiKey`, `secrets` (every minted secret:
 * { value, expires_at, request: { headers, body } }), `realtimeCalls` (every
 * accepted `RealtimeCall`), `refusedCalls`, `queueScript(steps)`, `nextCall()`.
 */
export async function startFakeOpenAIRealtime({ apiKey = `sk-e2e-${randomBytes(18).toString('hex')}`, model = 'gpt-realtime' } = {}) {
  const secrets = [];
  const realtimeCalls = [];
  const refusedCalls = [];
  const scripts = [];
  const peerErrors = [];
  /** While set, offers wait for it (so a test can look at the orb while it connects). */
  let callsPaused = null;
  let pendingOffers = 0;

  const fake = await startFake(async (request, response, call) => {
    if (call.path === '/v1/realtime/client_secrets' && call.method === 'POST') return mint(request, response, call);
    if (call.path === '/v1/realtime/calls' && call.method === 'OPTIONS') {
      response.writeHead(204, CORS);
      return response.end();
    }
    if (call.path === '/v1/realtime/calls' && call.method === 'POST') return answer(request, response, call);
    return openAiError(response, 404, `Invalid URL (${call.method} ${call.path})`, null);
  });

  function mint(request, response, call) {
    if (bearer(request) !== apiKey) {
      return openAiError(response, 401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    let body;
    try {
      body = JSON.parse(call.body);
    } catch {
      return openAiError(response, 400, 'We could not parse the JSON body of your request.', 'invalid_json');
    }
    for (const name of ['model', 'type', 'instructions', 'voice']) {
      if (name in body) return openAiError(response, 400, `Unknown parameter: '${name}'.`, 'unknown_parameter', { param: name });
    }
    const seconds = body.expires_after?.seconds ?? 600;
    if (body.expires_after !== undefined && body.expires_after.anchor !== 'created_at') {
      return openAiError(response, 400, "Invalid value for 'expires_after.anchor'.", 'invalid_value', { param: 'expires_after.anchor' });
    }
    if (!Number.isInteger(seconds) || seconds < 10 || seconds > 7200) {
      return openAiError(response, 400, "Invalid 'expires_after.seconds': must be between 10 and 7200.", 'integer_out_of_range', {
        param: 'expires_after.seconds',
      });
    }
    if (body.session?.type !== 'realtime') {
      return openAiError(response, 400, "Missing required parameter: 'session.type'.", 'missing_required_parameter', { param: 'session.type' });
    }
    const now = Math.floor(Date.now() / 1000);
    const secret = {
      value: `ek_${randomBytes(16).toString('hex')}`,
      expires_at: now + seconds,
      request: { headers: call.headers, body },
    };
    secrets.push(secret);
    return sendJson(response, 200, {
      value: secret.value,
      expires_at: secret.expires_at,
      session: { ...body.session, id: `sess_${randomBytes(8).toString('hex')}`, object: 'realtime.session', model: body.session.model ?? model },
    });
  }

  async function answer(request, response, call) {
    const key = bearer(request);
    const secret = secrets.find((known) => known.value === key);
    const refuse = (status, message, code) => {
      refusedCalls.push({ status, code, key });
      openAiError(response, status, message, code, { headers: CORS });
    };
    if (secret === undefined) return refuse(401, 'Invalid ephemeral key.', 'invalid_api_key');
    if (secret.expires_at < Math.floor(Date.now() / 1000)) return refuse(401, 'Ephemeral key has expired.', 'expired_api_key');
    if (!(request.headers['content-type'] ?? '').startsWith('application/sdp')) {
      return refuse(400, 'Expected an SDP offer with Content-Type: application/sdp.', 'invalid_content_type');
    }
    if (!call.body.startsWith('v=0')) return refuse(400, 'The SDP offer could not be parsed.', 'invalid_offer');

    pendingOffers += 1;
    await callsPaused?.promise;
    pendingOffers -= 1;
    const script = scripts.shift() ?? [];
    const { call: realtimeCall, answerSdp } = await acceptOffer(call.body, {
      script,
      model: secret.request.body.session?.model ?? model,
      onError: (error) => peerErrors.push(error),
    });
    realtimeCall.offerSdp = call.body;
    realtimeCall.secret = key;
    realtimeCall.requestHeaders = call.headers;
    realtimeCalls.push(realtimeCall);
    response.writeHead(201, { ...CORS, 'Content-Type': 'application/sdp', Location: `/v1/realtime/calls/${realtimeCall.id}` });
    response.end(answerSdp);
  }

  return {
    ...fake,
    apiKey,
    secrets,
    realtimeCalls,
    refusedCalls,
    peerErrors,
    /** The script of the next call the browser makes. */
    queueScript(steps) {
      scripts.push(steps);
    },
    /** Holds every SDP offer unanswered until `resumeCalls()`. */
    pauseCalls() {
      let resolve;
      const promise = new Promise((done) => (resolve = done));
      callsPaused = { promise, resolve };
    },
    resumeCalls() {
      callsPaused?.resolve();
      callsPaused = null;
    },
    /** Offers received and held by `pauseCalls()`. */
    get pendingOffers() {
      return pendingOffers;
    },
    /** The `index`-th accepted call (0-based), once the browser has made it. */
    nextCall(index = realtimeCalls.length, { timeout } = {}) {
      return pollUntil(() => realtimeCalls[index], { timeout, message: `WebRTC call #${index + 1} at the fake OpenAI` });
    },
    serverEnv() {
      return {
        OPENAI_API_KEY: apiKey,
        OPENAI_BASE_URL: `${fake.url}/v1`,
        REALTIME_CALLS_URL: `${fake.url}/v1/realtime/calls`,
      };
    },
    async stop() {
      callsPaused?.resolve();
      await Promise.all(realtimeCalls.map((realtimeCall) => realtimeCall.close()));
      await fake.stop();
    },
  };
}
