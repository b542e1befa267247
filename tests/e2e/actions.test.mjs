// Browser journeys of Donna's actions on connected accounts (issue 20): one read (the
// Slack channels, connected through the dashboard at a fake Slack, read aloud in the
// transcript) and one approved write (an email sent through a real aiosmtpd configured
// through the dashboard's form, only after Confirm). The real reference server, the
// real `@openai/agents` SDK over real WebRTC against the fake Realtime peer, headless
// Chromium; every wait has a deadline, none is a fixed sleep.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

import { startFakeOpenAIRealtime } from './fakes/openai-realtime.mjs';
import { PYTHON } from './fakes/realtime-peer.mjs';
import { SLACK_CHANNELS, startFakeSlack } from './fakes/slack.mjs';
import {
  DEFAULT_TIMEOUT,
  REPO_ROOT,
  SCREENS_DIR,
  apiFetch,
  assertAccessible,
  byTestId,
  launchBrowser,
  pollUntil,
  recordResponses,
  screenshot,
  signUp,
  startServer,
  unexpectedProblems,
  waitForAttribute,
  waitForText,
  withPage,
} from './harness.mjs';

/** What Chromium needs for WebRTC on loopback with a fake microphone (PROVIDERS.md). */
const MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection'];
/** The SMTP peer of the connector's own tests: aiosmtpd with AUTH, keeping each message. */
const SMTP_SERVER = path.join(REPO_ROOT, 'connectors-providers', 'tests', 'connectors', 'smtp_server.py');

let slack;
let openai;
let server;
let browser;

before(async () => {
  slack = await startFakeSlack();
  openai = await startFakeOpenAIRealtime();
  server = await startServer({ name: 'actions', env: { ...slack.serverEnv(), ...openai.serverEnv() } });
  browser = await launchBrowser({ extraArgs: MEDIA_ARGS });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await Promise.all([slack?.stop(), openai?.stop()]);
});

function orb(page) {
  return byTestId(page, 'voice-orb');
}

/** A PNG of the orb's panel at test-artifacts/screens/actions-<name>.png. */
async function orbShot(page, name) {
  mkdirSync(SCREENS_DIR, { recursive: true });
  await page.locator('#orb-slot').screenshot({ path: path.join(SCREENS_DIR, `actions-${name}.png`), caret: 'hide' });
}

/** The outputs the browser sent the model (`function_call_output`), parsed, in order. */
function toolOutputs(call) {
  return call.received
    .filter((event) => event.type === 'conversation.item.create' && event.item?.type === 'function_call_output')
    .map((event) => JSON.parse(event.item.output));
}

/** Waits for the `n`-th (1-based) tool output of the call and returns it parsed. */
function nthToolOutput(call, n, what) {
  return pollUntil(() => toolOutputs(call).length >= n && toolOutputs(call)[n - 1], { message: what });
}

/** Names joined as a person says them: "a, b and c". */
function spokenList(names) {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * Connects Slack through the grid: its Connect button, Slack's consent page (the user
 * scopes asked checked), Allow, the callback page, back to an active card. Returns the
 * user token Slack issued.
 */
async function connectSlack(page) {
  const card = byTestId(page, 'connector-card-slack');
  await waitForAttribute(card, 'data-status', 'disconnected');
  await byTestId(page, 'connector-connect-slack').click();
  await page.waitForURL((url) => url.href.startsWith(slack.authUrl));
  const authorize = new URL(page.url()).searchParams;
  assert.equal(authorize.get('client_id'), slack.clientId);
  assert.equal(authorize.get('redirect_uri'), `${server.baseUrl}/api/v1/connectors/slack/callback`);
  assert.deepEqual(authorize.get('user_scope')?.split(',').sort(), ['channels:history', 'channels:read', 'chat:write', 'users:read']);
  await byTestId(page, 'slack-allow').click();
  await page.waitForURL(`${server.baseUrl}/connectors/callback/slack?status=success`);
  await waitForAttribute(byTestId(page, 'callback-outcome'), 'data-outcome', 'success');
  await byTestId(page, 'callback-back').click();
  await page.waitForURL(`${server.baseUrl}/`);
  await waitForAttribute(card, 'data-status', 'active');
  const token = slack.issued.accessTokens.at(-1);
  assert.ok(token, 'Slack issued a user token');
  return token;
}

/**
 * The real SMTP server (aiosmtpd, AUTH PLAIN/LOGIN on a plaintext connection) with
 * SMTP_MAILBOX: each accepted message lands in `mailbox` as N.eml + N.json.
 */
