// Where the time goes between a click on the orb and `listening` (SPEC §10, "Voice"):
// the real reference server, the dashboard in headless Chromium, a fake OpenAI that
// mints client secrets and answers the SDP offer with a local werift peer. A measuring
// script, not a test: it asserts nothing about time, it prints figures.
//
//   node measure-start.mjs [runs] [later clicks per run]     (defaults: 7 and 4)
//
// Each run opens a fresh browser context (empty HTTP cache), signs a new user up, waits
// for the dashboard to be idle (an idle callback ran, then no request for 500 ms), then clicks the orb and waits
// for `data-state="listening"`: that is the first click. Then it hangs up and clicks
// again, `later` times. The page's `donna:*` performance measures (frontend/src/voice/
// marks.ts) break each click down; the table gives the median over the runs, with the
// min and max, in milliseconds. Measures that ended before the click (the dashboard
// loading the SDK and the catalog while idle) are listed apart.
//
// Needs what the browser journeys need (tests/e2e/README.md), frontend/dist built, and
// the release server, as every benchmark measures it: `cargo build --release -p
// reference-server` (MEASURE_SERVER_BIN names another binary; a debug build adds about
// 5 ms to the mint and 10 ms to a later click).

import { existsSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import path from 'node:path';

import { startFakeOpenAIRealtime } from './fakes/openai-realtime.mjs';
import { byTestId, launchBrowser, newPage, pollUntil, REPO_ROOT, signUp, startServer, waitForAttribute } from './harness.mjs';

const RUNS = Number(process.argv[2] ?? 7);
const LATER = Number(process.argv[3] ?? 4);
const MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection'];

/** In the page: the time of each click on the orb and of each change of its `data-state`. */
function watchOrb() {
  window.__orbLog = [];
  // The WebRTC steps inside `donna:sdp`, from the browser's own state changes.
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      const log = (what) => window.__orbLog.push({ at: performance.now(), what: `webrtc:${what}` });
      log('created');
      this.addEventListener('iceconnectionstatechange', () => log(`ice-${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => log(`pc-${this.connectionState}`));
      this.addEventListener('signalingstatechange', () => log(`signaling-${this.signalingState}`));
      const createDataChannel = this.createDataChannel.bind(this);
      this.createDataChannel = (...channelArgs) => {
        const channel = createDataChannel(...channelArgs);
        channel.addEventListener('open', () => log('channel-open'));
        const send = channel.send.bind(channel);
        channel.send = (data) => {
          if (typeof data === 'string' && data.includes('"session.update"')) log('session.update-sent');
          return send(data);
        };
        channel.addEventListener('message', (event) => {
          if (typeof event.data === 'string' && event.data.includes('"session.updated"')) log('session.updated-received');
        });
        return channel;
      };
    }
  };
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof Element && event.target.closest('[data-testid="voice-orb"]')) {
        window.__orbLog.push({ at: performance.now(), what: 'click' });
      }
    },
    { capture: true },
  );
  new MutationObserver((records) => {
    for (const record of records) {
      const state = record.target.getAttribute('data-state');
      window.__orbLog.push({ at: performance.now(), what: state });
    }
  }).observe(document, { attributes: true, attributeFilter: ['data-state'], subtree: true });
}

/** The last click's breakdown: click → listening, each `donna:*` measure, the two requests. */
async function lastClick(page) {
  return page.evaluate(() => {
    const log = window.__orbLog;
    const click = log.filter((entry) => entry.what === 'click').at(-1).at;
    const listening = log.find((entry) => entry.what === 'listening' && entry.at > click).at;
    const figures = { 'click → listening': listening - click };
    // The browser's WebRTC steps, each from the one before (first occurrence after the click).
    const at = (what) => log.find((entry) => entry.what === what && entry.at > click)?.at;
    const steps = [
      ['webrtc: click → peer connection created', 'click', 'webrtc:created'],
      ['webrtc: created → offer sent, answer set (have-local-offer → stable)', 'webrtc:created', 'webrtc:signaling-stable'],
      ['webrtc: answer set → ICE connected', 'webrtc:signaling-stable', 'webrtc:ice-connected'],
      ['webrtc: ICE connected → DTLS done (connectionState connected)', 'webrtc:ice-connected', 'webrtc:pc-connected'],
      ['webrtc: DTLS done → data channel open (SCTP)', 'webrtc:pc-connected', 'webrtc:channel-open'],
      ['channel open → session.update sent (the SDK)', 'webrtc:channel-open', 'webrtc:session.update-sent'],
      ['session.update sent → session.updated received (the peer)', 'webrtc:session.update-sent', 'webrtc:session.updated-received'],
      ['session.updated received → listening (the page)', 'webrtc:session.updated-received', 'listening'],
    ];
    for (const [name, from, to] of steps) {
      const start = from === 'click' ? click : at(from);
      const end = at(to);
      if (start !== undefined && end !== undefined) figures[name] = end - start;
    }
    for (const entry of performance.getEntriesByType('measure')) {
      if (!entry.name.startsWith('donna:')) continue;
      if (entry.startTime >= click - 1) {
        figures[entry.name] = entry.duration;
        figures[`  ${entry.name} starts at`] = entry.startTime - click;
      }
      else figures[`(before the click) ${entry.name}`] = entry.duration;
    }
    for (const entry of performance.getEntriesByType('resource')) {
      if (entry.startTime < click - 1) continue;
      const request = (name) => {
        figures[name] = entry.duration;
        figures[`  ${name} starts at`] = entry.startTime - click;
      };
      if (entry.name.endsWith('/api/v1/realtime/client-secret')) request('request POST /realtime/client-secret');
      if (entry.name.includes('/v1/realtime/calls')) request('request POST calls_url (SDP offer → answer)');
      if (entry.name.endsWith('/api/v1/realtime/tools')) figures['request GET /realtime/tools'] = entry.duration;
      if (/\/assets\/agent-.*\.js$/.test(entry.name)) figures[`request ${entry.name.split('/').pop()}`] = entry.duration;
    }
    // The next click sees only its own figures.
    performance.clearMeasures();
    performance.clearResourceTimings();
    return figures;
  });
}

/** Counts the page's requests in flight and notes when the last one began or ended. */
function trackRequests(page) {
  const network = { inFlight: 0, lastActivity: Date.now() };
  const settle = () => {
    network.inFlight -= 1;
    network.lastActivity = Date.now();
  };
  page.on('request', () => {
    network.inFlight += 1;
    network.lastActivity = Date.now();
  });
  page.on('requestfinished', settle);
  page.on('requestfailed', settle);
  return network;
}

/** The dashboard is idle, the way a person finds it: an idle callback of the page ran, then no request for 500 ms. */
async function waitForQuiet(page, network) {
  await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 5_000 })));
  await pollUntil(() => network.inFlight === 0 && Date.now() - network.lastActivity >= 500, {
    interval: 25,
    message: 'the page to be quiet for 500 ms',
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function table(title, samples) {
  const names = [...new Set(samples.flatMap((sample) => Object.keys(sample)))];
  const width = Math.max(...names.map((name) => name.length));
  console.log(`\n${title} (${samples.length} clicks): median [min–max] ms`);
  for (const name of names) {
    const values = samples.map((sample) => sample[name]).filter((value) => value !== undefined);
    const partial = values.length < samples.length ? ` (in ${values.length} of ${samples.length})` : '';
    const fmt = (value) => value.toFixed(1);
    console.log(
      `  ${name.padEnd(width)}  ${fmt(median(values)).padStart(7)}  [${fmt(Math.min(...values))}–${fmt(Math.max(...values))}]${partial}`,
    );
  }
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`measure-start: ${RUNS} runs × (1 first click + ${LATER} later clicks); ${cpus().length} CPUs, load average ${load()}`);

const openai = await startFakeOpenAIRealtime();
const serverBin = process.env.MEASURE_SERVER_BIN ?? path.join(REPO_ROOT, 'target', 'release', 'reference-server');
if (!existsSync(serverBin)) {
  console.error(`no release server at ${serverBin}: run \`cargo build --release -p reference-server\`, or set MEASURE_SERVER_BIN`);
  process.exit(2);
}
console.log(`server: ${serverBin}`);
const server = await startServer({
  bin: serverBin,
  name: 'measure-start',
  env: { ...openai.serverEnv(), REALTIME_SECRETS_PER_MINUTE: '10000', RUST_LOG: 'warn' },
});
const browser = await launchBrowser({ extraArgs: MEDIA_ARGS });
const first = [];
const later = [];
try {
  for (let run = 0; run < RUNS; run += 1) {
    const page = await newPage(browser);
    const network = trackRequests(page);
    await page.addInitScript(watchOrb);
    await signUp(page, server.baseUrl);
    const orb = byTestId(page, 'voice-orb');
    await waitForAttribute(orb, 'data-state', 'idle');
    for (let click = 0; click <= LATER; click += 1) {
      await waitForQuiet(page, network);
      await orb.click();
      await waitForAttribute(orb, 'data-state', 'listening');
      (click === 0 ? first : later).push(await lastClick(page));
      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb, 'data-state', 'idle');
    }
    if (page.problems.length > 0) console.log(`run ${run + 1}: page problems ${JSON.stringify(page.problems)}`);
    await page.context().close();
  }
} finally {
  await browser.close();
  await server.stop();
  await openai.stop();
}
table('First click after the dashboard loads', first);
table('Later clicks', later);
console.log(`\nload average at the end: ${load()}`);
