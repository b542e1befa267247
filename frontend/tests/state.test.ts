import { describe, expect, it } from 'vitest';

import { ApiError } from '../src/api';
import { en, fr } from '../src/i18n';
import {
  activitySentence,
  authErrorMessage,
  callbackReasonMessage,
  canDisconnect,
  connectLabel,
  displayStatus,
  expirySentence,
  isKnownCallbackReason,
  parseCallbackRoute,
  statusSentence,
} from '../src/state';
import { connector } from './fixtures';

describe('displayStatus', () => {
  it.each([
    [{ configured: false, connected: true, status: 'active' }, 'not-configured'],
    [{ configured: true, connected: true, status: 'active' }, 'active'],
    [{ configured: true, connected: false, status: 'active' }, 'disconnected'],
    [{ configured: true, connected: true, status: 'needs_reauth' }, 'needs_reauth'],
    [{ configured: true, connected: false, status: 'needs_reauth' }, 'needs_reauth'],
    [{ configured: true, connected: true, status: 'error' }, 'error'],
    [{ configured: true, connected: false, status: 'inactive' }, 'disconnected'],
  ] as const)('maps %j to %s', (fields, expected) => {
    expect(displayStatus(fields)).toBe(expected);
  });
});

describe('card words', () => {
  it('offers to disconnect only a connected connector', () => {
    expect(canDisconnect(connector({ connected: true, status: 'active' }))).toBe(true);
    expect(canDisconnect(connector({ connected: false, status: 'inactive' }))).toBe(false);
  });

  it('labels the main button by kind and state', () => {
    expect(connectLabel(connector(), en)).toBe('Connect');
    expect(connectLabel(connector({ status: 'needs_reauth', connected: true }), en)).toBe('Reconnect');
    expect(connectLabel(connector({ kind: 'config' }), en)).toBe('Configure');
    expect(connectLabel(connector({ kind: 'config', connected: true, status: 'active' }), en)).toBe('Edit settings');
  });

  it('says why an OAuth connector is unusable without server credentials', () => {
    expect(statusSentence(connector({ configured: false }), en)).toContain('Google client ID');
  });

  it('shows the last error of a failing connector', () => {
    expect(statusSentence(connector({ status: 'error', last_error: 'Token endpoint said 500.' }), en)).toBe(
      'Token endpoint said 500.',
    );
  });
});

describe('expirySentence', () => {
  const now = new Date('2025-11-24T12:00:00Z');

  it('counts down to a future expiry', () => {
    expect(expirySentence('2025-11-24T12:45:00Z', 'en', now)).toBe('Expires in 45 minutes');
    expect(expirySentence('2025-11-24T15:00:00Z', 'en', now)).toBe('Expires in 3 hours');
    expect(expirySentence('2025-11-26T12:00:00Z', 'en', now)).toBe('Expires in 2 days');
  });

  it('says when an expiry has passed', () => {
    expect(expirySentence('2025-11-24T10:00:00Z', 'en', now)).toBe('Expired 2 hours ago');
  });

  it('has nothing to say without a valid date', () => {
    expect(expirySentence(null, 'en', now)).toBeNull();
    expect(expirySentence('soon', 'en', now)).toBeNull();
  });
});

describe('callback reasons', () => {
  const codes = [
    'access_denied',
    'invalid_state',
    'expired_state',
    'state_mismatch',
    'missing_state',
    'not_authenticated',
    'invalid_grant',
    'provider_unavailable',
    'provider_timeout',
    'exchange_failed',
    'scope_denied',
    'provider_error',
    'missing_code',
    'issuer_mismatch',
  ];

  it('has its own sentence for every code the server sends', () => {
    const sentences = codes.map((code) => callbackReasonMessage(code, en));
    expect(new Set(sentences).size).toBe(codes.length);
    for (const [index, sentence] of sentences.entries()) {
      expect(isKnownCallbackReason(codes[index] ?? null)).toBe(true);
      expect(sentence).toMatch(/^[A-Z].*\.$/);
      expect(sentence).not.toContain('_');
    }
  });

  it('names an unknown code in a generic sentence', () => {
    expect(isKnownCallbackReason('quantum_flux')).toBe(false);
    expect(callbackReasonMessage('quantum_flux', en)).toBe('The connection could not be completed (reason: quantum_flux).');
    expect(callbackReasonMessage(null, en)).toMatch(/no reason/);
  });
});

describe('parseCallbackRoute', () => {
  it('reads the key, status and reason', () => {
    expect(parseCallbackRoute('/connectors/callback/google_calendar', '?status=error&reason=access_denied')).toEqual({
      key: 'google_calendar',
      status: 'error',
      reason: 'access_denied',
    });
    expect(parseCallbackRoute('/connectors/callback/slack/', '?status=success')).toEqual({
      key: 'slack',
      status: 'success',
      reason: null,
    });
  });

  it('treats a missing or odd status as an error', () => {
    expect(parseCallbackRoute('/connectors/callback/slack', '')?.status).toBe('error');
  });

  it('matches no other path', () => {
    expect(parseCallbackRoute('/', '')).toBeNull();
    expect(parseCallbackRoute('/connectors/callback/', '')).toBeNull();
    expect(parseCallbackRoute('/connectors/callback/a/b', '')).toBeNull();
    expect(parseCallbackRoute('/connectors/callback/%E0%A4%A', '')).toBeNull();
  });
});

describe('authErrorMessage', () => {
  it('explains refused credentials and taken emails', () => {
    expect(authErrorMessage(new ApiError(401, 'invalid_credentials', 'x'), 'login', en)).toMatch(/do not match/);
    expect(authErrorMessage(new ApiError(409, 'email_taken', 'x'), 'signup', en)).toMatch(/already exists/);
  });

  it('tells how long to wait when rate limited', () => {
    expect(authErrorMessage(new ApiError(429, 'rate_limited', 'x', [], 42), 'login', en)).toBe(
      'Too many attempts. Try again in 42 seconds.',
    );
    expect(authErrorMessage(new ApiError(429, 'rate_limited', 'x', [], 120), 'login', en)).toBe(
      'Too many attempts. Try again in 2 minutes.',
    );
  });

  it('shows validation details', () => {
    const error = new ApiError(422, 'validation_failed', 'Invalid.', [
      { field: 'password', code: 'invalid', message: 'The password needs at least 8 characters.', params: {} },
    ]);
    expect(authErrorMessage(error, 'signup', en)).toBe('The password needs at least 8 characters.');
  });

  it('keeps server failures generic', () => {
    expect(authErrorMessage(new ApiError(500, 'internal', 'stack trace here'), 'login', en)).not.toContain('stack');
    expect(authErrorMessage(new Error('boom'), 'login', en)).toBe('Something went wrong. Try again.');
  });
});

describe('activitySentence', () => {
  it('tells a first connection from a reconnection, in both languages', () => {
    expect(activitySentence({ type: 'connection.connected', data: { reconnected: false } }, en)).toBe('Connected');
    expect(activitySentence({ type: 'connection.connected', data: { reconnected: true } }, en)).toBe('Reconnected');
    expect(activitySentence({ type: 'connection.connected', data: { reconnected: true } }, fr)).toBe('Reconnecté');
  });

  it('names every lifecycle event type, and an unknown one by its type', () => {
    expect(activitySentence({ type: 'connection.needs_reauth', data: { reason: 'x' } }, en)).toBe(
      'Access refused by the provider',
    );
    expect(activitySentence({ type: 'connection.revoked', data: {} }, fr)).toBe('Déconnecté');
    expect(activitySentence({ type: 'connection.future', data: {} }, en)).toBe('Event connection.future');
  });
});
