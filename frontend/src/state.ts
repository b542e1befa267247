// What the dashboard says about connectors and failures, free of React.

import { isApiError, NETWORK_ERROR, type Connector } from './api';

/** The `data-status` of a connector card (SPEC §9). */
export type DisplayStatus = 'not-configured' | 'disconnected' | 'active' | 'needs_reauth' | 'error';

export function displayStatus(connector: Pick<Connector, 'configured' | 'connected' | 'status'>): DisplayStatus {
  if (!connector.configured) return 'not-configured';
  if (connector.connected && connector.status === 'active') return 'active';
  if (connector.status === 'needs_reauth') return 'needs_reauth';
  if (connector.status === 'error') return 'error';
  return 'disconnected';
}

export const STATUS_LABEL: Record<DisplayStatus, string> = {
  'not-configured': 'Not configured',
  disconnected: 'Not connected',
  active: 'Connected',
  needs_reauth: 'Needs reconnecting',
  error: 'Error',
};

/** One sentence under the card's title saying where the connector stands. */
export function statusSentence(connector: Connector): string {
  const status = displayStatus(connector);
  switch (status) {
    case 'not-configured':
      return connector.kind === 'oauth'
        ? `The server has no ${providerName(connector.provider)} client ID and secret yet, so this connector cannot be used.`
        : 'This connector is not available on this server.';
    case 'active':
      return connector.kind === 'oauth' ? 'Connected and ready to use.' : 'Configured and ready to use.';
    case 'needs_reauth':
      return 'Access has expired or was revoked at the provider. Reconnect to keep using it.';
    case 'error':
      return connector.last_error ?? 'The last attempt to use this connector failed.';
    case 'disconnected':
      return connector.kind === 'oauth'
        ? `Not connected. Sign in with ${providerName(connector.provider)} to connect.`
        : 'Not configured yet. Enter its settings to connect.';
  }
}

const PROVIDER_NAMES: Record<string, string> = {
  google: 'Google',
  slack: 'Slack',
  notion: 'Notion',
  calendly: 'Calendly',
  twilio: 'Twilio',
  minio: 'MinIO',
  hostinger: 'Hostinger',
  smtp: 'SMTP',
};

export function providerName(provider: string): string {
  if (provider === '') return 'the provider';
  return PROVIDER_NAMES[provider] ?? provider.charAt(0).toUpperCase() + provider.slice(1);
}

export function kindLabel(connector: Pick<Connector, 'kind'>): string {
  return connector.kind === 'oauth' ? 'OAuth' : 'Configuration';
}

/** The label of the card's main button. */
export function connectLabel(connector: Connector): string {
  const status = displayStatus(connector);
  if (connector.kind === 'config') {
    return connector.connected || status === 'error' || status === 'needs_reauth' ? 'Edit settings' : 'Configure';
  }
  if (status === 'active') return 'Reconnect';
  if (status === 'needs_reauth' || status === 'error') return 'Reconnect';
  return 'Connect';
}

/** Whether the card offers to disconnect: only a connected connector has something to revoke. */
export function canDisconnect(connector: Pick<Connector, 'connected'>): boolean {
  return connector.connected;
}

/** Whether the card's main button can do anything. */
export function canConnect(connector: Pick<Connector, 'configured'>): boolean {
  return connector.configured;
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "Expires in 45 minutes" / "Expired 2 hours ago", or null without a valid date. */
export function expirySentence(expiresAt: string | null, now: Date = new Date()): string | null {
  if (expiresAt === null) return null;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return null;
  const seconds = Math.round((at - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const [unit, size] = RELATIVE_UNITS.find(([, length]) => Math.abs(seconds) >= length) ?? ['second', 1];
  const amount = Math.round(seconds / size);
  const phrase = format.format(amount, unit);
  return seconds >= 0 ? `Expires ${phrase}` : `Expired ${phrase}`;
}

/** A date for people: "24 Nov 2025, 16:39". */
export function formatDateTime(value: string | null): string | null {
  if (value === null) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

const CALLBACK_REASONS: Record<string, string> = {
  access_denied: 'You declined access on the provider’s consent screen, so nothing was connected.',
  invalid_state:
    'The answer from the provider did not match any connection started here. Start the connection again from this dashboard.',
  expired_state: 'The connection attempt took longer than ten minutes and expired. Start it again.',
  state_mismatch:
    'The answer from the provider belongs to a different connection attempt — another connector or another account — so it was refused.',
  missing_state: 'The answer from the provider lacked its security token, so it was refused.',
  not_authenticated: 'You were signed out while connecting. Log in again, then retry.',
  invalid_grant:
    'The provider rejected the authorization code: it may have expired or already been used. Try connecting again.',
  provider_unavailable: 'The provider could not be reached. Wait a moment and try again.',
  provider_timeout: 'The provider took too long to answer. Wait a moment and try again.',
  exchange_failed: 'The provider’s authorization could not be turned into access tokens. Try connecting again.',
  scope_denied:
    'Not all the permissions this connector needs were granted. Try again and allow the requested access.',
  provider_error: 'The provider reported an error while connecting. Try again later.',
  missing_code: 'The provider sent no authorization code back, so nothing was connected.',
  issuer_mismatch:
    'The answer came from a different sign-in service than the one the request went to, so it was refused for your safety.',
};

/** The words for a callback's `reason` code; an unknown code is named in a generic sentence. */
export function callbackReasonMessage(reason: string | null): string {
  if (reason === null || reason === '') {
    return 'The connection could not be completed, and the server gave no reason.';
  }
  return CALLBACK_REASONS[reason] ?? `The connection could not be completed (reason: ${reason}).`;
}

export function isKnownCallbackReason(reason: string | null): boolean {
  return reason !== null && reason in CALLBACK_REASONS;
}

export interface CallbackRoute {
  key: string;
  status: 'success' | 'error';
  reason: string | null;
}

/** Reads `/connectors/callback/{key}?status=…&reason=…`, or null for any other path. */
export function parseCallbackRoute(pathname: string, search: string): CallbackRoute | null {
  const match = /^\/connectors\/callback\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1] === undefined) return null;
  let key: string;
  try {
    key = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  const params = new URLSearchParams(search);
  const reason = params.get('reason');
  return {
    key,
    status: params.get('status') === 'success' ? 'success' : 'error',
    reason: reason === null || reason === '' ? null : reason,
  };
}

export type AuthMode = 'login' | 'signup';

/** What the sign-in form says when the server refuses. */
export function authErrorMessage(error: unknown, mode: AuthMode): string {
  if (!isApiError(error)) return 'Something went wrong. Try again.';
  switch (error.code) {
    case 'invalid_credentials':
      return 'That email and password do not match an account.';
    case 'email_taken':
      return 'An account with this email already exists. Log in instead.';
    case NETWORK_ERROR:
      return error.message;
  }
  if (error.status === 429) {
    return error.retryAfter !== null
      ? `Too many attempts. Try again in ${waitPhrase(error.retryAfter)}.`
      : 'Too many attempts. Wait a minute and try again.';
  }
  if (error.status === 422 || error.status === 400) {
    const details = error.fields.map((field) => field.message).join(' ');
    return details !== '' ? details : error.message;
  }
  if (error.status >= 500) {
    return mode === 'signup'
      ? 'The account could not be created because of a server problem. Try again in a moment.'
      : 'You could not be logged in because of a server problem. Try again in a moment.';
  }
  return error.message;
}

function waitPhrase(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** Words for any failed request shown in an error banner. */
export function requestErrorMessage(error: unknown): string {
  if (isApiError(error)) return error.message;
  return 'Something went wrong. Try again.';
}
