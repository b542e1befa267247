#!/usr/bin/env node
// Development tool: takes screenshots of the built dashboard against the stub API
// (scripts/stub-server.mjs) with the system's Chromium, for a look by eye.
//
//   npm run build && npm run screenshots          # PNGs in /tmp/shots
//   SHOTS_DIR=out CHROMIUM_PATH=/usr/bin/chromium node scripts/screenshots.mjs

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { startStubServer } from './stub-server.mjs';

const OUT = process.env.SHOTS_DIR ?? '/tmp/shots';
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 812 };

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
async function shot(page, name, options = {}) {
  const path = join(OUT, `${name}.png`);
  const fullPage = options.fullPage ?? true;
  // A sticky header in a full-page shot taken while scrolled lands mid-page.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  // Let focus moves scheduled for the next frame happen.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.screenshot({ path, fullPage, animations: 'disabled', ...options });
  shots.push(path);
}

async function signedInPage(viewport) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error('console error:', message.text());
  });
  await page.goto(`${stub.url}/login`);
  await page.getByTestId('auth-email').fill('demo@example.com');
  await page.getByTestId('auth-password').fill('correct-horse');
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('connector-card-google_calendar').waitFor();
  return page;
}

try {
  // Sign-in page, with a refused attempt.
  {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto(`${stub.url}/`);
    await page.getByTestId('auth-email').waitFor();
    await shot(page, 'login');
    await page.getByTestId('auth-email').fill('demo@example.com');
    await page.getByTestId('auth-password').fill('wrong-password');
    await page.getByTestId('auth-submit').click();
    await page.getByTestId('auth-error').waitFor();
    await shot(page, 'login-error');
    await page.setViewportSize(PHONE);
    await page.getByTestId('auth-mode-signup').click();
    await shot(page, 'login-phone-signup');
    await context.close();
  }

  // The grid, desktop and phone.
  {
    const page = await signedInPage(DESKTOP);
    await shot(page, 'grid-desktop');

    // SMTP settings with a field refused by the server.
    await page.getByTestId('connector-connect-smtp').click();
    const form = page.getByTestId('connector-form-smtp');
    await form.waitFor();
    await shot(page, 'config-form-empty', { fullPage: false });
    await page.getByTestId('connector-field-smtp-host').fill('localhost');
    await page.getByTestId('connector-field-smtp-username').fill('donna');
    await page.getByTestId('connector-field-smtp-password').fill('s3cret');
    await page.getByTestId('connector-field-smtp-from').fill('donna@example.com');
    await page.getByTestId('connector-save-smtp').click();
    await page.locator('#field-smtp-host-error').waitFor();
    await shot(page, 'config-form-error', { fullPage: false });
    await page.keyboard.press('Escape');

    // Twilio's alternative field sets.
    await page.getByTestId('connector-connect-twilio').click();
    await page.getByTestId('connector-form-twilio').waitFor();
    await page.getByTestId('connector-variant-twilio-1').check();
    await page.getByTestId('connector-save-twilio').click();
    await shot(page, 'config-form-twilio', { fullPage: false });
    await page.keyboard.press('Escape');

    // Disconnect confirmation.
    await page.getByTestId('connector-disconnect-google_calendar').click();
    await page.getByTestId('confirm-disconnect').waitFor();
    await shot(page, 'disconnect-dialog', { fullPage: false });
    await page.keyboard.press('Escape');

    // A connector without server credentials.
    await page.getByTestId('connector-connect-notion').isDisabled();

    await page.setViewportSize(PHONE);
    await shot(page, 'grid-phone');
    await shot(page, 'grid-phone-top', { fullPage: false });
    await page.getByTestId('connector-connect-smtp').click();
    await page.getByTestId('connector-form-smtp').waitFor();
    await shot(page, 'config-form-phone', { fullPage: false });
    await page.keyboard.press('Escape');

    // Callback pages.
    await page.setViewportSize(DESKTOP);
    await page.goto(`${stub.url}/connectors/callback/gmail?status=error&reason=state_mismatch`);
    await page.getByTestId('callback-reason').waitFor();
    await page.getByTestId('connector-card-gmail').waitFor();
    await shot(page, 'callback-error');
    await page.goto(`${stub.url}/connectors/callback/gmail?status=error&reason=something_new`);
    await page.getByTestId('connector-card-gmail').waitFor();
    await shot(page, 'callback-error-unknown');

    // A real round trip through the stub provider's consent page.
    await page.goto(`${stub.url}/`);
    await page.getByTestId('connector-connect-gmail').click();
    await page.getByText('Allow', { exact: true }).click();
    await page.locator('[data-testid="connector-card-gmail"][data-status="active"]').waitFor();
    await shot(page, 'callback-success');
    await page.setViewportSize(PHONE);
    await shot(page, 'callback-success-phone');
  }
} finally {
  await browser.close();
  await stub.close();
}

console.log(shots.join('\n'));
