// Browser journeys of the voice orb: the real reference server mints client secrets at a
// fake OpenAI, the browser runs the real `@openai/agents` SDK over real WebRTC against a
// fake Realtime peer (werift) that plays scripted conversations, and Donna's tools call
// the server's REST API. Every wait has a deadline; none is a fixed sleep.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startFakeOpenAIRealtime } from './fakes/openai-realtime.mjs';
import {
  SCREENS_DIR,
  apiFetch,
  assertAccessible,
  byTestId,
  launchBrowser,
  pollUntil,
  recordResponses,
  signUp,
  startFakeGoogle,
  startServer,
  unexpectedProblems,
  waitForAttribute,
  waitForText,
  withPage,
} from './harness.mjs';

const GOOGLE = 'google_calendar';
/** What Chromium needs for WebRTC on loopback with a fake microphone (PROVIDERS.md). */
const MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection'];

let google;
let openai;
let server;
let browser;

before(async () => {
  google = await startFakeGoogle({ email: 'grace.hopper@example.com' });
  openai = await startFakeOpenAIRealtime();
  server = await startServer({
    name: 'orb',
    env: { ...google.serverEnv(), ...openai.serverEnv(), RUST_LOG: 'debug' },
  });
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

/** A PNG of the orb's panel at test-artifacts/screens/orb-<name>.png. */
async function orbShot(page, name) {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.locator('#orb-slot').screenshot({ path: path.join(SCREENS_DIR, `orb-${name}.png`), caret: 'hide' });
}

/** Every response of the context (pages and popups), to search for leaked secrets. */
function recordContext(page) {
  return recordResponses(page.context());
}

function assertNoLeak(recorder, secrets, where) {
  const leaks = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const response of recorder.responses) {
      if (response.body?.includes(secret)) leaks.push(`${name} in the body of ${response.url}`);
      if (JSON.stringify(response.headers).includes(secret)) leaks.push(`${name} in the headers of ${response.url}`);
      if (response.url.includes(secret)) leaks.push(`${name} in the URL ${response.url}`);
    }
  }
  assert.deepEqual(leaks, [], where);
}

/** Whether Debian's `sqlite3` CLI is here to read the server's database file. */
const HAS_SQLITE3 = spawnSync('sqlite3', ['-version']).status === 0;

/** The credentials row of a user's connector, read from the SQLite file with the sqlite3 CLI. */
function credentialsRow(dbPath, email, connector) {
  const quote = (text) => `'${text.replace(/'/g, "''")}'`;
  const output = execFileSync(
    'sqlite3',
    [
      '-readonly',
      '-json',
      dbPath,
      `SELECT c.connector_code, c.provider, hex(c.access_token) AS access_hex, hex(c.refresh_token) AS refresh_hex, c.scopes
         FROM user_connector_credentials c JOIN users u ON u.id = c.user_id
        WHERE u.email = ${quote(email)} AND c.connector_code = ${quote(connector)}`,
    ],
    { encoding: 'utf8' },
  );
  const rows = output.trim() === '' ? [] : JSON.parse(output);
  return rows[0] ?? null;
}

