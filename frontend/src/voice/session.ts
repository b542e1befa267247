// One voice conversation with Donna at a time: client secret, microphone, the
// Realtime session over WebRTC, and what the orb shows about it.

import type { RealtimeAgent, RealtimeItem, RealtimeSession, RealtimeTransportLayer } from '@openai/agents/realtime';

import type { ApiClient, ClientSecret, FetchLike } from '../api';
import type { Words } from '../i18n';
import type { TransportMedia } from './agent';
import { openConsentWindow, watchConsentWindow } from './consent';
import { ConnectionLostError, ConnectTimeoutError, RejoinFailedError, voiceErrorFrom, type VoiceError } from './errors';
import { MARKS, measureSince, now, timed } from './marks';
import {
  applyServerEvent,
  currentTool,
  IDLE,
  orbState,
  slackChannelName,
  transcriptFrom,
  withToolEnded,
  withToolStarted,
  type Activity,
  type OrbState,
  type TranscriptEntry,
} from './machine';
import type { ToolRuntime } from './tools';

/** What the SDK hands over for an approval and takes back in `approve` / `reject`. */
type ApprovalItem = Parameters<RealtimeSession['approve']>[0];

/** What the orb draws; a new object whenever anything in it changes. */
export interface VoiceSnapshot {
  state: OrbState;
  error: VoiceError | null;
  transcript: TranscriptEntry[];
  muted: boolean;
  /** The tool running now, by name. */
  tool: string | null;
  /** A tool waits for the user to pick a file. */
  filePrompt: { tool: string } | null;
  /** A consent page the browser would not open by itself: the orb offers a button. */
  blockedConsent: { url: string; key: string } | null;
  /** Something went wrong without ending the conversation. */
  notice: Words | null;
  /** A call Donna makes only once the user confirms it (`needs_approval`), the oldest first. */
  approval: ApprovalRequest | null;
  /** The call dropped and the orb joins again (state `connecting`), the transcript kept. */
  rejoining: boolean;
}

/** A tool call waiting for the user's Confirm or Cancel. */
export interface ApprovalRequest {
  /** The model's call id. */
  callId: string;
  /** The call's item in the conversation, when the SDK says it. */
  itemId: string | null;
  tool: string;
  /** The call's arguments; `{}` when they are not a JSON object. */
  arguments: Record<string, unknown>;
  /** For a Slack post: the channel's name, when the conversation listed the channels. */
  channelName: string | null;
}

/**
 * What the model reads when the user cancels: a tool output like the others, so that
 * Donna says nothing was done (and the transcript marks the call cancelled).
 */
export const REJECTED_OUTPUT = JSON.stringify({
  cancelled: true,
  approved: false,
  message: 'The user declined in the confirmation dialog: nothing was done.',
});

export interface VoiceSessionOptions {
  api: Pick<ApiClient, 'createClientSecret' | 'listRealtimeTools'>;
  /** Relays the tools' calls to the server; the global `fetch` by default. */
  fetch?: FetchLike;
  /** Opens the microphone; `getUserMedia` with echo cancellation by default. */
  getMicrophone?: () => Promise<MediaStream | undefined>;
  /** WebRTC to the client secret's `calls_url` by default. */
  createTransport?: (secret: ClientSecret, media: TransportMedia) => RealtimeTransportLayer;
  /** Opens a consent page; a popup by default. `null` when the browser blocked it. */
  openConsent?: (url: string) => Window | null;
  /** Gives up connecting after this long; 20 s by default. */
  connectTimeoutMs?: number;
  /**
   * Whether the browser already lets the page use the microphone (no prompt can come):
   * then the client secret is minted while the microphone opens. The Permissions API
   * by default.
   */
  microphoneGranted?: () => Promise<boolean>;
  /**
   * A silent stream the call can start on while the microphone still opens (a real one
   * can take longer than the client secret): the microphone's track takes its place as
   * it opens. Web Audio's by default; `undefined` where there is none, and the call then
   * waits for the microphone.
   */
  silentStream?: () => MediaStream | undefined;
}

