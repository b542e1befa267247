// Browser journeys of the dashboard: the real reference server, fake Google / Hostinger /
// Twilio / OpenAI, headless Chromium. Every wait has a deadline; none is a fixed sleep.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  GOOGLE_CALENDAR_SCOPE,
  GOOGLE_ISSUER,
  apiFetch,
  byTestId,
  launchBrowser,
  pollUntil,
  recordResponses,
  screenshot,
  signUp,
  startFakeGoogle,
  startFakeHostinger,
  startFakeOpenAI,
  startFakeTwilio,
  startServer,
  unexpectedProblems,
  waitForAttribute,
  waitForText,
  withPage,
} from './harness.mjs';

const GOOGLE = 'google_calendar';

let google;
let hostinger;
let twilio;
let openai;
let server;
let browser;

before(async () => {
  google = await startFakeGoogle({ email: 'ada.lovelace@example.com' });
  hostinger = await startFakeHostinger();
  twilio = await startFakeTwilio();
  openai = await startFakeOpenAI();
  server = await startServer({
    name: 'dashboard',
    env: {
      ...google.serverEnv(),
      ...hostinger.serverEnv(),
      ...twilio.serverEnv(),
      ...openai.serverEnv(),
      REALTIME_CALLS_URL: `${openai.url}/v1/realtime/calls`,
      // Strict: nothing secret may show even at debug level.
      RUST_LOG: 'debug',
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await Promise.all([google?.stop(), hostinger?.stop(), twilio?.stop(), openai?.stop()]);
});

/** `GET /api/v1/connectors` with the page's session. */
async function listConnectors(page) {
  const answer = await apiFetch(page, '/api/v1/connectors');
  assert.equal(answer.status, 200, `GET /api/v1/connectors: ${JSON.stringify(answer.body)}`);
  assert.ok(Array.isArray(answer.body), 'the connector list is an array');
  return answer.body;
}

function card(page, key) {
  return byTestId(page, `connector-card-${key}`);
}

/** What the card of a connector from the API must say (SPEC §9). */
function expectedCardStatus(connector) {
  if (!connector.configured) return 'not-configured';
  if (connector.connected && connector.status === 'active') return 'active';
  if (connector.status === 'needs_reauth' || connector.status === 'error') return connector.status;
  return 'disconnected';
}

/** Runs the consent screen: from the grid's Connect button to the fake Google's page. */
async function openGoogleConsent(page) {
  await byTestId(page, `connector-connect-${GOOGLE}`).click();
  await page.waitForURL((url) => url.href.startsWith(google.authUrl));
  await byTestId(page, 'google-allow').waitFor();
  return new URL(page.url());
}

/** The aria-describedby error message drawn inside the same `.field` as the input. */
async function fieldErrorNextTo(input) {
  return input.evaluate((element) => {
    const ids = (element.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    const error = ids.map((id) => document.getElementById(id)).find((found) => found?.classList.contains('field__error'));
    if (!error || error.closest('.field') !== element.closest('.field')) return null;
    return error.textContent.trim();
  });
}

describe('dashboard', () => {
  test('a. sign up, connect Google Calendar through the consent screen, then disconnect it', async () => {
    await withPage(browser, 'a-google', async (page) => {
      const { email } = await signUp(page, server.baseUrl);

      // The grid shows one card per connector of the API, each in the state the API gives.
      const before = await listConnectors(page);
      assert.ok(before.some((connector) => connector.key === GOOGLE), 'the server offers google_calendar');
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');
      for (const connector of before) {
        await waitForAttribute(card(page, connector.key), 'data-status', expectedCardStatus(connector));
      }
      assert.equal(await page.locator('[data-testid^="connector-card-"]').count(), before.length, 'one card per connector');
      await screenshot(page, '02-grid-before-connect');

      // Connect: the browser goes to (fake) Google with what SPEC §5 and RFC 9700 ask.
      const tokenCallsBefore = google.callsTo('/token', 'POST').length;
      const authorize = await openGoogleConsent(page);
      const q = authorize.searchParams;
      const redirectUri = `${server.baseUrl}/api/v1/connectors/${GOOGLE}/callback`;
      assert.equal(q.get('client_id'), google.clientId);
      assert.equal(q.get('redirect_uri'), redirectUri);
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('scope'), GOOGLE_CALENDAR_SCOPE);
      assert.equal(q.get('access_type'), 'offline');
      assert.equal(q.get('prompt'), 'consent');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.ok((q.get('state') ?? '').length >= 22, 'state carries at least 128 bits');
      await waitForText(byTestId(page, 'google-scope'), GOOGLE_CALENDAR_SCOPE);
      await screenshot(page, '03-google-consent');

      // Allow: Google → the server's callback → the dashboard's callback page.
      await byTestId(page, 'google-allow').click();
      await page.waitForURL(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=success`);
      await waitForAttribute(byTestId(page, 'callback-outcome'), 'data-outcome', 'success');
      await waitForText(byTestId(page, 'callback-outcome'), 'Google Calendar is connected');
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
      await screenshot(page, '04-callback-success');

      // The server redeemed the code once, with the same redirect URI and a PKCE verifier.
      const tokenCalls = google.callsTo('/token', 'POST').slice(tokenCallsBefore);
      assert.equal(tokenCalls.length, 1, 'one call to the token endpoint');
      assert.equal(tokenCalls[0].form.grant_type, 'authorization_code');
      assert.equal(tokenCalls[0].form.redirect_uri, redirectUri, 'redirect_uri byte-identical to the authorization request');
      assert.match(tokenCalls[0].form.code_verifier ?? '', /^[A-Za-z0-9._~-]{43,128}$/);
      const refreshToken = google.issued.refreshTokens.at(-1);
      const accessToken = google.issued.accessTokens.at(-1);

      // Back on the grid: the card is active and names the account.
      await byTestId(page, 'callback-back').click();
      await page.waitForURL(`${server.baseUrl}/`);
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
      await waitForText(card(page, GOOGLE), /Connected as\s*ada\.lovelace@example\.com/);
      await waitForText(byTestId(page, `connector-status-${GOOGLE}`), 'Connected');
      await byTestId(page, `connector-disconnect-${GOOGLE}`).waitFor();
      await screenshot(page, '05-grid-after-connect');

      // The API agrees, and never hands out a token.
      const connected = (await listConnectors(page)).find((connector) => connector.key === GOOGLE);
      assert.equal(connected.connected, true);
      assert.equal(connected.status, 'active');
      assert.ok(connected.scopes.includes(GOOGLE_CALENDAR_SCOPE), `scopes: ${JSON.stringify(connected.scopes)}`);
      const listText = JSON.stringify(await apiFetch(page, '/api/v1/connectors'));
      assert.ok(!listText.includes(accessToken) && !listText.includes(refreshToken), 'tokens never returned');

      // The connection works: the events come from the (fake) Calendar API.
      const events = await apiFetch(page, `/api/v1/connectors/${GOOGLE}/events?limit=5`);
      assert.equal(events.status, 200, JSON.stringify(events.body));
      assert.ok(JSON.stringify(events.body).includes('Design review'), JSON.stringify(events.body));

      // Disconnect, through the confirmation dialog.
      const revokesBefore = google.callsTo('/revoke', 'POST').length;
      await byTestId(page, `connector-disconnect-${GOOGLE}`).click();
      await byTestId(page, 'confirm-disconnect').waitFor();
      await waitForText(page.locator('dialog[open]'), 'Disconnect Google Calendar?');
      await screenshot(page, '06-disconnect-dialog');
      await byTestId(page, 'confirm-disconnect').click();
      await byTestId(page, 'confirm-disconnect').waitFor({ state: 'detached' });
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');
      await byTestId(page, `connector-disconnect-${GOOGLE}`).waitFor({ state: 'detached' });
      await screenshot(page, '07-grid-after-disconnect');

      // Google was asked, once, to revoke this grant (the refresh token kills it whole).
      const revokes = await pollUntil(() => {
        const calls = google.callsTo('/revoke', 'POST').slice(revokesBefore);
        return calls.length >= 1 && calls;
      }, { message: 'a call to the revoke endpoint' });
      assert.equal(revokes.length, 1, 'exactly one revoke call');
      assert.ok([refreshToken, accessToken].includes(revokes[0].form?.token), 'the revoked token is the one issued');
      assert.equal(revokes[0].headers.authorization, undefined, 'Google revocation takes no client auth');

      const disconnected = (await listConnectors(page)).find((connector) => connector.key === GOOGLE);
      assert.equal(disconnected.connected, false);
      assert.equal(disconnected.status, 'inactive');
      assert.equal(email, (await apiFetch(page, '/api/v1/auth/me')).body.user.email);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('b. a config connector (Hostinger) refuses a bad token next to its field, then saves a good one', async (t) => {
    await withPage(browser, 'b-hostinger', async (page) => {
      await signUp(page, server.baseUrl);
      const listed = (await listConnectors(page)).find((connector) => connector.key === 'hostinger');
      if (listed === undefined) {
        t.skip('the server has no hostinger connector yet (SPEC §5: hostinger {api_token})');
        return;
      }
      assert.equal(listed.kind, 'config');
      await waitForAttribute(card(page, 'hostinger'), 'data-status', 'disconnected');

      await byTestId(page, 'connector-connect-hostinger').click();
      const form = byTestId(page, 'connector-form-hostinger');
      await form.waitFor();
      const field = byTestId(page, 'connector-field-hostinger-api_token');
      assert.equal(await field.getAttribute('type'), 'password', 'the token is typed like a password');

      // 1. A malformed token (a space pasted in): the server's schema check answers 422
      //    naming api_token, before any call to Hostinger.
      const callsBefore = hostinger.calls.length;
      await field.fill('hst_pasted with a space');
      const [malformed] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/api/v1/connectors/hostinger/config')),
        byTestId(page, 'connector-save-hostinger').click(),
      ]);
      assert.equal(malformed.status(), 422, 'a malformed token is a 422');
      const malformedBody = await malformed.json();
      assert.ok(
        malformedBody.error?.fields?.some((entry) => entry.field === 'api_token'),
        `the 422 names api_token: ${JSON.stringify(malformedBody)}`,
      );
      await waitForAttribute(field, 'aria-invalid', 'true');
      const message = await pollUntil(() => fieldErrorNextTo(field), { message: 'the error message next to api_token' });
      assert.ok(message.length > 5, `a message in words: ${message}`);
      assert.ok(!message.includes('pasted with a space'), 'the error never echoes the secret');
      assert.equal(hostinger.calls.length, callsBefore, 'nothing was sent to Hostinger');
      await screenshot(page, '08-config-form-error');

      // 2. A well-formed token Hostinger refuses (401): the server verified it and says so
      //    with a 4xx the form shows — next to the field or above the form — never a 500.
      await field.fill('hst_wellformed_but_revoked');
      await waitForAttribute(field, 'aria-invalid', 'false');
      const [refused] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/api/v1/connectors/hostinger/config')),
        byTestId(page, 'connector-save-hostinger').click(),
      ]);
      const verification = hostinger.calls.slice(callsBefore).find((call) => call.path === '/api/billing/v1/subscriptions');
      assert.ok(verification, 'the server verified the token with Hostinger');
      assert.equal(verification.headers.authorization, 'Bearer hst_wellformed_but_revoked');
      const refusedText = await refused.text();
      assert.equal(refused.status(), 422, `a refused token is a 422 (got ${refused.status()} ${refusedText})`);
      assert.ok(!refusedText.includes('hst_wellformed_but_revoked'), 'the answer never echoes the token');
      const shown = await pollUntil(
        async () =>
          (await fieldErrorNextTo(field)) ??
          (await byTestId(page, 'connector-form-error-hostinger').textContent({ timeout: 100 }).catch(() => null)),
        { message: 'the refusal shown in the form' },
      );
      assert.match(shown, /hostinger|token|refused|rejected/i, `the refusal says what is wrong: ${shown}`);
      await waitForAttribute(card(page, 'hostinger'), 'data-status', 'disconnected');
      await screenshot(page, '08b-config-form-refused');

      // The good token: saved, the dialog closes, the card is active.
      await field.fill(hostinger.goodToken);
      await waitForAttribute(field, 'aria-invalid', 'false');
      await byTestId(page, 'connector-save-hostinger').click();
      await form.waitFor({ state: 'detached' });
      await waitForAttribute(card(page, 'hostinger'), 'data-status', 'active');
      await screenshot(page, '09-grid-config-active');

      // The card's recent activity says what happened, in the language shown.
      const activity = byTestId(page, 'connector-activity-hostinger');
      await waitForText(activity, 'Connected');
      await byTestId(page, 'locale-switch').click();
      await waitForText(activity, 'Connecté');
      await byTestId(page, 'locale-switch').click();
      await waitForText(activity, 'Recent activity');

      const saved = (await listConnectors(page)).find((connector) => connector.key === 'hostinger');
      assert.equal(saved.connected, true);
      assert.equal(saved.status, 'active');
      assert.ok(saved.secret_fields?.includes('api_token'), `secret_fields: ${JSON.stringify(saved.secret_fields)}`);
      const listText = JSON.stringify(await apiFetch(page, '/api/v1/connectors'));
      assert.ok(!listText.includes(hostinger.goodToken), 'the saved token is never returned');
      assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '422 POST /api/v1/connectors/hostinger/config']), []);
    });
  });

  test('b2. Twilio: a malformed Account SID is refused on its field, then the API-key variant connects', async (t) => {
    await withPage(browser, 'b2-twilio', async (page) => {
      await signUp(page, server.baseUrl);
      const listed = (await listConnectors(page)).find((connector) => connector.key === 'twilio');
      if (listed === undefined) {
        t.skip('the server has no twilio connector yet (SPEC §5: twilio {account_sid, auth_token} or {account_sid, api_key_sid, api_key_secret})');
        return;
      }
      await waitForAttribute(card(page, 'twilio'), 'data-status', 'disconnected');
      await byTestId(page, 'connector-connect-twilio').click();
      const form = byTestId(page, 'connector-form-twilio');
      await form.waitFor();
      const fieldOf = (name) => byTestId(page, `connector-field-twilio-${name}`);

      // The form offers both credentials of SPEC §5 as variants; find each by its fields.
      const variants = page.locator('[data-testid^="connector-variant-twilio-"]');
      const count = await variants.count();
      assert.ok(count >= 2, `two credential variants (auth token, API key), found ${count}`);
      const variantWith = async (name) => {
        for (let index = 0; index < count; index += 1) {
          await byTestId(page, `connector-variant-twilio-${index}`).check();
          if ((await fieldOf(name).count()) > 0) return index;
        }
        throw new Error(`no variant shows the ${name} field`);
      };
      const tokenVariant = await variantWith('auth_token');
      const keyVariant = await variantWith('api_key_sid');
      assert.notEqual(tokenVariant, keyVariant);

      // 1. Auth-token variant with a malformed SID: 422 on account_sid, nothing sent to Twilio.
      await byTestId(page, `connector-variant-twilio-${tokenVariant}`).check();
      const callsBefore = twilio.calls.length;
      await fieldOf('account_sid').fill('AC123');
      await fieldOf('auth_token').fill(twilio.authToken);
      const [malformed] = await Promise.all([
        page.waitForResponse((response) => response.url().endsWith('/api/v1/connectors/twilio/config')),
        byTestId(page, 'connector-save-twilio').click(),
      ]);
      assert.equal(malformed.status(), 422);
      await waitForAttribute(fieldOf('account_sid'), 'aria-invalid', 'true');
      const message = await pollUntil(() => fieldErrorNextTo(fieldOf('account_sid')), { message: 'the error next to account_sid' });
      assert.match(message, /AC|SID|34|hex/i, `the message says what an Account SID looks like: ${message}`);
      assert.equal(await fieldOf('auth_token').getAttribute('aria-invalid'), 'false', 'only the bad field is marked');
      assert.equal(twilio.calls.length, callsBefore, 'nothing was sent to Twilio');

      // 2. The API-key variant with good credentials: verified with Basic key:secret, active.
      await byTestId(page, `connector-variant-twilio-${keyVariant}`).check();
      await fieldOf('account_sid').fill(twilio.accountSid);
      await fieldOf('api_key_sid').fill(twilio.apiKeySid);
      await fieldOf('api_key_secret').fill(twilio.apiKeySecret);
      assert.equal(await fieldOf('auth_token').count(), 0, 'the auth token field is gone in the API-key variant');
      await byTestId(page, 'connector-save-twilio').click();
      await form.waitFor({ state: 'detached' });
      await waitForAttribute(card(page, 'twilio'), 'data-status', 'active');
      const verification = twilio.calls.slice(callsBefore).at(-1);
      assert.equal(verification.path, `/2010-04-01/Accounts/${twilio.accountSid}/IncomingPhoneNumbers.json`);
      assert.equal(
        verification.headers.authorization,
        `Basic ${Buffer.from(`${twilio.apiKeySid}:${twilio.apiKeySecret}`).toString('base64')}`,
      );

      const saved = (await listConnectors(page)).find((connector) => connector.key === 'twilio');
      assert.equal(saved.connected, true);
      const listText = JSON.stringify(await apiFetch(page, '/api/v1/connectors'));
      assert.ok(!listText.includes(twilio.apiKeySecret), 'the key secret is never returned');

      // Editing again: the saved variant is preselected, the secret is not shown back.
      await byTestId(page, 'connector-connect-twilio').click();
      await form.waitFor();
      assert.equal(await byTestId(page, `connector-variant-twilio-${keyVariant}`).isChecked(), true, 'the saved variant is preselected');
      assert.equal(await fieldOf('account_sid').inputValue(), twilio.accountSid, 'the non-secret SID is shown');
      assert.equal(await fieldOf('api_key_secret').inputValue(), '', 'the secret is never filled back');
      await screenshot(page, '09b-twilio-edit');
      assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '422 POST /api/v1/connectors/twilio/config']), []);
    });
  });

  test('b3. the SMTP form lists its fields in the order people fill them in (SPEC §5)', async (t) => {
    await withPage(browser, 'b3-smtp', async (page) => {
      await signUp(page, server.baseUrl);
      const listed = (await listConnectors(page)).find((connector) => connector.key === 'smtp');
      if (listed === undefined) {
        t.skip('the server has no smtp connector yet');
        return;
      }
      await byTestId(page, 'connector-connect-smtp').click();
      await byTestId(page, 'connector-form-smtp').waitFor();
      const order = await page
        .locator('[data-testid^="connector-field-smtp-"]')
        .evaluateAll((elements) => elements.map((element) => element.dataset.testid.replace('connector-field-smtp-', '')));
      assert.deepEqual(order, ['host', 'port', 'security', 'username', 'password', 'from']);
      // Security is a choice of the three values, and the password is typed like one.
      assert.equal(await byTestId(page, 'connector-field-smtp-security').evaluate((element) => element.tagName), 'SELECT');
      assert.equal(await byTestId(page, 'connector-field-smtp-password').getAttribute('type'), 'password');
      await screenshot(page, '09c-smtp-form');
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('c. denying consent shows the reason in words and a working retry', async () => {
    await withPage(browser, 'c-deny', async (page) => {
      await signUp(page, server.baseUrl);
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');
      const tokenCallsBefore = google.callsTo('/token', 'POST').length;

      await openGoogleConsent(page);
      await byTestId(page, 'google-deny').click();
      await page.waitForURL(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=error&reason=access_denied`);
      await waitForAttribute(byTestId(page, 'callback-outcome'), 'data-outcome', 'error');
      await waitForText(byTestId(page, 'callback-outcome'), 'Google Calendar could not be connected');
      const reason = byTestId(page, 'callback-reason');
      await waitForText(reason, /declined access/i);
      assert.notEqual((await reason.innerText()).trim(), 'access_denied', 'the reason is in words, not a code');
      const retry = byTestId(page, 'callback-retry');
      await retry.waitFor();
      assert.equal(await retry.isEnabled(), true);
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');
      await screenshot(page, '10-callback-error');

      // Nothing was exchanged or stored.
      assert.equal(google.callsTo('/token', 'POST').length, tokenCallsBefore, 'no token request after a denial');
      const listed = (await listConnectors(page)).find((connector) => connector.key === GOOGLE);
      assert.equal(listed.connected, false);

      // Retry starts a new flow: back on the consent screen with a new state.
      const firstState = google.callsTo('/o/oauth2/v2/auth', 'GET').at(-1).query.state;
      await retry.click();
      await page.waitForURL((url) => url.href.startsWith(google.authUrl));
      await byTestId(page, 'google-allow').waitFor();
      const secondState = new URL(page.url()).searchParams.get('state');
      assert.ok(secondState && secondState !== firstState, 'a fresh state for the retry');
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('d. a signed-out visit goes to /login; the grid fits a 375px phone without horizontal scroll', async () => {
    await withPage(browser, 'd-login', async (page) => {
      await page.goto(`${server.baseUrl}/`);
      await page.waitForURL(`${server.baseUrl}/login`);
      await byTestId(page, 'auth-submit').waitFor();
      await byTestId(page, 'auth-email').waitFor();
      await byTestId(page, 'auth-password').waitFor();
      await screenshot(page, '01-login');

      // A wrong password is refused in words, on the page.
      await byTestId(page, 'auth-email').fill('nobody@example.com');
      await byTestId(page, 'auth-password').fill('wrong-password');
      await byTestId(page, 'auth-submit').click();
      await waitForText(byTestId(page, 'auth-error'), /do not match/i);
      assert.equal(page.url(), `${server.baseUrl}/login`);
    });

    await withPage(
      browser,
      'd-phone',
      async (page) => {
        await page.goto(`${server.baseUrl}/login`);
        await byTestId(page, 'auth-submit').waitFor();
        await assertNoHorizontalScroll(page, 'login page');
        await screenshot(page, '12-phone-login');

        await signUp(page, server.baseUrl, { email: `a-rather-long-address-for-a-phone-${Date.now()}@subdomain.example.com` });
        await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');

        // Connected, the card also shows the account name: it must still fit.
        await openGoogleConsent(page);
        await assertNoHorizontalScroll(page, 'consent page');
        await byTestId(page, 'google-allow').click();
        await page.waitForURL(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=success`);
        await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
        await assertNoHorizontalScroll(page, 'callback page');
        await byTestId(page, 'callback-back').click();
        await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
        const count = (await listConnectors(page)).length;
        assert.equal(await page.locator('[data-testid^="connector-card-"]').count(), count);
        await assertNoHorizontalScroll(page, 'connectors grid');
        await assertCardsInsideViewport(page);
        // The account is shown whole (wrapped, not cut to "ada.lovelace@exampl…").
        const account = card(page, GOOGLE).locator('.card__account');
        const shown = await account.evaluate((element) => ({
          text: element.textContent,
          clipped: element.scrollWidth > element.clientWidth + 1,
        }));
        assert.deepEqual(shown, { text: google.email, clipped: false }, 'the connected account is readable in full');
        await screenshot(page, '11-phone-grid');

        // The disconnect dialog fits too.
        await byTestId(page, `connector-disconnect-${GOOGLE}`).click();
        await byTestId(page, 'confirm-cancel').waitFor();
        await assertNoHorizontalScroll(page, 'disconnect dialog');
        await screenshot(page, '13-phone-disconnect-dialog');
        await byTestId(page, 'confirm-cancel').click();
        await byTestId(page, 'confirm-cancel').waitFor({ state: 'detached' });
        await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
        assert.deepEqual(unexpectedProblems(page), []);
      },
      { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
    );
  });

  test('e. neither the page nor any response carries the Google client secret or the OpenAI key', async () => {
    await withPage(browser, 'e-secrets', async (page) => {
      const recorder = recordResponses(page);
      const secrets = { 'GOOGLE_CLIENT_SECRET': google.clientSecret, 'OPENAI_API_KEY': openai.apiKey };
      const pages = [];
      const snapshot = async (step) => pages.push({ step, html: await page.content(), url: page.url() });

      await page.goto(`${server.baseUrl}/`);
      await page.waitForURL(`${server.baseUrl}/login`);
      await snapshot('login');
      await signUp(page, server.baseUrl);
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');
      await snapshot('grid');

      await openGoogleConsent(page);
      await snapshot('consent');
      await byTestId(page, 'google-allow').click();
      await page.waitForURL(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=success`);
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
      await snapshot('callback');
      await byTestId(page, 'callback-back').click();
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'active');
      await snapshot('grid connected');

      // The API routes a page (or the voice orb) may read, the client secret among them.
      const mintCallsBefore = openai.callsTo('/v1/realtime/client_secrets', 'POST').length;
      const minted = await apiFetch(page, '/api/v1/realtime/client-secret', { method: 'POST' });
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      assert.match(minted.body.value, /^ek_/);
      assert.equal(minted.body.calls_url, `${openai.url}/v1/realtime/calls`);
      assert.match(minted.headers['cache-control'] ?? '', /no-store/);
      const mint = openai.callsTo('/v1/realtime/client_secrets', 'POST').slice(mintCallsBefore);
      assert.equal(mint.length, 1, 'the server minted through OpenAI');
      assert.equal(mint[0].headers.authorization, `Bearer ${openai.apiKey}`, 'with the server-side key');
      for (const route of ['/api/v1/realtime/tools', '/api/v1/openapi.json', '/api/v1/auth/me', `/api/v1/connectors/${GOOGLE}/events`]) {
        await apiFetch(page, route);
      }
      await apiFetch(page, `/api/v1/connectors/${GOOGLE}/revoke`, { method: 'POST' });
      await page.reload();
      await waitForAttribute(card(page, GOOGLE), 'data-status', 'disconnected');
      await snapshot('grid after revoke');

      await recorder.settle();
      const origins = new Set(recorder.responses.map((response) => new URL(response.url).origin));
      assert.ok(origins.has(server.baseUrl) && origins.has(google.url), `responses recorded from ${[...origins]}`);
      const scripts = recorder.responses.filter((r) => /javascript/.test(r.type) && r.body !== null);
      const styles = recorder.responses.filter((r) => /css/.test(r.type) && r.body !== null);
      const apis = recorder.responses.filter((r) => r.url.includes('/api/v1/') && r.body !== null);
      assert.ok(scripts.length >= 1 && styles.length >= 1, 'the bundle (JS and CSS) was read');
      assert.ok(apis.length >= 8, `API answers were read (${apis.length})`);

      const leaks = [];
      for (const [name, secret] of Object.entries(secrets)) {
        for (const response of recorder.responses) {
          if (response.body?.includes(secret)) leaks.push(`${name} in the body of ${response.url}`);
          if (JSON.stringify(response.headers).includes(secret)) leaks.push(`${name} in the headers of ${response.url}`);
          if (response.url.includes(secret)) leaks.push(`${name} in the URL ${response.url}`);
        }
        for (const { step, html, url } of pages) {
          if (html.includes(secret) || url.includes(secret)) leaks.push(`${name} in the page at step "${step}"`);
        }
        if (server.logs().includes(secret)) leaks.push(`${name} in the server log`);
      }
      // Codes and tokens never reach the log either (SPEC §8.5).
      for (const token of [...google.issued.accessTokens, ...google.issued.refreshTokens]) {
        if (server.logs().includes(token)) leaks.push(`a Google token (${token.slice(0, 8)}…) in the server log`);
      }
      assert.deepEqual(leaks, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });
});

async function assertNoHorizontalScroll(page, where) {
  const size = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(
    size.scrollWidth <= size.innerWidth && size.bodyScrollWidth <= size.innerWidth,
    `${where}: no horizontal scroll at ${size.innerWidth}px (scrollWidth ${size.scrollWidth}, body ${size.bodyScrollWidth})`,
  );
}

/** Every card and its buttons lie within the viewport's width (nothing clipped by overflow: hidden). */
async function assertCardsInsideViewport(page) {
  const outside = await page.evaluate(() => {
    const width = window.innerWidth;
    const selector = '[data-testid^="connector-card-"], [data-testid^="connector-card-"] button, [data-testid^="connector-card-"] dd';
    return [...document.querySelectorAll(selector)]
      .map((element) => ({ element, box: element.getBoundingClientRect() }))
      .filter(({ box }) => box.left < -0.5 || box.right > width + 0.5)
      .map(({ element, box }) => `${element.dataset.testid ?? element.tagName} ${Math.round(box.left)}..${Math.round(box.right)}`);
  });
  assert.deepEqual(outside, [], 'cards and buttons inside the 375px viewport');
}