describe('voice orb', () => {
  test('activating Google Calendar by voice opens the consent popup, stores the tokens and Donna answers', async (t) => {
    const answer = 'I opened Google’s window: approve access there and Google Calendar turns active.';
    openai.queueScript([
      { user: 'Active Google Calendar' },
      { call: 'activate_connector', arguments: { key: GOOGLE } },
      { assistant: answer, gate: 'speaking' },
    ]);

    await withPage(browser, 'orb-activate', async (page) => {
      const recorder = recordContext(page);
      const { email } = await signUp(page, server.baseUrl);
      await waitForAttribute(orb(page), 'data-state', 'idle');
      await waitForAttribute(byTestId(page, `connector-card-${GOOGLE}`), 'data-status', 'disconnected');
      await orbShot(page, 'idle');

      // Connecting: the offer waits at the fake until we have looked.
      openai.pauseCalls();
      const mintsBefore = openai.secrets.length;
      const popupOpened = page.waitForEvent('popup');
      await orb(page).click();
      await waitForAttribute(orb(page), 'data-state', 'connecting');
      await pollUntil(() => openai.pendingOffers === 1, { message: 'the SDP offer at the fake' });
      await orbShot(page, 'connecting');
      openai.resumeCalls();

      // The server minted one secret upstream with its own key; the browser called with it.
      const call = await openai.nextCall(0);
      assert.equal(openai.secrets.length, mintsBefore + 1);
      const minted = openai.secrets.at(-1);
      assert.equal(minted.request.headers.authorization, `Bearer ${openai.apiKey}`);
      assert.equal(minted.request.body.session.type, 'realtime');
      assert.ok(minted.request.body.session.tools.some((tool) => tool.name === 'activate_connector'), 'tools in the secret');
      assert.equal(call.secret, minted.value, 'the offer carries the minted ek_ value');
      assert.match(call.requestHeaders['content-type'], /^application\/sdp/);
      assert.match(call.offerSdp, /m=audio/, 'the offer sends the microphone');
      assert.match(call.offerSdp, /m=application .*webrtc-datachannel/, 'and opens a data channel');

      // The session's configuration: Donna's tools, and the server's instructions kept.
      const update = await call.waitForEvent((event) => event.type === 'session.update' && Array.isArray(event.session?.tools));
      assert.deepEqual(
        update.session.tools.map((tool) => tool.name).sort(),
        [
          'activate_connector',
          'create_notion_page',
          'create_project',
          'list_calendly_event_types',
          'list_calendly_events',
          'list_connectors',
          'list_events',
          'list_gmail_messages',
          'list_hostinger_domains',
          'list_hostinger_subscriptions',
          'list_minio_objects',
          'list_projects',
          'list_slack_channels',
          'list_sms',
          'post_slack_message',
          'put_file_in_minio',
          'read_slack_channel',
          'revoke_connector',
          'search_notion_pages',
          'send_email',
          'send_sms',
          'upload_file',
        ],
      );
      assert.ok(update.session.tools.every((tool) => tool.type === 'function' && tool.parameters?.type === 'object'));
      assert.ok(!('instructions' in update.session), 'the browser leaves the minted instructions in force');

      // The server ran the tool the page relayed; the consent page opened in a popup, and
      // its URL (state, PKCE challenge) went to the page only, never to the model.
      const popup = await popupOpened;
      await byTestId(popup, 'google-allow').waitFor();
      assert.ok(popup.url().startsWith(`${google.url}/o/oauth2/v2/auth`), `popup at ${popup.url()}`);
      const outputs = await pollUntil(() => call.toolOutputs.size === 1 && [...call.toolOutputs.values()], {
        message: 'the tool output at the fake',
      });
      const output = JSON.parse(outputs[0]);
      assert.equal(output.kind, 'oauth');
      assert.equal(output.key, GOOGLE);
      assert.equal(output.consent_page, 'opened');
      assert.ok(!('url' in output), `no URL for the model in ${outputs[0]}`);
      const state = new URL(popup.url()).searchParams.get('state');
      assert.ok(state, 'the consent page carries a state');
      assert.ok(!JSON.stringify(call.received).includes(state), 'the OAuth state never reaches the Realtime peer');

      // Donna speaks (held at the fake while we look), then her words reach the transcript.
      await pollUntil(() => call.waitingAt('speaking'), { message: 'Donna to start speaking' });
      await waitForAttribute(orb(page), 'data-state', 'agent-speaking');
      await waitForText(byTestId(page, 'voice-transcript'), 'Active Google Calendar');
      await waitForText(byTestId(page, 'voice-transcript'), 'approve access there', { timeout: 5_000 });
      // Donna's voice comes over the call's audio track, and the orb follows its level.
      await pollUntil(
        async () => Number(await orb(page).evaluate((element) => element.style.getPropertyValue('--level') || '0')) > 0.05,
        { message: 'the orb to follow Donna’s voice' },
      );
      await orbShot(page, 'agent-speaking');
      call.release('speaking');
      await waitForText(byTestId(page, 'voice-transcript'), answer);
      await call.finished();
      await waitForAttribute(orb(page), 'data-state', 'listening');
      await orbShot(page, 'listening');

      // Consent in the popup: it returns to our callback, closes, and the grid refreshes.
      const popupClosed = popup.waitForEvent('close');
      await byTestId(popup, 'google-allow').click();
      await popupClosed;
      await waitForAttribute(byTestId(page, `connector-card-${GOOGLE}`), 'data-status', 'active');

      const connectors = await apiFetch(page, '/api/v1/connectors');
      const calendar = connectors.body.find((connector) => connector.key === GOOGLE);
      assert.equal(calendar.connected, true);
      assert.equal(calendar.status, 'active');
      const issuedAccess = google.issued.accessTokens.at(-1);
      assert.ok(issuedAccess, 'Google issued an access token');
      if (HAS_SQLITE3) {
        const row = credentialsRow(server.dbPath, email, GOOGLE);
        assert.ok(row !== null, 'a credentials row in user_connector_credentials');
        assert.equal(row.provider, 'google');
        assert.ok(row.access_hex.length > 0, 'the access token is stored');
        assert.ok(
          !Buffer.from(row.access_hex, 'hex').toString('latin1').includes(issuedAccess),
          'the stored access token is not the plaintext',
        );
      } else {
        t.diagnostic('sqlite3 CLI not installed (apt-get install sqlite3): the credentials row was checked through the API only');
        assert.ok(calendar.scopes.includes('https://www.googleapis.com/auth/calendar.readonly'), 'the granted scope is stored');
      }

      // Hang up: the call ends at the peer too.
      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb(page), 'data-state', 'idle');
      await pollUntil(() => call.phase === 'closed', { message: `the WebRTC call to end at the fake (${call.channelState})` });
      assert.ok(await byTestId(page, 'voice-transcript').isVisible(), 'the transcript stays after hanging up');

      await recorder.settle();
      assert.ok(recorder.responses.some((response) => response.url.endsWith('/api/v1/realtime/client-secret')));
      assertNoLeak(recorder, { OPENAI_API_KEY: openai.apiKey, GOOGLE_CLIENT_SECRET: google.clientSecret }, 'page and popup responses');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('creating a project and uploading a file by voice, on a 375 px phone', async () => {
    openai.queueScript([
      { user: 'Create a project called Apollo about the moon landing' },
      { call: 'create_project', arguments: { name: 'Apollo', description: 'The moon landing' } },
      { assistant: 'Apollo is created.' },
      { user: 'Upload my notes' },
      { call: 'upload_file', arguments: {} },
      { assistant: 'Your notes are uploaded.' },
    ]);

    await withPage(
      browser,
      'orb-project',
      async (page) => {
        await signUp(page, server.baseUrl);
        const callsBefore = openai.realtimeCalls.length;
        await orb(page).click();
        const call = await openai.nextCall(callsBefore);

        await waitForText(byTestId(page, 'voice-transcript'), 'Apollo is created.');
        const projects = await apiFetch(page, '/api/v1/projects');
        assert.equal(projects.status, 200);
        const apollo = projects.body.find((project) => project.name === 'Apollo');
        assert.ok(apollo, `Apollo in ${JSON.stringify(projects.body)}`);
        assert.equal(apollo.description, 'The moon landing');
        const created = JSON.parse([...call.toolOutputs.values()][0]);
        assert.equal(created.name, 'Apollo', 'the model read the created project');

        // upload_file waits for the user: the orb shows the tool running and a file picker.
        await waitForAttribute(orb(page), 'data-state', 'tool');
        await byTestId(page, 'voice-file-pick').waitFor();
        await waitForText(byTestId(page, 'voice-status'), 'Uploading a file');
        await orbShot(page, 'tool');
        await byTestId(page, 'voice-file-input').setInputFiles({
          name: 'notes.txt',
          mimeType: 'text/plain',
          buffer: Buffer.from('Eagle has landed.\n'),
        });
        await waitForText(byTestId(page, 'voice-transcript'), 'Your notes are uploaded.');
        await call.finished();
        const stored = JSON.parse([...call.toolOutputs.values()][1]);
        assert.equal(stored.filename, 'notes.txt');
        const files = await apiFetch(page, '/api/v1/files');
        assert.ok(
          files.body.some((file) => file.filename === 'notes.txt' && file.size === 18),
          `notes.txt in ${JSON.stringify(files.body)}`,
        );

        // The orb swells with the sound: Chromium's fake microphone beeps.
        await waitForAttribute(orb(page), 'data-state', 'listening');
        await pollUntil(
          async () => Number(await orb(page).evaluate((element) => element.style.getPropertyValue('--level') || '0')) > 0.02,
          { message: 'the orb to follow the microphone level' },
        );

        // Mute is a toggle the keyboard can reach; the orb fits the phone's width.
        await byTestId(page, 'voice-mute').focus();
        await page.keyboard.press('Enter');
        await waitForAttribute(byTestId(page, 'voice-mute'), 'aria-pressed', 'true');
        await waitForText(byTestId(page, 'voice-status'), 'microphone off');
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 375, `no horizontal scroll at 375 px (scrollWidth ${width})`);
        await orbShot(page, 'mobile');

        await page.keyboard.press('Escape');
        await waitForAttribute(orb(page), 'data-state', 'idle');
        assert.deepEqual(unexpectedProblems(page), []);
      },
      { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true },
    );
  });

  test('revoking by voice waits for the user: Escape or Cancel keeps the connector, Confirm disconnects it; a call off the schema changes nothing', async () => {
    const SMTP = 'smtp';
    openai.queueScript([
      { user: 'Disconnect my mail server' },
      { call: 'revoke_connector', arguments: { key: SMTP } },
      { assistant: 'All right, I left it connected.' },
      { user: 'Disconnect my mail server, please' },
      { call: 'revoke_connector', arguments: { key: SMTP } },
      { assistant: 'Still connected, then.' },
      { user: 'Disconnect it after all' },
      { call: 'revoke_connector', arguments: { key: SMTP } },
      { assistant: 'Your mail server is disconnected.' },
      { user: 'Create a red project called Apollo' },
      { call: 'create_project', arguments: { name: 'Apollo', colour: 'red' } },
      { assistant: 'I could not create it.' },
    ]);

    await withPage(browser, 'orb-approval', async (page) => {
      await signUp(page, server.baseUrl);
      const saved = await apiFetch(page, `/api/v1/connectors/${SMTP}/config?verify=false`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          host: 'smtp.example.com',
          port: 587,
          security: 'starttls',
          username: 'grace',
          password: 'a-long-smtp-password',
          from: 'grace@example.com',
        }),
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      await byTestId(page, 'connectors-refresh').click();
      const card = byTestId(page, `connector-card-${SMTP}`);
      await waitForAttribute(card, 'data-status', 'active');
      const smtpConnected = async () =>
        (await apiFetch(page, '/api/v1/connectors')).body.find((connector) => connector.key === SMTP).connected;

      const callsBefore = openai.realtimeCalls.length;
      await orb(page).click();
      const call = await openai.nextCall(callsBefore);

      // 1. The model asks to revoke: the orb asks the user, in words, and waits.
      const approval = byTestId(page, 'voice-approval');
      await waitForText(approval, 'Disconnect SMTP?');
      assert.ok(
        await page.evaluate(() => document.activeElement?.closest('[data-testid="voice-approval"]') !== null),
        'focus moves to the approval',
      );
      assert.equal(await approval.getAttribute('role'), 'alertdialog');
      assert.equal(await byTestId(page, 'voice-approve').textContent(), 'Confirm');
      assert.equal(await byTestId(page, 'voice-reject').textContent(), 'Cancel');
      assert.equal(call.toolOutputs.size, 0, 'the model waits for the user');
      await orbShot(page, 'approval-wide-en');
      await assertAccessible(page, 'the orb asking for approval');
      const argumentsDone = () => call.sent.filter((event) => event.type === 'response.function_call_arguments.done').length;

      // Escape cancels (and does not hang up): nothing revoked, and the model is told so.
      await page.keyboard.press('Escape');
      const rejected = await pollUntil(() => call.toolOutputs.size >= 1 && [...call.toolOutputs.values()][0], {
        message: 'the rejection at the fake',
      });
      assert.deepEqual(
        { cancelled: JSON.parse(rejected).cancelled, approved: JSON.parse(rejected).approved },
        { cancelled: true, approved: false },
        rejected,
      );
      await waitForText(byTestId(page, 'voice-transcript'), 'I left it connected.');
      assert.notEqual(await orb(page).getAttribute('data-state'), 'idle', 'Escape in the approval does not hang up');
      assert.equal(await smtpConnected(), true, 'still connected at the server');

      // Asked again, the Cancel button does the same.
      await pollUntil(() => argumentsDone() === 2, { message: 'the second revoke_connector call' });
      await waitForText(approval, 'Disconnect SMTP?');
      await byTestId(page, 'voice-reject').click();
      const rejectedAgain = await pollUntil(() => call.toolOutputs.size >= 2 && [...call.toolOutputs.values()][1], {
        message: 'the second rejection at the fake',
      });
      assert.equal(JSON.parse(rejectedAgain).cancelled, true, rejectedAgain);
      await waitForText(byTestId(page, 'voice-transcript'), 'Still connected, then.');
      assert.equal(await smtpConnected(), true, 'still connected at the server');
      assert.equal(await card.getAttribute('data-status'), 'active');

      // 2. Asked a third time: looked at in French, then on a phone, then confirmed.
      await pollUntil(() => argumentsDone() === 3, { message: 'the third revoke_connector call' });
      await waitForText(approval, 'Disconnect SMTP?');
      await byTestId(page, 'locale-switch').click();
      await waitForText(approval, 'Déconnecter SMTP\u00a0?');
      assert.equal(await byTestId(page, 'voice-approve').textContent(), 'Confirmer');
      await orbShot(page, 'approval-wide-fr');
      await page.setViewportSize({ width: 375, height: 812 });
      await orbShot(page, 'approval-narrow-fr');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `no horizontal scroll at 375 px (scrollWidth ${width})`);
      await byTestId(page, 'locale-switch').click();
      await waitForText(approval, 'Disconnect SMTP?');
      await orbShot(page, 'approval-narrow-en');
      await page.setViewportSize({ width: 1280, height: 800 });

      await byTestId(page, 'voice-approve').click();
      await approval.waitFor({ state: 'detached' });
      const revoked = await pollUntil(() => call.toolOutputs.size >= 3 && [...call.toolOutputs.values()][2], {
        message: 'the revocation’s output at the fake',
      });
      assert.equal(JSON.parse(revoked).connected, false, revoked);
      await waitForAttribute(card, 'data-status', 'disconnected');
      assert.equal(await smtpConnected(), false, 'revoked at the server');
      // The two refusals never reached the server; the confirmed call did, once.
      const events = await apiFetch(page, `/api/v1/events?connector=${SMTP}&limit=50`);
      assert.deepEqual(
        events.body.filter((event) => event.type === 'tool.called').map((event) => [event.data.tool, event.data.outcome]),
        [['revoke_connector', 'ok']],
        JSON.stringify(events.body),
      );

      // 3. Arguments off the schema: the server's 422 reaches the model, nothing changes.
      const invalid = await pollUntil(() => call.toolOutputs.size >= 4 && [...call.toolOutputs.values()][3], {
        message: 'the 422 output at the fake',
      });
      const { error } = JSON.parse(invalid);
      assert.ok(error, `an error for the model: ${invalid}`);
      assert.ok(
        error.fields.some((problem) => problem.field.startsWith('arguments')),
        `the field at fault named: ${invalid}`,
      );
      await call.finished();
      const projects = await apiFetch(page, '/api/v1/projects');
      assert.ok(!projects.body.some((project) => project.name === 'Apollo'), 'no project was created');
      assert.equal(await byTestId(page, 'voice-approval').count(), 0, 'no approval for a tool that needs none');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '422 POST /api/v1/realtime/tool-calls']), []);
    });
  });

  test('a blocked consent window becomes a button, and a call that drops again after its re-join is reported as lost', async () => {
    openai.queueScript([
      { user: 'Connect my Google Calendar' },
      { call: 'activate_connector', arguments: { key: GOOGLE } },
      { assistant: 'Your browser blocked the Google window: press the button on screen to open it.' },
      { gate: 'hangup' },
      { hangup: true },
    ]);
    // The re-joined call drops too: the orb joins again only once.
    openai.queueScript([{ gate: 'hangup-again' }, { hangup: true }]);

    await withPage(browser, 'orb-blocked-popup', async (page) => {
      // The first window.open is refused, like a popup blocker does outside a click.
      await page.addInitScript(() => {
        const open = window.open.bind(window);
        let refuse = true;
        window.open = (...args) => {
          if (refuse) {
            refuse = false;
            return null;
          }
          return open(...args);
        };
      });
      await signUp(page, server.baseUrl);
      const callsBefore = openai.realtimeCalls.length;
      await orb(page).click();
      const call = await openai.nextCall(callsBefore);

      const offer = byTestId(page, 'voice-consent');
      await waitForText(offer, 'kept the sign-in window from opening');
      const outputs = await pollUntil(() => call.toolOutputs.size === 1 && [...call.toolOutputs.values()], {
        message: 'the tool output at the fake',
      });
      assert.equal(JSON.parse(outputs[0]).consent_page, 'blocked', 'the model learns the window was blocked');
      await waitForText(byTestId(page, 'voice-transcript'), 'press the button on screen');
      await orbShot(page, 'consent-blocked');

      const popupOpened = page.waitForEvent('popup');
      await offer.getByRole('button', { name: 'Open the sign-in page' }).click();
      const popup = await popupOpened;
      await byTestId(popup, 'google-allow').waitFor();
      assert.ok(popup.url().startsWith(`${google.url}/o/oauth2/v2/auth`), `popup at ${popup.url()}`);
      await offer.waitFor({ state: 'detached' });
      await popup.close();

      await pollUntil(() => call.waitingAt('hangup'), { message: 'the script to reach its hang-up' });
      call.release('hangup');
      const rejoined = await openai.nextCall(callsBefore + 1);
      await waitForAttribute(orb(page), 'data-state', 'listening');
      await pollUntil(() => rejoined.waitingAt('hangup-again'), { message: 'the re-joined call to reach its hang-up' });
      rejoined.release('hangup-again');
      await waitForAttribute(orb(page), 'data-state', 'error');
      await waitForText(byTestId(page, 'voice-error'), 'The connection to Donna was lost');
      assert.equal(await byTestId(page, 'voice-error').getAttribute('data-kind'), 'connection_lost');
      assert.equal(await byTestId(page, 'voice-hangup').count(), 0, 'nothing left to hang up');
      await orbShot(page, 'connection-lost');
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('a call the service drops mid-conversation is joined again: connecting, a second client secret, the transcript kept, the conversation goes on', async () => {
    openai.queueScript([
      { user: 'Create a project called Apollo' },
      { call: 'create_project', arguments: { name: 'Apollo' } },
      { assistant: 'Apollo is created.' },
      { gate: 'drop' },
      { hangup: true },
    ]);
    openai.queueScript([
      { user: 'Now one called Gemini' },
      { call: 'create_project', arguments: { name: 'Gemini' } },
      { assistant: 'Gemini is created too.' },
    ]);

    await withPage(browser, 'orb-rejoin', async (page) => {
      const recorder = recordContext(page);
      await signUp(page, server.baseUrl);
      const callsBefore = openai.realtimeCalls.length;
      const mintsBefore = openai.secrets.length;
      await orb(page).click();
      const first = await openai.nextCall(callsBefore);
      const transcript = byTestId(page, 'voice-transcript');
      await waitForText(transcript, 'Apollo is created.');
      await pollUntil(() => first.waitingAt('drop'), { message: 'the first call to reach its drop' });
      assert.equal(openai.secrets.length, mintsBefore + 1);

      // The service drops the call; the offer of the re-join waits at the fake while we look.
      openai.pauseCalls();
      first.release('drop');
      await waitForAttribute(orb(page), 'data-state', 'connecting');
      await waitForText(byTestId(page, 'voice-status'), 'The call dropped: joining again…');
      await pollUntil(() => openai.pendingOffers === 1, { message: 'the re-join’s SDP offer at the fake' });
      assert.equal(openai.secrets.length, mintsBefore + 2, 'a second client secret was minted upstream');
      for (const line of ['Create a project called Apollo', 'Apollo is created.']) {
        assert.ok((await transcript.textContent()).includes(line), `“${line}” stays in the transcript while joining again`);
      }
      await orbShot(page, 'rejoining');
      openai.resumeCalls();

      // The second call carries the second secret, and the conversation goes on in it.
      const second = await openai.nextCall(callsBefore + 1);
      assert.equal(second.secret, openai.secrets.at(-1).value);
      assert.notEqual(second.secret, first.secret);
      await waitForText(transcript, 'Gemini is created too.');
      await second.finished();
      await waitForAttribute(orb(page), 'data-state', 'listening');
      const text = await transcript.textContent();
      for (const line of ['Create a project called Apollo', 'Apollo is created.', 'Now one called Gemini', 'Gemini is created too.']) {
        assert.ok(text.includes(line), `“${line}” in the transcript: ${text}`);
      }
      assert.ok(text.indexOf('Apollo is created.') < text.indexOf('Now one called Gemini'), 'the earlier lines come first');
      const projects = await apiFetch(page, '/api/v1/projects');
      assert.deepEqual(projects.body.map((project) => project.name).sort(), ['Apollo', 'Gemini']);

      await recorder.settle();
      const minted = recorder.responses.filter((response) => response.url.endsWith('/api/v1/realtime/client-secret'));
      assert.deepEqual(minted.map((response) => response.status), [200, 200], 'two POST /realtime/client-secret');
      assert.equal(openai.realtimeCalls.length, callsBefore + 2);

      // The user's own hang-up is not a drop: nothing joins again.
      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb(page), 'data-state', 'idle');
      await pollUntil(() => second.phase === 'closed', { message: 'the second call to end at the fake' });
      assert.equal(openai.secrets.length, mintsBefore + 2, 'no secret minted after the hang-up');
      assert.equal(await orb(page).getAttribute('data-state'), 'idle');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('when the re-join fails too (its client secret refused), the orb says so in words', async () => {
    const limited = await startServer({
      name: 'orb-rejoin-limited',
      env: { ...openai.serverEnv(), REALTIME_SECRETS_PER_MINUTE: '1' },
    });
    openai.queueScript([{ user: 'Hello Donna' }, { gate: 'drop' }, { hangup: true }]);
    try {
      await withPage(browser, 'orb-rejoin-failed', async (page) => {
        await signUp(page, limited.baseUrl);
        const callsBefore = openai.realtimeCalls.length;
        await orb(page).click();
        const call = await openai.nextCall(callsBefore);
        await waitForText(byTestId(page, 'voice-transcript'), 'Hello Donna');
        await pollUntil(() => call.waitingAt('drop'), { message: 'the call to reach its drop' });

        call.release('drop');
        await waitForAttribute(orb(page), 'data-state', 'error');
        const error = byTestId(page, 'voice-error');
        assert.equal(await error.getAttribute('data-kind'), 'rejoin_failed');
        await waitForText(
          error,
          /The connection to Donna was lost and could not be restored\. Too many voice conversations.*Try again in \d+ seconds?\./,
        );
        assert.ok((await byTestId(page, 'voice-transcript').textContent()).includes('Hello Donna'), 'the transcript stays');
        assert.equal(openai.realtimeCalls.length, callsBefore + 1, 'no second call reached OpenAI');
        await byTestId(page, 'locale-switch').click();
        await waitForText(error, /La connexion avec Donna a été perdue et n’a pas pu être rétablie\. Trop de conversations vocales/);
        await orbShot(page, 'rejoin-failed');
        assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '429 POST /api/v1/realtime/client-secret']), []);
      });
    } finally {
      await limited.stop();
    }
  });

  test('an events window that ends before it starts is said in French in the transcript', async () => {
    openai.queueScript([
      { user: 'Quels sont mes rendez-vous ?' },
      { call: 'list_events', arguments: { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' } },
      { assistant: 'La fin de la période précède son début.' },
    ]);

    await withPage(
      browser,
      'orb-events-range-fr',
      async (page) => {
        await signUp(page, server.baseUrl);
        const callsBefore = openai.realtimeCalls.length;
        await orb(page).click();
        const call = await openai.nextCall(callsBefore);

        // The events route's 422 reaches the model with its codes…
        const output = await pollUntil(() => call.toolOutputs.size >= 1 && [...call.toolOutputs.values()][0], {
          message: 'the list_events output at the fake',
        });
        const { error } = JSON.parse(output);
        assert.deepEqual(
          error.fields.map(({ field, code, params }) => ({ field, code, params })),
          [{ field: 'to', code: 'must_be_after', params: { other: 'from' } }],
          output,
        );
        // …and the transcript says it in the page's language, not the server's English.
        const line = byTestId(page, 'voice-transcript').locator('li[data-tool="list_events"]');
        await waitForText(line.locator('.voice__tool-result'), 'Le champ «\u00a0Fin\u00a0» doit être postérieur au champ «\u00a0Début\u00a0».');
        assert.doesNotMatch(await line.textContent(), /must be after/);
        await waitForText(byTestId(page, 'voice-transcript'), 'La fin de la période précède son début.');
        await call.finished();
        await orbShot(page, 'events-range-fr');
        await assertAccessible(page, 'the French transcript with a refused call');
        assert.deepEqual(openai.peerErrors, []);
        assert.deepEqual(unexpectedProblems(page), []);
      },
      { locale: 'fr-FR' },
    );
  });

  test('a second conversation within the minute is refused in words, with the time to wait', async () => {
    const limited = await startServer({
      name: 'orb-rate-limited',
      env: { ...openai.serverEnv(), REALTIME_SECRETS_PER_MINUTE: '1' },
    });
    try {
      await withPage(browser, 'orb-rate-limited', async (page) => {
        const recorder = recordContext(page);
        await signUp(page, limited.baseUrl);
        const callsBefore = openai.realtimeCalls.length;
        await orb(page).click();
        await openai.nextCall(callsBefore);
        await waitForAttribute(orb(page), 'data-state', 'listening');
        await byTestId(page, 'voice-hangup').click();
        await waitForAttribute(orb(page), 'data-state', 'idle');

        await orb(page).click();
        await waitForAttribute(orb(page), 'data-state', 'error');
        const error = byTestId(page, 'voice-error');
        await waitForText(error, /Too many voice conversations.*Try again in \d+ seconds?\./);
        assert.equal(await error.getAttribute('data-kind'), 'rate_limited');
        assert.equal(openai.realtimeCalls.length, callsBefore + 1, 'no second call reached OpenAI');
        await orbShot(page, 'error');

        await recorder.settle();
        assertNoLeak(recorder, { OPENAI_API_KEY: openai.apiKey }, 'responses of the rate-limited run');
        assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '429 POST /api/v1/realtime/client-secret']), []);
      });
    } finally {
      await limited.stop();
    }
  });

  test('without OPENAI_API_KEY the orb says voice is not configured (started from the keyboard)', async () => {
    const unconfigured = await startServer({
      name: 'orb-unconfigured',
      env: { REALTIME_CALLS_URL: `${openai.url}/v1/realtime/calls` },
    });
    try {
      await withPage(browser, 'orb-unconfigured', async (page) => {
        await signUp(page, unconfigured.baseUrl);
        const mintsBefore = openai.secrets.length;
        await orb(page).focus();
        await page.keyboard.press('Enter');
        await waitForAttribute(orb(page), 'data-state', 'error');
        await waitForText(byTestId(page, 'voice-error'), 'Voice is not configured on this server');
        assert.equal(await byTestId(page, 'voice-error').getAttribute('data-kind'), 'not_configured');
        assert.equal(openai.secrets.length, mintsBefore, 'nothing was minted');
        assert.equal(await orb(page).getAttribute('aria-label'), 'Try talking to Donna again');
        await orbShot(page, 'error-not-configured');
        assert.deepEqual(unexpectedProblems(page, ['401 GET /api/v1/auth/me', '503 POST /api/v1/realtime/client-secret']), []);
      });
    } finally {
      await unconfigured.stop();
    }
  });
});