export interface VoiceSessionHandlers {
  /** A tool changed a connector, or the user finished a consent page: reload the grid. */
  onConnectorsChanged?: () => void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;

/** Server events that stream the words of a message before it is complete. */
const STREAMED_TEXT = new Set([
  'response.output_audio_transcript.delta',
  'response.output_text.delta',
  'conversation.item.input_audio_transcription.delta',
]);

export class VoiceSession {
  #options: VoiceSessionOptions;
  #handlers: VoiceSessionHandlers = {};
  #listeners = new Set<() => void>();

  #activity: Activity = IDLE;
  #snapshot: VoiceSnapshot = {
    state: 'idle',
    error: null,
    transcript: [],
    muted: false,
    tool: null,
    filePrompt: null,
    blockedConsent: null,
    notice: null,
    approval: null,
    rejoining: false,
  };

  /** Bumped by every start and stop: work of an older attempt sees it and gives up. */
  #attempt = 0;
  #session: RealtimeSession | null = null;
  #microphone: MediaStream | undefined;
  #audioElement: HTMLAudioElement | undefined;
  #pendingFile: ((file: File | null) => void) | null = null;
  /** Calls waiting for the user's decision, oldest first; the snapshot shows the first. */
  #pendingApprovals: { request: ApprovalRequest; item: ApprovalItem }[] = [];
  #history: readonly RealtimeItem[] = [];
  /** The items of the calls this conversation lost to a drop, still on screen. */
  #earlier: readonly RealtimeItem[] = [];
  /** Automatic re-joins this conversation may still make after a drop. */
  #rejoinsLeft = 0;
  /** The SDK, the catalog and Donna built from it: loaded once, ahead of a click if the page is idle. */
  #prepared: Promise<Prepared> | null = null;
  /** `#prepared` has resolved. */
  #ready = false;
  /** Words streamed so far of messages not yet complete, by item id. */
  #partials = new Map<string, string>();
  #stopWatchingConsent: (() => void) | null = null;

  constructor(options: VoiceSessionOptions) {
    this.#options = options;
  }

  setHandlers(handlers: VoiceSessionHandlers): void {
    this.#handlers = handlers;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): VoiceSnapshot => this.#snapshot;

  /** The microphone and Donna's voice, for the level meter. */
  audioStreams(): { input: MediaStream | null; output: MediaStream | null } {
    const output = this.#audioElement?.srcObject;
    return {
      input: this.#microphone ?? null,
      output: typeof MediaStream !== 'undefined' && output instanceof MediaStream ? output : null,
    };
  }

  /**
   * Loads the Agents SDK and the tool catalog and builds Donna, without minting
   * anything (client secrets are rate-limited and live a minute): the dashboard calls
   * it when idle so that a click only waits for the secret, the microphone and the call.
   * A failure is forgotten: the next start tries again.
   */
  prepare(): Promise<void> {
    void this.#microphoneGranted();
    return this.#prepare().then(
      () => undefined,
      () => undefined,
    );
  }

