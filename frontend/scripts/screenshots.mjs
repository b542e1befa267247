#!/usr/bin/env node
// Development tool: takes screenshots of every screen of the built dashboard against
// the stub API (scripts/stub-server.mjs) with the system's Chromium, in English and in
// French, at desktop (1280×800) and phone (390×844) width, for a look by eye.
//
//   npm run build && npm run screenshots          # PNGs in /tmp/shots, <lang>-<width>-<screen>.png
//   SHOTS_DIR=out CHROMIUM_PATH=/usr/bin/chromium node scripts/screenshots.mjs

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { startStubServer } from './stub-server.mjs';

const OUT = process.env.SHOTS_DIR ?? '/tmp/shots';
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};
/** The browser's preferred language: the dashboard picks its own from it. */
const LANGUAGES = { en: 'en-US', fr: 'fr-FR' };

await mkdir(OUT, { recursive: true });
const stub = await startStubServer({ port: 0 });
const browser = await chromium.launch({
  executablePath: EXECUTABLE,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

const shots = [];

async function session(lang, width) {
  const context = await browser.newContext({ viewport: VIEWPORTS[width], deviceScaleFactor: 1, locale: LANGUAGES[lang] });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      console.error('console error:', message.text());
    }
  });
  const shot = async (name, options = {}) => {
    const path = join(OUT, `${lang}-${width}-${name}.png`);
    const modalOpen = await page.evaluate(() => document.querySelector('dialog[open]') !== null);
    const fullPage = options.fullPage ?? !modalOpen;
    // A sticky header in a full-page shot taken while scrolled lands mid-page.
    if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
    // Let focus moves scheduled for the next frame happen.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
    shots.push(path);
    // A tall page also comes in screen-sized parts, readable without zooming out.
    const { width: viewWidth, height: viewHeight } = VIEWPORTS[width];
    const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    if (fullPage && pageHeight > viewHeight * 1.5) {
      for (let part = 0; part * viewHeight < pageHeight; part += 1) {
        const partPath = join(OUT, `${lang}-${width}-${name}-part${part + 1}.png`);
        const y = part * viewHeight;
        const clip = { x: 0, y, width: viewWidth, height: Math.min(viewHeight, pageHeight - y) };
        await page.screenshot({ path: partPath, fullPage: true, clip, animations: 'disabled', caret: 'hide' });
        shots.push(partPath);
      }
    }
  };
  return { context, page, shot };
}

async function closeDialog(page) {
  await page.keyboard.press('Escape');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
}

try {
  for (const lang of Object.keys(LANGUAGES)) {
    for (const width of Object.keys(VIEWPORTS)) {
      const { context, page, shot } = await session(lang, width);

      // Log-in and sign-up, with a refused attempt and the form's own errors.
      await page.goto(`${stub.url}/login`);
      await page.getByTestId('auth-email').waitFor();
      await shot('login');
      await page.getByTestId('auth-submit').click();
      await page.locator('#auth-email-error').waitFor();
      await shot('login-invalid');
      await page.getByTestId('auth-email').fill('demo@example.com');
      await page.getByTestId('auth-password').fill('wrong-password');
      await page.getByTestId('auth-submit').click();
      await page.getByTestId('auth-error').waitFor();
      await shot('login-refused');
      await page.getByTestId('auth-mode-signup').click();
      await shot('signup');

      // The grid.
      await page.getByTestId('auth-mode-login').click();
      await page.getByTestId('auth-email').fill('demo@example.com');
      await page.getByTestId('auth-password').fill('correct-horse');
      await page.getByTestId('auth-submit').click();
      await page.getByTestId('connector-card-google_calendar').waitFor();
      await shot('grid');

      // The config forms, empty and refused.
      for (const key of ['smtp', 'twilio', 'minio', 'hostinger']) {
        await page.getByTestId(`connector-connect-${key}`).click();
        await page.getByTestId(`connector-form-${key}`).waitFor();
        await shot(`form-${key}`);
        if (key === 'smtp') {
          await page.getByTestId('connector-field-smtp-host').fill('localhost');
          await page.getByTestId('connector-field-smtp-username').fill('donna');
          await page.getByTestId('connector-field-smtp-password').fill('s3cret');
          await page.getByTestId('connector-field-smtp-from').fill('donna@example.com');
          await page.getByTestId('connector-save-smtp').click();
          await page.locator('#field-smtp-host-error').waitFor();
          await shot('form-smtp-refused');
        }
        if (key === 'twilio') {
          await page.getByTestId('connector-variant-twilio-1').check();
          await page.getByTestId('connector-save-twilio').click();
          await page.locator('.field__error').first().waitFor();
          await shot('form-twilio-invalid');
        }
        await closeDialog(page);
      }

      // Disconnecting asks first.
      await page.getByTestId('connector-disconnect-google_calendar').click();
      await page.getByTestId('confirm-disconnect').waitFor();
      await shot('disconnect-dialog');
      await closeDialog(page);

      // The orb: the stub has no voice service, so it ends in its error state.
      await page.getByTestId('voice-orb').click();
      await page.locator('[data-testid="voice-orb"][data-state="error"]').waitFor();
      await shot('orb-error', { fullPage: false });

      // The callback page, its reasons, and a real round trip through the stub's consent page.
      await page.goto(`${stub.url}/connectors/callback/gmail?status=error&reason=state_mismatch`);
      await page.getByTestId('connector-card-gmail').waitFor();
      await shot('callback-error');
      await page.goto(`${stub.url}/connectors/callback/gmail?status=error&reason=something_new`);
      await page.getByTestId('connector-card-gmail').waitFor();
      await shot('callback-error-unknown');
      await page.goto(`${stub.url}/`);
      await page.getByTestId('connector-connect-gmail').click();
      await page.getByText('Allow', { exact: true }).click();
      await page.locator('[data-testid="connector-card-gmail"][data-status="active"]').waitFor();
      await shot('callback-success');

      // A page that does not exist.
      await page.goto(`${stub.url}/nowhere`);
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await shot('not-found');

      await context.close();
    }
  }
} finally {
  await browser.close();
  await stub.close();
}

console.log(shots.join('\n'));