async function startSmtpPeer({ user, password }) {
  const mailbox = mkdtempSync(path.join(tmpdir(), 'connectors-e2e-mailbox-'));
  const child = spawn(PYTHON, [SMTP_SERVER, user, password, 'plain'], {
    env: { ...process.env, SMTP_MAILBOX: mailbox },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (errors = (errors + chunk).slice(-2000)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aiosmtpd did not announce its port within ${DEFAULT_TIMEOUT} ms: ${errors}`)), DEFAULT_TIMEOUT);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve(Number(line.trim()));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aiosmtpd exited (${code}) before it listened (${PYTHON} needs aiosmtpd: scripts/setup-test-deps.sh): ${errors}`));
    });
  });
  return {
    port,
    mailbox,
    /** The files the server kept, sorted. */
    kept: () => readdirSync(mailbox).filter((name) => !name.endsWith('.tmp')).sort(),
    read: (name) => readFileSync(path.join(mailbox, name), 'utf8'),
    stop() {
      child.kill('SIGTERM');
      rmSync(mailbox, { recursive: true, force: true });
    },
  };
}

describe('actions by voice', () => {
  test('Slack connected through the dashboard, then its channels read aloud: the tool’s output reached the model and the transcript', async () => {
    const question = 'What channels do we have in Slack?';
    openai.queueScript([
      { user: question },
      { call: 'list_slack_channels', arguments: {} },
      {
        // Donna's words come from what the tool answered, as the model's would.
        assistant: (call) => {
          const channels = toolOutputs(call).at(-1);
          if (!Array.isArray(channels)) return `I could not list them: ${JSON.stringify(channels)}`;
          return `You have ${channels.length} channels: ${spokenList(channels.map((channel) => channel.name))}.`;
        },
      },
    ]);

    await withPage(browser, 'actions-slack-read', async (page) => {
      const recorder = recordResponses(page.context());
      await signUp(page, server.baseUrl);
      const token = await connectSlack(page);

      // The conversation: the question, the tool relayed by the page, Donna's answer.
      const callsBefore = openai.realtimeCalls.length;
      const listsBefore = slack.webApiCalls('conversations.list').length;
      await orb(page).click();
      const call = await openai.nextCall(callsBefore);
      const transcript = byTestId(page, 'voice-transcript');
      const spoken = `You have 3 channels: ${spokenList(SLACK_CHANNELS.map((channel) => channel.name))}.`;
      await waitForText(transcript, spoken);
      await waitForText(transcript, 'Listed your Slack channels');
      await call.finished();
      assert.ok((await transcript.textContent()).includes(question), 'the question is in the transcript');
      await waitForAttribute(orb(page), 'data-state', 'listening');
      await orbShot(page, 'slack-channels-read');

      // What the model read: the channels trimmed to what a person needs, nothing raw.
      const outputs = toolOutputs(call);
      assert.equal(outputs.length, 1, 'one function_call_output');
      assert.deepEqual(
        outputs[0],
        SLACK_CHANNELS.map((channel) => ({ id: channel.id, name: channel.name, topic: channel.topic === '' ? null : channel.topic, members: channel.members })),
      );
      const calledAt = call.sent.find((event) => event.type === 'response.function_call_arguments.done');
      assert.equal(calledAt.name, 'list_slack_channels');
      assert.ok(
        call.received.some((event) => event.type === 'conversation.item.create' && event.item?.call_id === calledAt.call_id),
        'the output answers the model’s own call id',
      );

      // Slack was asked once, as the user, for the public channels.
      const lists = slack.webApiCalls('conversations.list').slice(listsBefore);
      assert.equal(lists.length, 1, 'one conversations.list');
      assert.equal(lists[0].args.types, 'public_channel');
      const asked = slack.callsTo('/api/conversations.list', 'GET').at(-1);
      assert.equal(asked.headers.authorization, `Bearer ${token}`);

      // The user's token reached neither the model nor the page.
      assert.ok(!JSON.stringify(call.received).includes(token), 'no Slack token to the Realtime peer');
      await recorder.settle();
      for (const response of recorder.responses) {
        assert.ok(!(response.body ?? '').includes(token), `no Slack token in ${response.url}`);
        assert.ok(!(response.body ?? '').includes(slack.clientSecret), `no Slack client secret in ${response.url}`);
      }
      assert.ok(!server.logs().includes(token), 'no Slack token in the server log');

      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb(page), 'data-state', 'idle');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('a Slack post by voice waits for Confirm, then reaches chat.postMessage once, as the user', async () => {
    const post = { channel: 'C01GENERAL', text: 'The launch is on Thursday' };
    openai.queueScript([
      { user: 'Tell general the launch is on Thursday' },
      // The model learns the channel's id from the listing, and the page its name.
      { call: 'list_slack_channels', arguments: {} },
      { call: 'post_slack_message', arguments: post },
      { assistant: (call) => (toolOutputs(call).at(-1)?.ts ? 'Posted in general.' : `Not posted: ${JSON.stringify(toolOutputs(call).at(-1))}`) },
    ]);

    await withPage(browser, 'actions-slack-post', async (page) => {
      await signUp(page, server.baseUrl);
      const token = await connectSlack(page);
      const postedBefore = slack.posted.length;
      const callsBefore = openai.realtimeCalls.length;
      await orb(page).click();
      const call = await openai.nextCall(callsBefore);

      const approval = byTestId(page, 'voice-approval');
      await waitForText(approval, `Post in Slack: “${post.text}”?`);
      await waitForText(approval, 'In channel #general, as you.');
      assert.equal(await approval.getAttribute('data-tool'), 'post_slack_message');
      assert.equal(slack.posted.length, postedBefore, 'nothing posted while the user reads');
      assert.equal(toolOutputs(call).length, 1, 'the model waits for the user (only the listing answered)');
      await assertAccessible(page, 'the orb asking to post in Slack');
      await orbShot(page, 'approval-slack-wide-en');

      await byTestId(page, 'voice-approve').click();
      await approval.waitFor({ state: 'detached' });
      await waitForText(byTestId(page, 'voice-transcript'), 'Posted in general.');
      await call.finished();
      assert.deepEqual(slack.posted.slice(postedBefore).map(({ channel, text }) => ({ channel, text })), [post]);
      const asked = slack.callsTo('/api/chat.postMessage', 'POST').at(-1);
      assert.equal(asked.headers.authorization, `Bearer ${token}`);
      assert.deepEqual(JSON.parse(asked.body), post);
      const output = toolOutputs(call)[1];
      assert.equal(output.channel, post.channel);
      assert.equal(output.ts, slack.posted.at(-1).ts);

      const events = await apiFetch(page, '/api/v1/events?connector=slack&limit=50');
      assert.deepEqual(
        events.body.filter((event) => event.type === 'tool.called').map((event) => [event.data.tool, event.data.outcome]),
        [
          ['post_slack_message', 'ok'],
          ['list_slack_channels', 'ok'],
        ],
        JSON.stringify(events.body),
      );
      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb(page), 'data-state', 'idle');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('an email by voice waits for the user: Cancel sends nothing and the model is told, Confirm sends it to aiosmtpd', async (t) => {
    const login = { user: 'grace@example.com', password: `smtp-${randomBytes(8).toString('hex')}` };
    const smtp = await startSmtpPeer(login);
    t.after(() => smtp.stop());
    const email = { to: 'marie@example.com', subject: 'Lunch on Thursday', text: 'Noon at the usual place?\nGrace' };
    const question = 'Send an email to marie@example.com: “Lunch on Thursday”?';
    const question_fr = 'Envoyer un e-mail à marie@example.com\u00a0: «\u00a0Lunch on Thursday\u00a0»\u00a0?';
    openai.queueScript([
      { user: 'Email Marie: lunch on Thursday, noon at the usual place' },
      { call: 'send_email', arguments: email },
      { assistant: (call) => (toolOutputs(call).at(-1)?.cancelled === true ? 'All right, I did not send it.' : 'Hmm, it went.') },
      { user: 'Send it after all' },
      { call: 'send_email', arguments: email },
      { assistant: (call) => `Sent to ${toolOutputs(call).at(-1)?.to ?? 'nobody'}.` },
    ]);

    await withPage(browser, 'actions-email', async (page) => {
      await signUp(page, server.baseUrl);

      // The mail server, configured through the dashboard's form (verified at aiosmtpd).
      const card = byTestId(page, 'connector-card-smtp');
      await waitForAttribute(card, 'data-status', 'disconnected');
      await byTestId(page, 'connector-connect-smtp').click();
      const form = byTestId(page, 'connector-form-smtp');
      await form.waitFor();
      const field = (name) => byTestId(page, `connector-field-smtp-${name}`);
      await field('host').fill('127.0.0.1');
      await field('port').fill(String(smtp.port));
      await field('security').selectOption('none');
      await field('username').fill(login.user);
      await field('password').fill(login.password);
      await field('from').fill('Grace Hopper <grace@example.com>');
      await byTestId(page, 'connector-save-smtp').click();
      await form.waitFor({ state: 'detached' });
      await waitForAttribute(card, 'data-status', 'active');
      assert.deepEqual(smtp.kept(), [], 'verifying the server sent nothing');

      const callsBefore = openai.realtimeCalls.length;
      await orb(page).click();
      const call = await openai.nextCall(callsBefore);

      // 1. The model asks to send: the orb asks the user, in words, and waits.
      const approval = byTestId(page, 'voice-approval');
      await waitForText(approval, question);
      await waitForText(byTestId(page, 'voice-approval-body'), email.text);
      assert.equal(await approval.getAttribute('role'), 'alertdialog');
      assert.equal(await approval.getAttribute('data-tool'), 'send_email');
      assert.ok(
        await page.evaluate(() => document.activeElement?.closest('[data-testid="voice-approval"]') !== null),
        'focus moves to the approval',
      );
      assert.equal(await byTestId(page, 'voice-approve').textContent(), 'Confirm');
      assert.equal(await byTestId(page, 'voice-reject').textContent(), 'Cancel');
      assert.equal(toolOutputs(call).length, 0, 'the model waits for the user');
      await assertAccessible(page, 'the orb asking to send an email (en)');
      await orbShot(page, 'approval-email-wide-en');

      // Cancel: nothing reaches aiosmtpd, and the model is told it was refused.
      await byTestId(page, 'voice-reject').click();
      const refused = await nthToolOutput(call, 1, 'the refusal at the fake');
      assert.deepEqual({ cancelled: refused.cancelled, approved: refused.approved }, { cancelled: true, approved: false }, JSON.stringify(refused));
      await waitForText(byTestId(page, 'voice-transcript'), 'All right, I did not send it.');
      assert.deepEqual(smtp.kept(), [], 'nothing at aiosmtpd after Cancel');

      // 2. Asked again: looked at in French and on a phone, then confirmed.
      await pollUntil(() => call.sent.filter((event) => event.type === 'response.function_call_arguments.done').length === 2, {
        message: 'the second send_email call',
      });
      await waitForText(approval, question);
      await byTestId(page, 'locale-switch').click();
      await waitForText(approval, question_fr);
      assert.equal(await byTestId(page, 'voice-approve').textContent(), 'Confirmer');
      await assertAccessible(page, 'the orb asking to send an email (fr)');
      await orbShot(page, 'approval-email-wide-fr');
      await screenshot(page, 'actions-approval-email-page-wide-fr');
      await page.setViewportSize({ width: 390, height: 844 });
      await orbShot(page, 'approval-email-narrow-fr');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no horizontal scroll at 390 px (scrollWidth ${width})`);
      await byTestId(page, 'locale-switch').click();
      await waitForText(approval, question);
      await assertAccessible(page, 'the orb asking to send an email (en, phone)');
      await orbShot(page, 'approval-email-narrow-en');
      await screenshot(page, 'actions-approval-email-page-narrow-en');
      await page.setViewportSize({ width: 1280, height: 860 });
      assert.deepEqual(smtp.kept(), [], 'still nothing sent while the user looks');

      await byTestId(page, 'voice-approve').click();
      await approval.waitFor({ state: 'detached' });
      const sent = await nthToolOutput(call, 2, 'the sent email’s output at the fake');
      assert.deepEqual(sent, { from: 'Grace Hopper <grace@example.com>', to: email.to, subject: email.subject });
      await waitForText(byTestId(page, 'voice-transcript'), `Sent to ${email.to}.`);
      await waitForText(byTestId(page, 'voice-transcript'), 'Sent an email');
      await call.finished();

      // At aiosmtpd: one message, to Marie, from Grace's login, with its subject and body.
      assert.deepEqual(smtp.kept(), ['1.eml', '1.json'], 'one message kept at aiosmtpd');
      const envelope = JSON.parse(smtp.read('1.json'));
      assert.deepEqual(envelope.rcpt_tos, [email.to]);
      assert.equal(envelope.mail_from, 'grace@example.com');
      assert.equal(envelope.login, login.user);
      const message = smtp.read('1.eml');
      assert.match(message, /^Subject: Lunch on Thursday\r$/m, message);
      assert.match(message, /^To: marie@example\.com\r$/m, message);
      assert.match(message, /^From: "?Grace Hopper"? <grace@example\.com>\r$/m, message);
      assert.match(message, /\r\n\r\nNoon at the usual place\?\r\nGrace(\r\n)?$/, `the body, its line break kept, in ${message}`);

      // The confirmed call reached the server once, recorded; the refusal never did.
      const events = await apiFetch(page, '/api/v1/events?connector=smtp&limit=50');
      assert.deepEqual(
        events.body.filter((event) => event.type === 'tool.called').map((event) => [event.data.tool, event.data.outcome]),
        [['send_email', 'ok']],
        JSON.stringify(events.body),
      );
      assert.ok(!server.logs().includes(login.password), 'no SMTP password in the server log');
      assert.ok(!JSON.stringify(call.received).includes(login.password), 'no SMTP password to the Realtime peer');

      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb(page), 'data-state', 'idle');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });
});
