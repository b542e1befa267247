// Why a voice conversation could not start or stopped, in words a person can act on.

import { isApiError, NETWORK_ERROR } from '../api';
import type { Messages, Words } from '../i18n';

export type VoiceErrorKind =
  | 'microphone_denied'
  | 'microphone_missing'
  | 'microphone_busy'
  | 'rate_limited'
  | 'not_configured'
  | 'signed_out'
  | 'upstream_refused'
  | 'upstream_unavailable'
  | 'quota_exceeded'
  | 'call_refused'
  | 'connect_timeout'
  | 'connection_lost'
  | 'rejoin_failed'
  | 'unsupported'
  | 'network'
  | 'unknown';

export interface VoiceError {
  kind: VoiceErrorKind;
  /** One or two sentences for the person in front of the orb, in the page's language. */
  message: Words;
  /** Seconds to wait before trying again, when the server said so. */
  retryAfterSeconds: number | null;
}

/** Raised by the session when the transport closes without the user hanging up. */
export class ConnectionLostError extends Error {
  constructor() {
    super('the realtime connection closed');
    this.name = 'ConnectionLostError';
  }
}

/** Raised by the session when the re-join after a drop failed too; `reason` says why. */
export class RejoinFailedError extends Error {
  constructor(readonly reason: unknown) {
    super('the realtime connection closed and joining again failed');
    this.name = 'RejoinFailedError';
  }
}

/** Raised by the session when connecting takes longer than its deadline. */
export class ConnectTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`no realtime connection after ${seconds} s`);
    this.name = 'ConnectTimeoutError';
  }
}

/** The orb's short status line for an error; the message says the rest. */
export function errorHeadline(kind: VoiceErrorKind, t: Messages): string {
  switch (kind) {
    case 'connection_lost':
    case 'rejoin_failed':
    case 'connect_timeout':
      return t.voice.headlines.disconnected;
    case 'microphone_denied':
    case 'microphone_missing':
    case 'microphone_busy':
      return t.voice.headlines.microphone;
    case 'rate_limited':
      return t.voice.headlines.wait;
    case 'signed_out':
      return t.voice.headlines.signedOut;
    default:
      return t.voice.headlines.unavailable;
  }
}

export function voiceError(kind: VoiceErrorKind, message: Words, retryAfterSeconds: number | null = null): VoiceError {
  return { kind, message, retryAfterSeconds };
}

/** Maps whatever went wrong (an `ApiError`, a `DOMException`, an SDK error) to a `VoiceError`. */
export function voiceErrorFrom(error: unknown): VoiceError {
  if (error instanceof ConnectionLostError) {
    return voiceError('connection_lost', (t) => t.voice.errors.connectionLost);
  }
  if (error instanceof RejoinFailedError) {
    // What went wrong the second time, after the words that say the call dropped first.
    const reason = voiceErrorFrom(error.reason);
    return voiceError('rejoin_failed', (t) => t.voice.errors.rejoinFailed(reason.message(t)), reason.retryAfterSeconds);
  }
  if (error instanceof ConnectTimeoutError) {
    const { seconds } = error;
    return voiceError('connect_timeout', (t) => t.voice.errors.connectTimeout(seconds));
  }
  if (isApiError(error)) {
    return fromApiError(error.status, error.code, error.retryAfter);
  }
  const name = errorName(error);
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return voiceError('microphone_denied', (t) => t.voice.errors.microphoneDenied);
  }
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
    return voiceError('microphone_missing', (t) => t.voice.errors.microphoneMissing);
  }
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') {
    return voiceError('microphone_busy', (t) => t.voice.errors.microphoneBusy);
  }
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const callStatus = /call request failed with status (\d{3})/i.exec(message);
  if (callStatus?.[1] !== undefined) {
    return fromCallStatus(Number(callStatus[1]));
  }
  if (/WebRTC is not supported|RTCPeerConnection is not defined/i.test(message) || name === 'NotSupportedError') {
    return voiceError('unsupported', (t) => t.voice.errors.unsupported);
  }
  if (error instanceof TypeError && /fetch|network/i.test(message)) {
    return voiceError('network', (t) => t.voice.errors.serviceUnreachable);
  }
  return voiceError('unknown', (t) => t.voice.errors.unexpected);
}

function fromApiError(status: number, code: string, retryAfter: number | null): VoiceError {
  if (status === 429 || code === 'rate_limited') {
    const seconds = retryAfter ?? null;
    return voiceError(
      'rate_limited',
      (t) => (seconds === null ? t.voice.errors.rateLimited : t.voice.errors.rateLimitedFor(seconds)),
      seconds,
    );
  }
  if (status === 401) {
    return voiceError('signed_out', (t) => t.voice.errors.signedOut);
  }
  switch (code) {
    case 'voice_not_configured':
      return voiceError('not_configured', (t) => t.voice.errors.notConfigured);
    case 'voice_upstream_refused':
      return voiceError('upstream_refused', (t) => t.voice.errors.upstreamRefused);
    case 'voice_quota_exceeded':
      return voiceError('quota_exceeded', (t) => t.voice.errors.quotaExceeded);
    case 'voice_unavailable':
    case 'voice_upstream_error':
      return voiceError('upstream_unavailable', (t) => t.voice.errors.unavailable, retryAfter);
    case NETWORK_ERROR:
      return voiceError('network', (t) => t.voice.errors.serverUnreachable);
    default:
      if (status >= 500) {
        return voiceError('upstream_unavailable', (t) => t.voice.errors.unavailable, retryAfter);
      }
      return voiceError('unknown', (t) => t.voice.errors.couldNotStart);
  }
}

function fromCallStatus(status: number): VoiceError {
  if (status === 401 || status === 403) {
    return voiceError('call_refused', (t) => t.voice.errors.callKeyRejected);
  }
  if (status === 429) {
    return voiceError('upstream_unavailable', (t) => t.voice.errors.busy);
  }
  if (status >= 500) {
    return voiceError('upstream_unavailable', (t) => t.voice.errors.unavailable);
  }
  return voiceError('call_refused', (t) => t.voice.errors.callRefused(status));
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return '';
}
