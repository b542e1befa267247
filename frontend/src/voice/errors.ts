// Why a voice conversation could not start or stopped, in words a person can act on.

import { isApiError, NETWORK_ERROR } from '../api';

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
  | 'unsupported'
  | 'network'
  | 'unknown';

export interface VoiceError {
  kind: VoiceErrorKind;
  /** One or two sentences for the person in front of the orb. */
  message: string;
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

/** Raised by the session when connecting takes longer than its deadline. */
export class ConnectTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`no realtime connection after ${seconds} s`);
    this.name = 'ConnectTimeoutError';
  }
}

/** The orb's short status line for an error; the message says the rest. */
export function errorHeadline(kind: VoiceErrorKind): string {
  switch (kind) {
    case 'connection_lost':
    case 'connect_timeout':
      return 'Disconnected';
    case 'microphone_denied':
    case 'microphone_missing':
    case 'microphone_busy':
      return 'Microphone unavailable';
    case 'rate_limited':
      return 'Please wait a moment';
    case 'signed_out':
      return 'Signed out';
    default:
      return 'Voice unavailable';
  }
}

export function voiceError(kind: VoiceErrorKind, message: string, retryAfterSeconds: number | null = null): VoiceError {
  return { kind, message, retryAfterSeconds };
}

/** Maps whatever went wrong (an `ApiError`, a `DOMException`, an SDK error) to a `VoiceError`. */
export function voiceErrorFrom(error: unknown): VoiceError {
  if (error instanceof ConnectionLostError) {
    return voiceError(
      'connection_lost',
      'The connection to Donna was lost. Check your network, then press the orb to start again.',
    );
  }
  if (error instanceof ConnectTimeoutError) {
    return voiceError(
      'connect_timeout',
      `Donna could not be reached within ${error.seconds} seconds. Check your network, then press the orb to try again.`,
    );
  }
  if (isApiError(error)) {
    return fromApiError(error.status, error.code, error.retryAfter);
  }
  const name = errorName(error);
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return voiceError(
      'microphone_denied',
      'Donna cannot hear you: this page has no permission to use the microphone. Allow the microphone in your browser’s site settings, then press the orb again.',
    );
  }
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
    return voiceError('microphone_missing', 'No microphone was found. Connect one, then press the orb again.');
  }
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') {
    return voiceError(
      'microphone_busy',
      'The microphone could not be started: another application may be using it. Close it, then press the orb again.',
    );
  }
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const callStatus = /call request failed with status (\d{3})/i.exec(message);
  if (callStatus?.[1] !== undefined) {
    return fromCallStatus(Number(callStatus[1]));
  }
  if (/WebRTC is not supported|RTCPeerConnection is not defined/i.test(message) || name === 'NotSupportedError') {
    return voiceError('unsupported', 'This browser cannot make voice calls (WebRTC is unavailable). Try a recent Chrome, Edge, Firefox or Safari.');
  }
  if (error instanceof TypeError && /fetch|network/i.test(message)) {
    return voiceError('network', 'The voice service could not be reached. Check your connection and try again.');
  }
  return voiceError('unknown', 'The voice conversation failed unexpectedly. Press the orb to try again.');
}

function fromApiError(status: number, code: string, retryAfter: number | null): VoiceError {
  if (status === 429 || code === 'rate_limited') {
    const seconds = retryAfter ?? null;
    return voiceError(
      'rate_limited',
      seconds === null
        ? 'Too many voice conversations were started in a short time. Wait a minute, then try again.'
        : `Too many voice conversations were started in a short time. Try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`,
      seconds,
    );
  }
  if (status === 401) {
    return voiceError('signed_out', 'You are signed out. Sign in again to talk to Donna.');
  }
  switch (code) {
    case 'voice_not_configured':
      return voiceError(
        'not_configured',
        'Voice is not configured on this server: it has no OpenAI API key. Ask the administrator to set OPENAI_API_KEY.',
      );
    case 'voice_upstream_refused':
      return voiceError(
        'upstream_refused',
        'The voice service refused this server’s credentials or settings. Ask the administrator to check the OpenAI configuration.',
      );
    case 'voice_quota_exceeded':
      return voiceError('quota_exceeded', 'The voice service’s usage quota is used up. Ask the administrator to check the OpenAI account.');
    case 'voice_unavailable':
    case 'voice_upstream_error':
      return voiceError('upstream_unavailable', 'The voice service is unavailable right now. Try again in a moment.', retryAfter);
    case NETWORK_ERROR:
      return voiceError('network', 'The server could not be reached. Check your connection and try again.');
    default:
      if (status >= 500) {
        return voiceError('upstream_unavailable', 'The voice service is unavailable right now. Try again in a moment.', retryAfter);
      }
      return voiceError('unknown', 'The voice conversation could not start. Press the orb to try again.');
  }
}

function fromCallStatus(status: number): VoiceError {
  if (status === 401 || status === 403) {
    return voiceError('call_refused', 'The voice service refused the call: its session key was rejected or had expired. Press the orb to try again.');
  }
  if (status === 429) {
    return voiceError('upstream_unavailable', 'The voice service is busy. Try again in a moment.');
  }
  if (status >= 500) {
    return voiceError('upstream_unavailable', 'The voice service is unavailable right now. Try again in a moment.');
  }
  return voiceError('call_refused', `The voice service refused the call (HTTP ${status}). Press the orb to try again.`);
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return '';
}
