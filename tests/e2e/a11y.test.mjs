// Accessibility and language journeys: axe-core on every screen (login, sign-up, the
// grid, the four config forms, the callback page, the orb in each of its states), in
// English and in French; the whole journey by keyboard; the language switch; the orb
// under prefers-reduced-motion. The real server, fake providers, headless Chromium;
// every wait has a deadline, none is a fixed sleep.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startFakeOpenAIRealtime } from './fakes/openai-realtime.mjs';
import {
  SCREENS_DIR,
  assertAccessible,
  byTestId,
  focusedElement,
  launchBrowser,
  pollUntil,
  screenshot,
  signUp,
  startFakeGoogle,
  startServer,
  uniqueEmail,
  unexpectedProblems,
  waitForAttribute,
  waitForText,
  withPage,
} from './harness.mjs';

const GOOGLE = 'google_calendar';
const CONFIG_FORMS = ['smtp', 'twilio', 'minio', 'hostinger'];
const MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection'];

/** The browser's language, what `<html lang>` must then say, and words the page shows in it. */
const LANGUAGES = [
  {
    browser: 'en-US',
    lang: 'en',
    loginTitle: 'Log in to your dashboard',
    grid: 'Connectors',
    smtpHost: 'Host',
    smtpHostHint: /^Host name or IP address/,
    states: {
      connecting: 'Connecting…',
      listening: 'Listening',
      'user-speaking': 'You are speaking',
      tool: 'Uploading a file',
      'agent-speaking': 'Donna is speaking',
      error: 'Disconnected',
    },
    lost: 'The connection to Donna was lost',
    rejoining: 'The call dropped: joining again…',
  },
  {
    browser: 'fr-FR',
    lang: 'fr',
    loginTitle: 'Connectez-vous à votre tableau de bord',
    grid: 'Connecteurs',
    smtpHost: 'Hôte',
    smtpHostHint: /^Nom d’hôte ou adresse IP/,
    states: {
      connecting: 'Connexion…',
      listening: 'À l’écoute',
      'user-speaking': 'Vous parlez',
      tool: 'Envoi d’un fichier',
      'agent-speaking': 'Donna parle',
      error: 'Connexion perdue',
    },
    lost: 'La connexion avec Donna a été perdue',
    rejoining: 'L’appel a été coupé\u00a0: nouvelle connexion…',
  },
];

let google;
let openai;
let server;
let browser;

