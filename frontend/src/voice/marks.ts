// Where the time of a conversation's start goes, in the browser's performance timeline:
// one `donna:*` measure per step (DevTools' Performance panel shows them, and
// `tests/e2e/measure-start.mjs` reads them). Cheap enough to stay in the product.

/** The steps of a start, as `performance.getEntriesByName(name, 'measure')` finds them. */
export const MARKS = {
  /** From the click to the orb listening: everything below, in parallel where it can be. */
  start: 'donna:start',
  /** A re-join after a drop, to the orb listening again. */
  rejoin: 'donna:rejoin',
  /** `getUserMedia`. */
  microphone: 'donna:microphone',
  /** `POST /api/v1/realtime/client-secret` (the server mints at OpenAI). */
  secret: 'donna:secret',
  /** The Agents SDK's chunk (`agent.ts`), when it was not loaded yet. */
  sdk: 'donna:sdk',
  /** `GET /api/v1/realtime/tools`. */
  tools: 'donna:tools',
  /** What a start waited, after its click, for the SDK, the catalog and Donna's tools. */
  prepared: 'donna:prepared',
  /** The SDK's own set-up before the peer connection: the agent's tools and session config. */
  sessionConfig: 'donna:session-config',
  /** Peer connection to open data channel: the offer, `POST calls_url`, the answer, ICE, DTLS, SCTP. */
  sdp: 'donna:sdp',
  /** Open data channel to `session.updated` (the SDK's `session.update` acknowledged). */
  sessionUpdated: 'donna:session-updated',
} as const;

type MarkName = (typeof MARKS)[keyof typeof MARKS];

function timeline(): Performance | undefined {
  return typeof performance === 'undefined' || typeof performance.measure !== 'function' ? undefined : performance;
}

/** Now, on the timeline's clock. */
export function now(): number {
  return timeline()?.now() ?? Date.now();
}

/** Records `name` from `start` (a `now()`) to now. */
export function measureSince(name: MarkName, start: number): void {
  try {
    timeline()?.measure(name, { start, end: now() });
  } catch {
    // A timeline that refuses a measure costs us a figure, nothing else.
  }
}

/** `work`, with its duration recorded as `name` whether it succeeds or not. */
export async function timed<T>(name: MarkName, work: () => Promise<T>): Promise<T> {
  const start = now();
  try {
    return await work();
  } finally {
    measureSince(name, start);
  }
}
