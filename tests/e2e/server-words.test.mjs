// The server's words on the French page: field errors of a config form, a provider's
// refusal and a connector's last error are said from the codes the server sends (SPEC §9,
// issue 15), in French on a French page and in English on an English one. The real
// reference server, fake Google and Hostinger, headless Chromium; every wait has a
// deadline.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  apiFetch,
  axeViolations,
  byTestId,
  launchBrowser,
  pollUntil,
  screenshot,
  signUp,
  startFakeGoogle,
  startFakeHostinger,
  startServer,
  unexpectedProblems,
  waitForAttribute,
  waitForText,
  withPage,
  SCREENS_DIR,
} from './harness.mjs';

const GOOGLE = 'google_calendar';
const NARROW = { width: 375, height: 812 };

let google;
let hostinger;
let server;
let browser;

before(async () => {
  // Access tokens that are always about to expire, so every call refreshes; a one-second
  // first backoff, so three failed refreshes in a row take seconds, not minutes; no
  // background worker, so only the test's calls refresh.
  google = await startFakeGoogle({ accessTokenLifetime: 1 });
  hostinger = await startFakeHostinger();
  server = await startServer({
    name: 'server-words',
    env: {
      ...google.serverEnv(),
      ...hostinger.serverEnv(),
      REFRESH_RETRY_SECONDS: '1',
      BACKGROUND_REFRESH: 'false',
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await Promise.all([google?.stop(), hostinger?.stop()]);
});

/** The text and language of the error drawn under a form field (its aria-describedby). */
async function fieldError(input) {
  return input.evaluate((element) => {
    const ids = (element.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    const error = ids.map((id) => document.getElementById(id)).find((found) => found?.classList.contains('field__error'));
    if (!error) return null;
    return { text: error.textContent.trim(), lang: error.closest('[lang]')?.getAttribute('lang') ?? null };
  });
}

async function openSmtpFormWithBadFields(page) {
  await byTestId(page, 'connector-connect-smtp').click();
  await byTestId(page, 'connector-form-smtp').waitFor();
  const fieldOf = (name) => byTestId(page, `connector-field-smtp-${name}`);
  await fieldOf('host').fill('smtp://mail.example.com');
  await fieldOf('port').fill('587');
  await fieldOf('security').selectOption('starttls');
  await fieldOf('username').fill('donna');
  await fieldOf('password').fill('a-password');
  await fieldOf('from').fill('not an address');
  const [answer] = await Promise.all([
    page.waitForResponse((response) => response.url().includes('/api/v1/connectors/smtp/config')),
    byTestId(page, 'connector-save-smtp').click(),
  ]);
  assert.equal(answer.status(), 422, 'the server refuses the fields');
  const body = await answer.json();
  const codes = Object.fromEntries(body.error.fields.map((entry) => [entry.field, entry.code]));
  assert.deepEqual(codes, { host: 'invalid_format', from: 'invalid_format' }, JSON.stringify(body));
  return fieldOf;
}

async function connectGoogle(page) {
  await byTestId(page, `connector-connect-${GOOGLE}`).click();
  await page.waitForURL((url) => url.href.startsWith(google.authUrl));
  await byTestId(page, 'google-allow').click();
  await page.waitForURL(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=success`);
  await page.goto(`${server.baseUrl}/`);
  await waitForAttribute(byTestId(page, `connector-card-${GOOGLE}`), 'data-status', 'active');
}

/** Calls the Calendar route (which refreshes the always-expiring token) until the connector reaches `status`. */
async function useGoogleUntil(page, status) {
  return pollUntil(
    async () => {
      await apiFetch(page, `/api/v1/connectors/${GOOGLE}/events?limit=1`);
      const listed = await apiFetch(page, '/api/v1/connectors');
      const calendar = listed.body.find((connector) => connector.key === GOOGLE);
      return calendar.status === status ? calendar : null;
    },
    { interval: 250, message: `google_calendar to become ${status}` },
  );
}

/** The engine's English sentence is nowhere on the card, in any language. */
async function assertNoEngineWords(card, engineSentence) {
  const shown = await card.textContent();
  assert.ok(!shown.includes(engineSentence), `the engine’s sentence «${engineSentence}» is not shown: ${shown}`);
  assert.doesNotMatch(shown, /the provider (failed|refused)/);
}

describe('the server’s words in the page’s language', () => {
  test('a config form’s field errors are French on the French page and English on the English one', async () => {
    await withPage(
      browser,
      'words-smtp-fields',
      async (page) => {
        await signUp(page, server.baseUrl);
        const fieldOf = await openSmtpFormWithBadFields(page);

        const host = await pollUntil(() => fieldError(fieldOf('host')), { message: 'the error under the host' });
        assert.equal(
          host.text,
          'Le champ «\u00a0Hôte\u00a0» doit contenir le nom d’hôte seul, sans préfixe comme «\u00a0smtp://\u00a0».',
        );
        assert.equal(host.lang, 'fr', 'a French sentence, not marked as English');
        const from = await fieldError(fieldOf('from'));
        assert.match(from.text, /^Le champ «\u00a0Expéditeur\u00a0» doit contenir une adresse e-mail/);
        assert.equal(await fieldOf('port').getAttribute('aria-invalid'), 'false', 'only the refused fields are marked');
        await waitForText(byTestId(page, 'connector-form-error-smtp'), /Certains champs sont à corriger/);
        await screenshot(page, 'words-01-smtp-errors-fr-wide');
        assert.deepEqual(await axeViolations(page), [], 'no serious or critical axe violation on the French errors');
        await page.setViewportSize(NARROW);
        await screenshot(page, 'words-02-smtp-errors-fr-narrow');

        // The same refusal on the English page (the modal holds the focus, so the switch
        // is used with the form closed).
        await page.keyboard.press('Escape');
        await byTestId(page, 'connector-form-smtp').waitFor({ state: 'detached' });
        await byTestId(page, 'locale-switch').click();
        await waitForText(byTestId(page, 'connector-connect-smtp'), /Configure/);
        await openSmtpFormWithBadFields(page);
        const english = await pollUntil(() => fieldError(fieldOf('host')), { message: 'the host error in English' });
        assert.equal(english.text, 'Host must be the host name only, without a scheme such as “smtp://”.');
        assert.equal(english.lang, 'en');
        assert.match((await fieldError(fieldOf('from'))).text, /^From must be an email address/);
        await screenshot(page, 'words-03-smtp-errors-en-narrow');
        await page.setViewportSize({ width: 1280, height: 860 });
        await screenshot(page, 'words-04-smtp-errors-en-wide');
        assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '422 POST /api/v1/connectors/smtp/config']), []);
      },
      { locale: 'fr-FR' },
    );
  });

  test('a provider’s refusal is a French sentence quoting the provider’s own words', async () => {
    await withPage(
      browser,
      'words-hostinger-refusal',
      async (page) => {
        await signUp(page, server.baseUrl);
        await byTestId(page, 'connector-connect-hostinger').click();
        await byTestId(page, 'connector-form-hostinger').waitFor();
        await byTestId(page, 'connector-field-hostinger-api_token').fill('hst_not-the-right-token');
        await byTestId(page, 'connector-save-hostinger').click();
        const banner = byTestId(page, 'connector-form-error-hostinger');
        await waitForText(banner, /Le fournisseur a refusé ces identifiants/);
        assert.match(await banner.textContent(), /Détails\u00a0: «\u00a0Hostinger refused the API token/);
        assert.equal(await banner.getAttribute('lang'), null, 'a French sentence, not marked as English');
        await screenshot(page, 'words-05-hostinger-refused-fr');
        assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '422 POST /api/v1/connectors/hostinger/config']), []);
      },
      { locale: 'fr-FR' },
    );
  });

  test('a card in `error`, then in `needs_reauth`, says so in French, the provider’s words apart', async () => {
    await withPage(
      browser,
      'words-last-error',
      async (page) => {
        await signUp(page, server.baseUrl);
        await connectGoogle(page);
        const card = byTestId(page, `connector-card-${GOOGLE}`);

        // Three failed refreshes in a row (a provider outage): `error`.
        google.failRefreshes(503);
        const failing = await useGoogleUntil(page, 'error');
        assert.equal(failing.last_error_code, 'refresh_failing');
        assert.equal(failing.last_error_detail, 'backend_error', 'Google’s own error code, apart');
        assert.equal(failing.last_error_params.attempts, 3);
        assert.match(failing.last_error, /^the provider failed to refresh the token/, 'the English sentence is still sent');
        await page.reload();
        await waitForAttribute(card, 'data-status', 'error');
        await waitForText(card.locator('.card__sentence'), /^L’accès n’a pas pu être renouvelé 3\u00a0fois de suite\. Le serveur réessaiera (à|le)\u00a0/);
        assert.equal(await card.locator('.card__sentence').getAttribute('lang'), null);
        const words = byTestId(page, `connector-provider-words-${GOOGLE}`);
        await waitForText(words, /^Réponse de Google, non traduite\u00a0:/);
        assert.equal(await words.locator('.card__quoted').textContent(), 'backend_error');
        assert.equal(await words.locator('.card__quoted').getAttribute('lang'), 'en', 'the provider’s words are marked English');
        await assertNoEngineWords(card, failing.last_error);
        await screenshot(page, 'words-06-card-error-fr-wide');
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-06b-card-error-fr-wide-close.png') });
        assert.deepEqual(await axeViolations(page), [], 'no serious or critical axe violation on the French `error` card');
        await page.setViewportSize(NARROW);
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-06c-card-error-fr-narrow-close.png') });
        await byTestId(page, 'locale-switch').click();
        await waitForText(card.locator('.card__sentence'), /^Access could not be renewed 3 times in a row\. The server tries again (at|on)\u00a0/);
        await waitForText(words, /^Google’s own words:/);
        assert.equal(await words.locator('.card__quoted').getAttribute('lang'), null);
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-06d-card-error-en-narrow-close.png') });
        assert.deepEqual(await axeViolations(page), [], 'no serious or critical axe violation on the English `error` card');
        await page.setViewportSize({ width: 1280, height: 860 });
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-06e-card-error-en-wide-close.png') });
        await byTestId(page, 'locale-switch').click();
        await waitForText(card.locator('.card__sentence'), /^L’accès n’a pas pu être renouvelé/);

        // The grant is revoked at Google: `needs_reauth`, with Google's reason.
        google.failRefreshes(null);
        google.revokeAllGrants();
        const refused = await useGoogleUntil(page, 'needs_reauth');
        assert.equal(refused.last_error_code, 'needs_reauth');
        await page.reload();
        await waitForAttribute(card, 'data-status', 'needs_reauth');
        assert.equal(refused.last_error_detail, 'Token has been expired or revoked.');
        await waitForText(card.locator('.card__sentence'), /L’accès a expiré ou a été révoqué chez le fournisseur/);
        await waitForText(words, /^Réponse de Google, non traduite\u00a0:/);
        await waitForText(words.locator('.card__quoted'), 'Token has been expired or revoked.');
        await assertNoEngineWords(card, failing.last_error);
        await screenshot(page, 'words-07-card-needs-reauth-fr-wide');
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-07b-card-needs-reauth-fr-wide-close.png') });
        assert.deepEqual(await axeViolations(page), [], 'no serious or critical axe violation on the French card');
        await page.setViewportSize(NARROW);
        await screenshot(page, 'words-08-card-needs-reauth-fr-narrow');
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-08b-card-needs-reauth-fr-narrow-close.png') });

        await byTestId(page, 'locale-switch').click();
        await waitForText(card.locator('.card__sentence'), /Access has expired or was revoked at the provider/);
        await waitForText(words, /^Google’s own words:/);
        await screenshot(page, 'words-09-card-needs-reauth-en-narrow');
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-09b-card-needs-reauth-en-narrow-close.png') });
        assert.deepEqual(await axeViolations(page), [], 'no serious or critical axe violation on the English card');
        await page.setViewportSize({ width: 1280, height: 860 });
        await card.screenshot({ path: path.join(SCREENS_DIR, 'words-09c-card-needs-reauth-en-wide-close.png') });

        // An events window that ends before it starts: a code and the other field, for a
        // page (the orb's transcript) to say it in its own language.
        const range = await apiFetch(page, `/api/v1/connectors/${GOOGLE}/events?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`);
        assert.equal(range.status, 422);
        assert.deepEqual(
          range.body.error.fields.map(({ field, code, params }) => ({ field, code, params })),
          [{ field: 'to', code: 'must_be_after', params: { other: 'from' } }],
          JSON.stringify(range.body),
        );
        assert.deepEqual(
          unexpectedProblems(page, [
            '401 GET /api/v1/auth/me',
            /^503 GET \/api\/v1\/connectors\/google_calendar\/events/,
            /^409 GET \/api\/v1\/connectors\/google_calendar\/events/,
            /^422 GET \/api\/v1\/connectors\/google_calendar\/events/,
          ]),
          [],
        );
      },
      { locale: 'fr-FR' },
    );
  });
});