before(async () => {
  google = await startFakeGoogle({ email: 'ada.lovelace@example.com' });
  openai = await startFakeOpenAIRealtime();
  server = await startServer({ name: 'a11y', env: { ...google.serverEnv(), ...openai.serverEnv() } });
  browser = await launchBrowser({ extraArgs: MEDIA_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await Promise.all([google?.stop(), openai?.stop()]);
});

function orb(page) {
  return byTestId(page, 'voice-orb');
}

/**
 * The orb's panel at desktop and phone width, as test-artifacts/screens/a11y-orb-<lang>-<state>-<width>.png
 * (to look at French and English in each state).
 */
async function orbShots(page, lang, state) {
  for (const [width, viewport] of Object.entries({ desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } })) {
    await page.setViewportSize(viewport);
    mkdirSync(SCREENS_DIR, { recursive: true });
    await page.locator('#orb-slot').screenshot({ path: path.join(SCREENS_DIR, `a11y-orb-${lang}-${state}-${width}.png`), caret: 'hide' });
  }
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

/** Presses Tab until `testId` has the focus (at most `limit` presses), checking each stop shows a focus ring. */
async function tabTo(page, testId, { limit = 40, shift = false } = {}) {
  const stops = [];
  for (let press = 0; press < limit; press += 1) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const focused = await focusedElement(page);
    stops.push(focused);
    assert.ok(focused.tag === 'body' || focused.outline, `a visible focus ring on ${JSON.stringify(focused)}`);
    if (focused.testId === testId) return stops;
  }
  throw new Error(`${testId} never got the focus in ${limit} Tabs; stops: ${stops.map((stop) => stop.testId ?? stop.text).join(', ')}`);
}

describe('accessibility and languages', () => {
  for (const language of LANGUAGES) {
    test(`no serious or critical axe violation on any screen, in ${language.lang}`, async () => {
      await withPage(
        browser,
        `a11y-screens-${language.lang}`,
        async (page) => {
          await page.goto(`${server.baseUrl}/login`);
          await waitForText(page.locator('h1'), language.loginTitle);
          assert.equal(await htmlLang(page), language.lang, '<html lang> names the language shown');
          await assertAccessible(page, `login (${language.lang})`);

          await byTestId(page, 'auth-submit').click();
          await page.locator('#auth-email-error').waitFor();
          await assertAccessible(page, `login with field errors (${language.lang})`);

          await byTestId(page, 'auth-mode-signup').click();
          await waitForAttribute(byTestId(page, 'auth-mode-signup'), 'aria-pressed', 'true');
          await assertAccessible(page, `sign-up (${language.lang})`);

          await signUp(page, server.baseUrl);
          await waitForText(page.locator('h1'), language.grid);
          await waitForAttribute(byTestId(page, `connector-card-${GOOGLE}`), 'data-status', 'disconnected');
          await waitForAttribute(orb(page), 'data-state', 'idle');
          assert.equal(await htmlLang(page), language.lang);
          await assertAccessible(page, `dashboard (${language.lang})`);
          await screenshot(page, `a11y-dashboard-${language.lang}`);

          for (const key of CONFIG_FORMS) {
            await byTestId(page, `connector-connect-${key}`).click();
            const form = byTestId(page, `connector-form-${key}`);
            await form.waitFor();
            if (key === 'smtp') {
              // The server's schema speaks English; the form speaks the page's language.
              await waitForText(page.locator('label[for="field-smtp-host"]'), language.smtpHost);
              await waitForText(page.locator('#field-smtp-host-hint'), language.smtpHostHint);
            }
            await assertAccessible(page, `the ${key} form (${language.lang})`);
            // Saving the empty form draws an error next to each required field.
            await byTestId(page, `connector-save-${key}`).click();
            await form.locator('.field__error').first().waitFor();
            await assertAccessible(page, `the ${key} form with its errors (${language.lang})`);
            await screenshot(page, `a11y-form-${key}-${language.lang}`);
            await page.keyboard.press('Escape');
            await page.locator('dialog[open]').waitFor({ state: 'detached' });
          }

          await page.goto(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=error&reason=access_denied`);
          await byTestId(page, `connector-card-${GOOGLE}`).waitFor();
          assert.equal(await byTestId(page, 'callback-outcome').getAttribute('data-outcome'), 'error');
          await assertAccessible(page, `the callback page after an error (${language.lang})`);

          await page.goto(`${server.baseUrl}/connectors/callback/${GOOGLE}?status=success`);
          await byTestId(page, `connector-card-${GOOGLE}`).waitFor();
          assert.equal(await byTestId(page, 'callback-outcome').getAttribute('data-outcome'), 'success');
          await assertAccessible(page, `the callback page after a success (${language.lang})`);
          assert.equal(await htmlLang(page), language.lang);

          assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', /^422 POST \/api\/v1\/connectors\/\w+\/config$/]), []);
        },
        { locale: language.browser },
      );
    });

    test(`the orb in each of its states passes axe and says its state aloud, in ${language.lang}`, async () => {
      openai.queueScript([
        { gate: 'listening' },
        { user: 'Upload my notes' },
        { call: 'upload_file', arguments: {} },
        { assistant: 'Nothing was uploaded.', gate: 'speaking' },
        { gate: 'hangup' },
        { hangup: true },
      ]);
      // The orb joins the dropped call again once; that call drops too.
      openai.queueScript([{ gate: 'hangup-again' }, { hangup: true }]);

      await withPage(
        browser,
        `a11y-orb-${language.lang}`,
        async (page) => {
          await signUp(page, server.baseUrl);
          const status = byTestId(page, 'voice-status');
          assert.equal(await status.getAttribute('aria-live'), 'polite', 'state changes are announced');
          await waitForAttribute(orb(page), 'data-state', 'idle');
          await assertAccessible(page, `the orb, idle (${language.lang})`);
          await orbShots(page, language.lang, 'idle');

          openai.pauseCalls();
          const callsBefore = openai.realtimeCalls.length;
          await orb(page).click();
          await waitForAttribute(orb(page), 'data-state', 'connecting');
          await waitForText(status, language.states.connecting);
          await assertAccessible(page, `the orb, connecting (${language.lang})`);
          await orbShots(page, language.lang, 'connecting');
          openai.resumeCalls();
          const call = await openai.nextCall(callsBefore);

          await pollUntil(() => call.waitingAt('listening'), { message: 'the script to hold at listening' });
          await waitForAttribute(orb(page), 'data-state', 'listening');
          await waitForText(status, language.states.listening);
          await assertAccessible(page, `the orb, listening (${language.lang})`);
          await orbShots(page, language.lang, 'listening');

          call.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0, item_id: 'item_a11y_speech' });
          await waitForAttribute(orb(page), 'data-state', 'user-speaking');
          await waitForText(status, language.states['user-speaking']);
          await assertAccessible(page, `the orb, the user speaking (${language.lang})`);
          await orbShots(page, language.lang, 'user-speaking');
          call.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 400, item_id: 'item_a11y_speech' });
          await waitForAttribute(orb(page), 'data-state', 'listening');
          call.release('listening');

          await waitForAttribute(orb(page), 'data-state', 'tool');
          await byTestId(page, 'voice-file-pick').waitFor();
          await waitForText(status, language.states.tool);
          await assertAccessible(page, `the orb, running a tool that asks for a file (${language.lang})`);
          await orbShots(page, language.lang, 'tool');
          await byTestId(page, 'voice-file-cancel').click();

          await pollUntil(() => call.waitingAt('speaking'), { message: 'Donna to start speaking' });
          await waitForAttribute(orb(page), 'data-state', 'agent-speaking');
          await waitForText(status, language.states['agent-speaking']);
          await assertAccessible(page, `the orb, Donna speaking (${language.lang})`);
          await orbShots(page, language.lang, 'agent-speaking');
          call.release('speaking');

          await pollUntil(() => call.waitingAt('hangup'), { message: 'the script to reach its hang-up' });
          openai.pauseCalls();
          call.release('hangup');
          await waitForAttribute(orb(page), 'data-state', 'connecting');
          await waitForText(status, language.rejoining);
          await assertAccessible(page, `the orb, joining a dropped call again (${language.lang})`);
          await orbShots(page, language.lang, 'rejoining');
          openai.resumeCalls();
          const rejoined = await openai.nextCall(callsBefore + 1);
          await pollUntil(() => rejoined.waitingAt('hangup-again'), { message: 'the re-joined call to reach its hang-up' });
          await waitForAttribute(orb(page), 'data-state', 'listening');
          rejoined.release('hangup-again');
          await waitForAttribute(orb(page), 'data-state', 'error');
          await waitForText(status, language.states.error);
          await waitForText(byTestId(page, 'voice-error'), language.lost);
          assert.equal(await byTestId(page, 'voice-error').getAttribute('role'), 'alert');
          await assertAccessible(page, `the orb, after the call dropped (${language.lang})`);
          await orbShots(page, language.lang, 'error');
          assert.equal(await htmlLang(page), language.lang);
          assert.deepEqual(unexpectedProblems(page), []);
        },
        { locale: language.browser },
      );
    });
  }

  test('the whole journey by keyboard: sign up, Tab to a config form, focus kept in the modal, Escape, focus restored', async () => {
    await withPage(browser, 'a11y-keyboard', async (page) => {
      await page.goto(`${server.baseUrl}/login`);
      await byTestId(page, 'auth-email').waitFor();

      await tabTo(page, 'auth-mode-signup');
      await page.keyboard.press('Enter');
      await waitForAttribute(byTestId(page, 'auth-mode-signup'), 'aria-pressed', 'true');
      await tabTo(page, 'auth-email');
      await page.keyboard.type(uniqueEmail('keyboard'));
      await tabTo(page, 'auth-password');
      await page.keyboard.type('pw-keyboard-only-123');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${server.baseUrl}/`);
      await waitForAttribute(byTestId(page, `connector-card-${GOOGLE}`), 'data-status', 'disconnected');

      // The first Tab of the page reaches the skip link, which takes focus past the top bar.
      await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
      await page.keyboard.press('Tab');
      const first = await focusedElement(page);
      assert.equal(first.tag, 'a', `the skip link comes first: ${JSON.stringify(first)}`);
      assert.ok(first.outline, 'and shows its focus');

      // Tab order follows the page: the orb, the refresh button, then the cards.
      const stops = await tabTo(page, 'connector-connect-smtp', { limit: 60 });
      const order = stops.map((stop) => stop.testId).filter(Boolean);
      assert.ok(order.indexOf('voice-orb') < order.indexOf('connectors-refresh'), `order: ${order.join(', ')}`);
      assert.ok(order.indexOf('connectors-refresh') < order.indexOf(`connector-connect-${GOOGLE}`), `order: ${order.join(', ')}`);

      await page.keyboard.press('Enter');
      const dialog = page.locator('dialog[open]');
      await byTestId(page, 'connector-form-smtp').waitFor();
      const opened = await focusedElement(page);
      assert.ok(opened.inDialog, `focus moves into the dialog: ${JSON.stringify(opened)}`);
      assert.equal(opened.tag, 'input', 'on its first field');

      // Tab and Shift+Tab cycle inside the dialog, never behind it.
      const focusable = await dialog.evaluate(
        (element) =>
          [...element.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])')].filter(
            (candidate) => candidate.offsetParent !== null,
          ).length,
      );
      for (let press = 0; press < focusable + 3; press += 1) {
        await page.keyboard.press('Tab');
        const focused = await focusedElement(page);
        assert.ok(focused.inDialog, `Tab ${press + 1} stays in the dialog: ${JSON.stringify(focused)}`);
        assert.ok(focused.outline, `with a visible focus ring: ${JSON.stringify(focused)}`);
      }
      for (let press = 0; press < focusable + 3; press += 1) {
        await page.keyboard.press('Shift+Tab');
        assert.ok((await focusedElement(page)).inDialog, `Shift+Tab ${press + 1} stays in the dialog`);
      }

      // A field error from the keyboard: Enter in a field submits, focus lands on the first error.
      await page.locator('#field-smtp-host').focus();
      await page.keyboard.press('Enter');
      await page.locator('#field-smtp-host-error').waitFor();
      await pollUntil(async () => (await page.evaluate(() => document.activeElement?.id)) === 'field-smtp-host', {
        message: 'focus on the first field in error',
      });

      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await pollUntil(async () => (await focusedElement(page)).testId === 'connector-connect-smtp', {
        message: 'focus back on the button that opened the dialog',
      });

      // The disconnect-free grid keeps working from the keyboard: the orb starts with Enter.
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('French for a French browser, a locale-switch that is remembered, and <html lang> kept true', async () => {
    await withPage(
      browser,
      'a11y-locale',
      async (page) => {
        await page.goto(`${server.baseUrl}/login`);
        await waitForText(page.locator('h1'), 'Connectez-vous à votre tableau de bord');
        assert.equal(await htmlLang(page), 'fr');
        assert.equal(await page.title(), 'Connexion · Connecteurs');

        const toEnglish = byTestId(page, 'locale-switch');
        assert.equal(await toEnglish.getAttribute('data-locale'), 'fr');
        assert.equal(await toEnglish.getAttribute('lang'), 'en', 'the switch names English in English');
        await toEnglish.click();
        await waitForText(page.locator('h1'), 'Log in to your dashboard');
        assert.equal(await htmlLang(page), 'en');
        assert.equal(await page.title(), 'Log in · Connectors');

        // Remembered: a reload stays in English although the browser prefers French.
        await page.reload();
        await waitForText(page.locator('h1'), 'Log in to your dashboard');
        assert.equal(await htmlLang(page), 'en');

        // An error already on screen is reworded by a switch, not left in the old language.
        await byTestId(page, 'auth-email').fill(uniqueEmail('nobody'));
        await byTestId(page, 'auth-password').fill('not-the-password');
        await byTestId(page, 'auth-submit').click();
        await waitForText(byTestId(page, 'auth-error'), /do not match an account/);
        await byTestId(page, 'locale-switch').click();
        await waitForText(byTestId(page, 'auth-error'), /ne correspondent à aucun compte/);
        assert.equal(await htmlLang(page), 'fr');

        // Signed in, the switch sits in the top bar and the grid follows it.
        await signUp(page, server.baseUrl);
        await waitForText(page.locator('h1'), 'Connecteurs');
        await waitForText(byTestId(page, `connector-connect-${GOOGLE}`), 'Connecter');
        await waitForText(byTestId(page, 'voice-status'), 'Appuyez sur l’orbe pour parler à Donna');
        await byTestId(page, 'locale-switch').click();
        await waitForText(page.locator('h1'), 'Connectors');
        await waitForText(byTestId(page, `connector-connect-${GOOGLE}`), 'Connect');
        assert.equal(await htmlLang(page), 'en');
        assert.equal(await page.evaluate(() => localStorage.getItem('connectors.locale')), 'en');
        assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '401 POST /api/v1/auth/login']), []);
      },
      { locale: 'fr-FR' },
    );
  });

  test('with reduced motion asked for, the orb neither animates nor follows the sound', async () => {
    openai.queueScript([{ gate: 'listening' }, { assistant: 'Hello.', gate: 'speaking' }]);
    await withPage(
      browser,
      'a11y-reduced-motion',
      async (page) => {
        await signUp(page, server.baseUrl);
        const callsBefore = openai.realtimeCalls.length;
        await orb(page).click();
        const call = await openai.nextCall(callsBefore);
        await pollUntil(() => call.waitingAt('listening'), { message: 'the script to hold at listening' });
        await waitForAttribute(orb(page), 'data-state', 'listening');
        call.release('listening');
        await pollUntil(() => call.waitingAt('speaking'), { message: 'Donna to start speaking' });
        await waitForAttribute(orb(page), 'data-state', 'agent-speaking');
        await waitForText(byTestId(page, 'voice-transcript'), 'Hello.');

        const motion = await orb(page).evaluate((element) => {
          const parts = ['.voice-orb__halo', '.voice-orb__ring', '.voice-orb__core'].map((selector) => element.querySelector(selector));
          return {
            level: element.style.getPropertyValue('--level'),
            animations: parts.map((part) => getComputedStyle(part).animationName),
            transforms: parts.map((part) => getComputedStyle(part).transform),
          };
        });
        assert.deepEqual(motion, { level: '', animations: ['none', 'none', 'none'], transforms: ['none', 'none', 'none'] });
        call.release('speaking');
        await byTestId(page, 'voice-hangup').click();
        await waitForAttribute(orb(page), 'data-state', 'idle');
        assert.deepEqual(unexpectedProblems(page), []);
      },
      { reducedMotion: 'reduce' },
    );
  });
});
