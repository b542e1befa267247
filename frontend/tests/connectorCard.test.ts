// A connector card in `error` and `needs_reauth`, drawn to HTML: the page's own words
// come from the catalog of the language shown, the provider's own words are quoted and
// said to be theirs, and the engine's English sentence (`last_error`) never shows.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';

import type { Connector } from '../src/api';
import { ConnectorCard } from '../src/components/ConnectorCard';
import { setLocale, type Locale } from '../src/i18n';
import { connector } from './fixtures';

const FAILING = 'the provider failed to refresh the token (backend_error)';
const REVOKED = 'Token has been expired or revoked.';

/** The card's HTML, drawn in `locale`. */
function draw(card: Connector, locale: Locale): string {
  setLocale(locale);
  return renderToStaticMarkup(
    createElement(ConnectorCard, { connector: card, busy: null, error: null, onConnect: () => {}, onDisconnect: () => {} }),
  );
}

/** The opening tag and the inner HTML of the first `<tag>` whose opening tag matches `attribute`. */
function element(html: string, tag: string, attribute: string): { open: string; inner: string } | null {
  const found = new RegExp(`(<${tag}\\b[^>]*${attribute}[^>]*>)(.*?)</${tag}>`, 's').exec(html);
  return found === null ? null : { open: found[1] ?? '', inner: found[2] ?? '' };
}

/** Text without tags (React escapes only `&<>"'`, none of which these sentences hold). */
function text(html: string): string {
  return html.replace(/<[^>]*>/g, '');
}

const failing = connector({
  connected: true,
  status: 'error',
  last_error: FAILING,
  last_error_code: 'refresh_failing',
  last_error_detail: 'backend_error',
  last_error_params: { attempts: 3, retry_at: '2030-01-15T17:05:00Z' },
});

const refused = connector({
  connected: true,
  status: 'needs_reauth',
  last_error: REVOKED,
  last_error_code: 'needs_reauth',
  last_error_detail: REVOKED,
});

describe('a connector card’s last error', () => {
  afterEach(() => setLocale('en'));

  it('is French on a French page, with Google’s own words quoted as theirs', () => {
    const card = draw(failing, 'fr');
    const sentence = element(card, 'p', 'class="card__sentence"');
    expect(text(sentence?.inner ?? '')).toMatch(/^L’accès n’a pas pu être renouvelé 3\u00a0fois de suite\. Le serveur réessaiera le\u00a0/);
    expect(sentence?.open).not.toContain('lang=');
    const words = element(card, 'p', 'data-testid="connector-provider-words-google_calendar"');
    expect(text(words?.inner ?? '')).toBe('Réponse de Google, non traduite\u00a0: «\u00a0backend_error\u00a0»');
    expect(element(words?.inner ?? '', 'span', 'class="card__quoted"')?.open).toBe('<span class="card__quoted" lang="en">');
    expect(text(card)).not.toContain('the provider failed');
  });

  it('says a refused grant in French without the engine’s sentence', () => {
    const card = draw(refused, 'fr');
    expect(text(element(card, 'p', 'class="card__sentence"')?.inner ?? '')).toBe(
      'L’accès a expiré ou a été révoqué chez le fournisseur. Reconnectez-le pour continuer à l’utiliser.',
    );
    expect(element(card, 'span', 'class="card__quoted"')?.inner).toBe(REVOKED);
    expect(card.match(/card__quoted/g)).toHaveLength(1);
  });

  it('is English on an English page, the quote not marked as another language', () => {
    const card = draw(failing, 'en');
    expect(text(element(card, 'p', 'class="card__sentence"')?.inner ?? '')).toMatch(/^Access could not be renewed 3 times in a row\./);
    const words = element(card, 'p', 'data-testid="connector-provider-words-google_calendar"');
    expect(text(words?.inner ?? '')).toBe('Google’s own words: “backend_error”');
    expect(element(words?.inner ?? '', 'span', 'class="card__quoted"')?.open).toBe('<span class="card__quoted">');
    expect(text(card)).not.toContain(FAILING);
  });

  it('quotes nothing when the provider gave no words of its own', () => {
    const card = draw({ ...failing, last_error_detail: null }, 'fr');
    expect(card).not.toContain('card__quoted');
    expect(text(card)).not.toContain('the provider failed');
  });
});
