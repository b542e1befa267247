// What the dashboard says about connectors and failures, free of React.

import { BAD_RESPONSE, isApiError, NETWORK_ERROR, type Connector, type FieldError, type LifecycleEvent } from './api';
import { CATALOGS, en, relativeTime, type Locale, type Messages } from './i18n';

/** The `data-status` of a connector card (SPEC §9). */
export type DisplayStatus = 'not-configured' | 'disconnected' | 'active' | 'needs_reauth' | 'error';

export function displayStatus(connector: Pick<Connector, 'configured' | 'connected' | 'status'>): DisplayStatus {
  if (!connector.configured) return 'not-configured';
  if (connector.connected && connector.status === 'active') return 'active';
  if (connector.status === 'needs_reauth') return 'needs_reauth';
  if (connector.status === 'error') return 'error';
  return 'disconnected';
}

/** The words on a card's status pill. */
export function statusLabel(status: DisplayStatus, t: Messages): string {
  return t.status[status];
}

/** One sentence under the card's title saying where the connector stands. */
export function statusSentence(connector: Connector, t: Messages): string {
  const status = displayStatus(connector);
  switch (status) {
    case 'not-configured':
      return connector.kind === 'oauth'
        ? t.card.oauthNotConfigured(providerName(connector.provider, t))
        : t.card.configUnavailable;
    case 'active':
      return connector.kind === 'oauth' ? t.card.oauthActive : t.card.configActive;
    case 'needs_reauth':
      return t.card.needsReauth;
    case 'error':
      return lastErrorWords(connector, t)?.sentence ?? t.card.lastAttemptFailed;
    case 'disconnected':
      return connector.kind === 'oauth'
        ? t.card.oauthDisconnected(providerName(connector.provider, t))
        : t.card.configDisconnected;
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

export function providerName(provider: string, t: Messages): string {
  if (provider === '') return t.card.theProvider;
  return PROVIDER_NAMES[provider] ?? provider.charAt(0).toUpperCase() + provider.slice(1);
}

export function kindLabel(connector: Pick<Connector, 'kind'>, t: Messages): string {
  return connector.kind === 'oauth' ? t.card.kindOAuth : t.card.kindConfig;
}

/** The label of the card's main button. */
export function connectLabel(connector: Connector, t: Messages): string {
  const status = displayStatus(connector);
  if (connector.kind === 'config') {
    return connector.connected || status === 'error' || status === 'needs_reauth' ? t.card.editSettings : t.card.configure;
  }
  if (status === 'active' || status === 'needs_reauth' || status === 'error') return t.card.reconnect;
  return t.card.connect;
}

/** Whether the card offers to disconnect: only a connected connector has something to revoke. */
export function canDisconnect(connector: Pick<Connector, 'connected'>): boolean {
  return connector.connected;
}

/** Whether the card's main button can do anything. */
export function canConnect(connector: Pick<Connector, 'configured'>): boolean {
  return connector.configured;
}

/** "Expires in 45 minutes" / "Expired 2 hours ago", or null without a valid date. */
export function expirySentence(expiresAt: string | null, locale: Locale, now: Date = new Date()): string | null {
  if (expiresAt === null) return null;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) return null;
  const t = CATALOGS[locale];
  const { phrase, past } = relativeTime(locale, at, now);
  return past ? t.card.expiredAgo(phrase) : t.card.expiresIn(phrase);
}

export type CallbackReason = keyof Messages['callback']['reasons'];

/** The words for a callback's `reason` code; an unknown code is named in a generic sentence. */
export function callbackReasonMessage(reason: string | null, t: Messages): string {
  if (reason === null || reason === '') return t.callback.noReason;
  return isKnownCallbackReason(reason) ? t.callback.reasons[reason] : t.callback.unknownReason(reason);
}

export function isKnownCallbackReason(reason: string | null): reason is CallbackReason {
  return reason !== null && Object.hasOwn(en.callback.reasons, reason);
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
export function authErrorMessage(error: unknown, mode: AuthMode, t: Messages): string {
  if (!isApiError(error)) return t.errors.generic;
  switch (error.code) {
    case 'invalid_credentials':
      return t.auth.invalidCredentials;
    case 'email_taken':
      return t.auth.emailTaken;
    case NETWORK_ERROR:
      return t.errors.network;
  }
  if (error.status === 429) {
    return error.retryAfter !== null ? t.auth.tooManyAttemptsIn(error.retryAfter) : t.auth.tooManyAttempts;
  }
  if (error.status === 422 || error.status === 400) {
    const labels: Record<string, string> = { email: t.auth.email, password: t.auth.password };
    const details = error.fields
      .map((field) => fieldErrorWords(field, labels[field.field] ?? field.field, t).sentence)
      .join(' ');
    return details !== '' ? details : error.message;
  }
  if (error.status >= 500) {
    return mode === 'signup' ? t.auth.signupServerError : t.auth.loginServerError;
  }
  return error.message;
}

/**
 * Words for any failed request shown in an error banner: the server's own message,
 * except where the client made the message up (no answer, an unreadable answer, an
 * error without a body), which is said again in the page's language.
 */
export function requestErrorMessage(error: unknown, t: Messages): string {
  if (!isApiError(error)) return t.errors.generic;
  if (error.code === NETWORK_ERROR) return t.errors.network;
  if (error.code === BAD_RESPONSE) return t.errors.badResponse;
  if (error.code === `http_${error.status}` || (error.code === 'internal' && error.status >= 500)) {
    return statusMessage(error.status, t);
  }
  const provider = t.providerErrors[error.code];
  if (provider !== undefined) {
    return error.detail !== null ? `${provider} ${t.detailIntro} ${t.quote(error.detail)}` : provider;
  }
  // A 422's fields, each said from its code (a form shows them under its fields itself).
  if (error.fields.length > 0) {
    return error.fields.map((field) => fieldErrorWords(field, field.field, t).sentence).join(' ');
  }
  return error.message;
}

/**
 * A server's words said in the page's language: `sentence` from the catalog when it
 * knows the code, else the server's English words (`translated` false, so the element
 * showing them says `lang="en"`); `detail` is someone else's words (a provider's),
 * shown apart and never translated.
 */
export interface ServerWords {
  sentence: string;
  translated: boolean;
  detail: string | null;
}

/** A field error of a 422 in words, `label` naming the field as the form shows it. */
export function fieldErrorWords(error: FieldError, label: string, t: Messages): ServerWords {
  const sentences: Partial<Record<string, Messages['fieldErrors'][keyof Messages['fieldErrors']]>> = t.fieldErrors;
  const sentence = sentences[error.code];
  if (sentence === undefined) return { sentence: error.message, translated: false, detail: null };
  return { sentence: sentence(label, error.params), translated: true, detail: error.params.detail ?? null };
}

/**
 * A connector's `last_error` in words: the catalog's sentence for its
 * `last_error_code` (with its count and next try), the provider's own words
 * (`last_error_detail`) as the detail, never the server's English sentence; the
 * server's words alone for `other` or an unknown code. `null` without an error.
 */
export function lastErrorWords(
  connector: Pick<Connector, 'last_error' | 'last_error_code' | 'last_error_detail' | 'last_error_params'>,
  t: Messages,
): ServerWords | null {
  if (connector.last_error === null) return null;
  const code = connector.last_error_code;
  if (code === null || code === 'other') return { sentence: connector.last_error, translated: false, detail: null };
  return { sentence: t.lastError[code](connector.last_error_params), translated: true, detail: connector.last_error_detail };
}

/** What the page says of an HTTP status the server did not explain. */
export function statusMessage(status: number, t: Messages): string {
  if (status === 401) return t.errors.notSignedIn;
  if (status === 403) return t.errors.forbidden;
  if (status === 404) return t.errors.notFound;
  if (status === 429) return t.errors.tooManyRequests;
  if (status >= 500) return t.errors.serverProblem;
  return t.errors.httpStatus(status);
}

/** A lifecycle event of a connector in words: "Reconnected", "Access renewed". */
export function activitySentence(event: Pick<LifecycleEvent, 'type' | 'data'>, t: Messages): string {
  const words = t.activity;
  switch (event.type) {
    case 'connection.connected':
      return event.data.reconnected === true ? words.reconnected : words.connected;
    case 'connection.refreshed':
      return words.refreshed;
    case 'connection.refresh_failed':
      return words.refreshFailed;
    case 'connection.recovered':
      return words.recovered;
    case 'connection.needs_reauth':
      return words.needsReauth;
    case 'connection.expiring':
      return words.expiring;
    case 'connection.revoked':
      return words.revoked;
    case 'tool.called':
      return words.toolCalled;
    default:
      return words.other(event.type);
  }
}