  #prepare(): Promise<Prepared> {
    if (this.#prepared !== null) return this.#prepared;
    const prepared = Promise.all([
      timed(MARKS.sdk, loadRealtime),
      timed(MARKS.tools, () => this.#options.api.listRealtimeTools()),
    ]).then(([realtime, catalog]) => ({
      realtime,
      agent: realtime.createDonnaAgent(realtime.buildTools(catalog, this.#toolRuntime())),
    }));
    this.#prepared = prepared;
    prepared.then(
      () => {
        if (this.#prepared === prepared) this.#ready = true;
      },
      () => {
        if (this.#prepared === prepared) this.#prepared = null;
      },
    );
    return prepared;
  }

  /** Starts a conversation: microphone, client secret and tools, then the Realtime session. */
  async start(): Promise<void> {
    if (this.#activity.phase === 'connecting' || this.#activity.phase === 'connected') return;
    const attempt = ++this.#attempt;
    this.#activity = { ...IDLE, phase: 'connecting' };
    this.#history = [];
    this.#earlier = [];
    this.#partials = new Map();
    this.#rejoinsLeft = 1;
    this.#update({
      error: null,
      transcript: [],
      notice: null,
      blockedConsent: null,
      filePrompt: null,
      approval: null,
      rejoining: false,
    });
    await this.#join(attempt, { rejoin: false, since: now() });
  }

  /**
   * One call: the microphone (kept from the call that dropped, on a re-join), a fresh
   * client secret, then the Realtime session over WebRTC. A microphone still opening
   * when the secret comes does not hold the call up: it starts on silence, and the
   * microphone's track replaces the silence as it opens.
   */
  async #join(attempt: number, { rejoin, since }: { rejoin: boolean; since: number }): Promise<void> {
    const isCurrent = () => attempt === this.#attempt;
    try {
      // What the click waits for the SDK and the catalog, when the page was not idle long enough to load them.
      const prepared = this.#ready ? this.#prepare() : timed(MARKS.prepared, () => this.#prepare());
      // Awaited below, unless the microphone fails first.
      prepared.catch(() => undefined);
      let microphoneOpening = this.#microphone === undefined;
      const microphone = (microphoneOpening ? this.#openMicrophone(isCurrent) : Promise.resolve(this.#microphone)).finally(
        () => (microphoneOpening = false),
      );
      // The start fails as soon as the microphone does, however far it got.
      const microphoneFailed = microphone.then(() => new Promise<never>(() => undefined));
      microphoneFailed.catch(() => undefined);
      // A secret lives a minute and counts against a rate limit: while a permission
      // prompt may still come, mint only once the microphone is open (or refused).
      if (!(await this.#microphoneGranted())) await microphone;
      if (!isCurrent()) return;
      const minting = timed(MARKS.secret, () => this.#options.api.createClientSecret());
      const [secret, { realtime, agent }] = await Promise.race([Promise.all([minting, prepared]), microphoneFailed]);
      if (!isCurrent()) return;
      // Still opening: the call starts on silence, and the microphone joins it as it opens.
      const standIn = microphoneOpening ? (this.#options.silentStream ?? silentStream)() : undefined;
      const stream = standIn ?? (await Promise.race([microphone, microphoneFailed]));
      if (!isCurrent()) return;

      this.#audioElement = typeof document === 'undefined' ? undefined : document.createElement('audio');
      const transport = (this.#options.createTransport ?? realtime.webRtcTransport)(secret, {
        mediaStream: stream,
        audioElement: this.#audioElement,
      });
      const session = realtime.createRealtimeSession(secret, agent, transport);
      this.#session = session;
      this.#listen(session, transport, isCurrent);
      markConnectSteps(transport);
      if (standIn !== undefined) {
        void microphone.then(
          (opened) => (isCurrent() ? takeOver(standIn, opened, transport) : stopTracks(standIn)),
          () => stopTracks(standIn),
        );
      }

      await withTimeout(
        Promise.race([session.connect({ apiKey: secret.value }), microphoneFailed]),
        this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      );
      if (!isCurrent()) return;
      this.#activity = { ...this.#activity, phase: 'connected' };
      this.#update({ rejoining: false });
      measureSince(rejoin ? MARKS.rejoin : MARKS.start, since);
      // The peer hanging up closes the data channel at once; the SDK only notices
      // when ICE gives up, many seconds later.
      dataChannelOf(transport)?.addEventListener('close', () => this.#dropped(isCurrent));
      if (this.#snapshot.muted) this.#applyMute();
    } catch (error) {
      if (error instanceof Abandoned || !isCurrent()) return;
      this.#fail(rejoin ? new RejoinFailedError(error) : error);
    }
  }

  /** Opens the microphone for the attempt `isCurrent`; stops it at once if that attempt was given up. */
  async #openMicrophone(isCurrent: () => boolean): Promise<MediaStream | undefined> {
    const stream = await timed(MARKS.microphone, this.#options.getMicrophone ?? defaultMicrophone);
    if (!isCurrent()) {
      stopTracks(stream);
      throw new Abandoned();
    }
    this.#microphone = stream;
    this.#applyMute();
    return stream;
  }

  #microphoneGranted(): Promise<boolean> {
    const granted = this.#options.microphoneGranted ?? microphonePermissionGranted;
    return granted().catch(() => false);
  }

  /**
   * The call dropped without the user hanging up: join again once, with a fresh client
   * secret, keeping the microphone and the transcript; a second drop ends the conversation.
   */
  #dropped(isCurrent: () => boolean) {
    if (!isCurrent() || this.#activity.phase !== 'connected') return;
    if (this.#rejoinsLeft <= 0) {
      this.#fail(new ConnectionLostError());
      return;
    }
    this.#rejoinsLeft -= 1;
    const attempt = ++this.#attempt;
    const since = now();
    this.#closeCall();
    this.#earlier = [...this.#earlier, ...this.#history.map(interrupted)];
    this.#history = [];
    this.#activity = { ...IDLE, phase: 'connecting' };
    this.#update({ rejoining: true, notice: null, blockedConsent: null, transcript: this.#transcript() });
    void this.#join(attempt, { rejoin: true, since });
  }

  /** Hangs up (or gives up connecting). The transcript stays on screen. */
  stop(): void {
    this.#attempt += 1;
    this.#teardown();
    this.#activity = IDLE;
    this.#update({ error: null, notice: null, rejoining: false });
  }

  /** The orb goes away: hang up and stop watching a consent window. */
  dispose(): void {
    this.stop();
    this.#stopWatchingConsent?.();
    this.#stopWatchingConsent = null;
  }

  /** The orb's button: starts when idle or failed, hangs up otherwise. */
  toggle(): void {
    if (this.#activity.phase === 'idle' || this.#activity.phase === 'error') {
      void this.start();
    } else {
      this.stop();
    }
  }

  setMuted(muted: boolean): void {
    this.#update({ muted });
    this.#applyMute();
  }

  /** The user picked a file for the waiting tool, or `null` to cancel. */
  provideFile(file: File | null): void {
    const resolve = this.#pendingFile;
    this.#pendingFile = null;
    this.#update({ filePrompt: null });
    resolve?.(file);
  }

  /** The user confirmed the call shown: the SDK runs it, relayed with `approved: true`. */
  approve(): void {
    this.#decide((session, item) => session.approve(item));
  }

  /** The user cancelled the call shown: the model is told nothing was done. */
  reject(): void {
    this.#decide((session, item) => session.reject(item, { message: REJECTED_OUTPUT }));
  }

  #decide(decide: (session: RealtimeSession, item: ApprovalItem) => Promise<void>) {
    const session = this.#session;
    const pending = this.#pendingApprovals.shift();
    this.#update({ approval: this.#pendingApprovals[0]?.request ?? null, transcript: this.#transcript() });
    if (session === null || pending === undefined) return;
    decide(session, pending.item).catch((error: unknown) => {
      if (this.#session === session) this.#update({ notice: noticeFrom(error) });
    });
  }

  /** Opens the consent page the browser blocked, from a click of the user. */
  openBlockedConsent(): void {
    const blocked = this.#snapshot.blockedConsent;
    if (blocked === null) return;
    if (this.#openConsent(blocked.url) === 'opened') this.#update({ blockedConsent: null });
  }

  dismissBlockedConsent(): void {
    this.#update({ blockedConsent: null });
  }

  #toolRuntime(): ToolRuntime {
    return {
      fetch: this.#options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      pickFile: (tool) =>
        new Promise<File | null>((resolve) => {
          this.#pendingFile?.(null);
          this.#pendingFile = resolve;
          this.#update({ filePrompt: { tool } });
        }),
      openConsent: (url, key) => {
        const outcome = this.#openConsent(url);
        this.#update({ blockedConsent: outcome === 'blocked' ? { url, key } : null });
        return outcome;
      },
      connectorsChanged: () => this.#handlers.onConnectorsChanged?.(),
    };
  }

  #openConsent(url: string): 'opened' | 'blocked' {
    const popup = (this.#options.openConsent ?? openConsentWindow)(url);
    if (popup === null) return 'blocked';
    this.#stopWatchingConsent?.();
    // Watching goes on after a hang-up: the user may finish the consent page later.
    this.#stopWatchingConsent = watchConsentWindow(popup, () => {
      this.#stopWatchingConsent = null;
      this.#handlers.onConnectorsChanged?.();
    });
    return 'opened';
  }

  #listen(session: RealtimeSession, transport: RealtimeTransportLayer, isCurrent: () => boolean) {
    const connected = () => isCurrent() && this.#activity.phase === 'connected';
    const setActivity = (next: (activity: Activity) => Activity) => {
      if (!isCurrent()) return;
      const activity = next(this.#activity);
      if (activity === this.#activity) return;
      this.#activity = activity;
      this.#update({});
    };

    transport.on('connection_change', (status) => {
      // Our own `close()` bumps the attempt first, so only a drop we did not ask for gets here.
      if (status === 'disconnected') this.#dropped(isCurrent);
    });
    session.on('transport_event', (event) => {
      setActivity((activity) => applyServerEvent(activity, event.type));
      if (!isCurrent() || !STREAMED_TEXT.has(event.type)) return;
      const { item_id: itemId, delta } = event as { item_id?: unknown; delta?: unknown };
      if (typeof itemId !== 'string' || typeof delta !== 'string') return;
      this.#partials.set(itemId, (this.#partials.get(itemId) ?? '') + delta);
      this.#update({ transcript: this.#transcript() });
    });
    session.on('audio_start', () => setActivity((activity) => ({ ...activity, agentAudio: true })));
    session.on('audio_stopped', () => setActivity((activity) => ({ ...activity, agentAudio: false })));
    session.on('audio_interrupted', () =>
      setActivity((activity) => ({ ...activity, agentAudio: false, agentSpeaking: false })),
    );
    session.on('agent_tool_start', (_context, _agent, tool, details) =>
      setActivity((activity) => withToolStarted(activity, callIdOf(details.toolCall, tool.name), tool.name)),
    );
    session.on('agent_tool_end', (_context, _agent, tool, _result, details) =>
      setActivity((activity) => withToolEnded(activity, callIdOf(details.toolCall, tool.name))),
    );
    session.on('tool_approval_requested', (_context, _agent, request) => {
      if (!isCurrent() || request.type !== 'function_approval') return;
      const raw = request.approvalItem.rawItem;
      if (raw.type !== 'function_call') return;
      const args = argumentsOf(raw.arguments);
      const approval: ApprovalRequest = {
        callId: raw.callId,
        itemId: raw.id ?? null,
        tool: raw.name,
        arguments: args,
        channelName:
          raw.name === 'post_slack_message' && typeof args.channel === 'string'
            ? slackChannelName([...this.#earlier, ...this.#history], args.channel)
            : null,
      };
      this.#pendingApprovals.push({ request: approval, item: request.approvalItem });
      this.#update({ approval: this.#pendingApprovals[0]?.request ?? null, transcript: this.#transcript() });
    });
    session.on('history_updated', (history: RealtimeItem[]) => {
      if (!isCurrent()) return;
      this.#history = history;
      this.#update({ transcript: this.#transcript() });
    });
    session.on('error', ({ error }) => {
      // While connecting, `connect()` rejects with the same failure and `start` reports it.
      if (connected()) this.#update({ notice: noticeFrom(error) });
    });
  }

  #transcript(): TranscriptEntry[] {
    const awaiting = new Set(this.#pendingApprovals.flatMap(({ request }) => (request.itemId === null ? [] : [request.itemId])));
    const items = this.#earlier.length === 0 ? this.#history : [...this.#earlier, ...this.#history];
    return transcriptFrom(items, this.#partials, awaiting);
  }

  #fail(error: unknown) {
    this.#attempt += 1;
    this.#teardown();
    this.#activity = { ...IDLE, phase: 'error' };
    this.#update({ error: voiceErrorFrom(error), rejoining: false });
  }

  /** Ends the call and releases the microphone. */
  #teardown() {
    this.#closeCall();
    stopTracks(this.#microphone);
    this.#microphone = undefined;
  }

  /** Ends the call and what waits on it; the microphone stays open (for a re-join). */
  #closeCall() {
    const session = this.#session;
    this.#session = null;
    try {
      session?.close();
    } catch {
      // Already closed: nothing left to release.
    }
    if (this.#audioElement !== undefined) this.#audioElement.srcObject = null;
    this.#audioElement = undefined;
    if (this.#pendingFile !== null) this.provideFile(null);
    // The calls die with the session: nothing of them can run any more.
    if (this.#pendingApprovals.length > 0) {
      this.#pendingApprovals = [];
      this.#update({ approval: null, transcript: this.#transcript() });
    }
  }

  #applyMute() {
    const muted = this.#snapshot.muted;
    for (const track of this.#microphone?.getAudioTracks() ?? []) track.enabled = !muted;
    if (this.#session !== null && this.#activity.phase === 'connected') this.#session.mute(muted);
  }

  #update(patch: Partial<VoiceSnapshot>) {
    const activity = this.#activity;
    this.#snapshot = { ...this.#snapshot, ...patch, state: orbState(activity), tool: currentTool(activity) };
    for (const listener of this.#listeners) listener();
  }
}

/** The Agents SDK, loaded on the first conversation (or earlier, by `prepare` or `preload`). */
function loadRealtime() {
  return import('./agent');
}

/** What `prepare` loads and builds once for every conversation of the page. */
interface Prepared {
  realtime: Awaited<ReturnType<typeof loadRealtime>>;
  /** Donna with one tool per catalog entry. */
  agent: RealtimeAgent;
}

/** The attempt was given up while it waited (the user hung up, or a newer start began). */
class Abandoned extends Error {}

/** A call of a conversation that dropped, as the transcript keeps it: a tool still running was cut off. */
function interrupted(item: RealtimeItem): RealtimeItem {
  if (item.type !== 'function_call' || item.output !== null) return item;
  return { ...item, status: 'incomplete', output: INTERRUPTED_OUTPUT };
}

/** What the transcript reads of a tool call the drop cut off: cancelled. */
const INTERRUPTED_OUTPUT = JSON.stringify({ cancelled: true, message: 'The call dropped before the tool answered.' });

/** The page's microphone permission, asked once: a `PermissionStatus` follows later changes. */
let microphoneStatus: Promise<PermissionStatus | null> | null = null;

/** Whether the browser lets the page use the microphone without asking the user first. */
async function microphonePermissionGranted(): Promise<boolean> {
  microphoneStatus ??=
    typeof navigator === 'undefined' || navigator.permissions?.query === undefined
      ? Promise.resolve(null)
      : navigator.permissions.query({ name: 'microphone' as PermissionName }).catch(() => null);
  return (await microphoneStatus)?.state === 'granted';
}

/**
 * The `donna:session-config`, `donna:sdp` and `donna:session-updated` measures of a
 * connection: the SDK creates the data channel when it says `connecting`.
 */
function markConnectSteps(transport: RealtimeTransportLayer) {
  const called = now();
  let connecting: number | null = null;
  transport.on('connection_change', (status) => {
    if (status !== 'connecting' || connecting !== null) return;
    connecting = now();
    measureSince(MARKS.sessionConfig, called);
    const channel = dataChannelOf(transport);
    channel?.addEventListener(
      'open',
      () => {
        const opened = now();
        if (connecting !== null) measureSince(MARKS.sdp, connecting);
        const acknowledged = (event: MessageEvent) => {
          if (typeof event.data !== 'string' || !event.data.includes('"session.updated"')) return;
          channel.removeEventListener('message', acknowledged);
          measureSince(MARKS.sessionUpdated, opened);
        };
        channel.addEventListener('message', acknowledged);
      },
      { once: true },
    );
  });
}

/** Starts loading the SDK before the user presses the orb (on hover or focus). */
export function preloadRealtime(): void {
  void loadRealtime().catch(() => undefined);
}

async function defaultMicrophone(): Promise<MediaStream> {
  if (typeof navigator === 'undefined' || navigator.mediaDevices?.getUserMedia === undefined) {
    throw new DOMException('this page cannot use a microphone', 'NotSupportedError');
  }
  return navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
}

function dataChannelOf(transport: RealtimeTransportLayer): RTCDataChannel | undefined {
  const state = (transport as { connectionState?: { dataChannel?: RTCDataChannel } }).connectionState;
  return state?.dataChannel;
}

function peerConnectionOf(transport: RealtimeTransportLayer): RTCPeerConnection | undefined {
  const state = (transport as { connectionState?: { peerConnection?: RTCPeerConnection } }).connectionState;
  return state?.peerConnection;
}

/** The page's silence, from one suspended Web Audio context (it renders nothing). */
let silence: MediaStreamAudioDestinationNode | null = null;

/** A silent stream of its own (see `VoiceSessionOptions.silentStream`). */
function silentStream(): MediaStream | undefined {
  if (typeof window === 'undefined' || typeof window.AudioContext !== 'function') return undefined;
  try {
    if (silence === null) {
      const context = new window.AudioContext();
      void context.suspend().catch(() => undefined);
      silence = context.createMediaStreamDestination();
    }
    const track = silence.stream.getAudioTracks()[0];
    return track === undefined ? undefined : new MediaStream([track.clone()]);
  } catch {
    return undefined;
  }
}

/**
 * The microphone takes the place of the silence the call started on: in the stream
 * the SDK has yet to add to its peer connection, and in the peer connection's sender
 * when it already has (no new offer: the same sender, another track).
 */
function takeOver(standIn: MediaStream, microphone: MediaStream | undefined, transport: RealtimeTransportLayer) {
  const track = microphone?.getAudioTracks()[0];
  const silent = standIn.getAudioTracks()[0];
  if (track === undefined || silent === undefined) return;
  standIn.removeTrack(silent);
  standIn.addTrack(track);
  const senders = peerConnectionOf(transport)?.getSenders() ?? [];
  const replaced = senders.filter((sender) => sender.track === silent).map((sender) => sender.replaceTrack(track));
  void Promise.allSettled(replaced).then(() => silent.stop());
}

function stopTracks(stream: MediaStream | undefined) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

function callIdOf(toolCall: unknown, fallback: string): string {
  if (typeof toolCall === 'object' && toolCall !== null && 'callId' in toolCall && typeof toolCall.callId === 'string') {
    return toolCall.callId;
  }
  return fallback;
}

function argumentsOf(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function noticeFrom(error: unknown): Words {
  const inner = typeof error === 'object' && error !== null && 'error' in error ? error.error : error;
  const message =
    typeof inner === 'object' && inner !== null && 'message' in inner && typeof inner.message === 'string'
      ? inner.message
      : error instanceof Error
        ? error.message
        : '';
  return (t) => (message === '' ? t.voice.problem : t.voice.problemWith(message));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ConnectTimeoutError(Math.round(ms / 1000))), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
