// A spoken order heard for real: Chromium's fake microphone plays a WAV in which
// espeak-ng says "activate google calendar"; the browser sends it over the real WebRTC
// call in Opus; the fake Realtime peer decodes it and recognises the words with
// pocketsphinx (fakes/recognise.py, a JSGF grammar of the orders below), and only then
// sends the user's transcript and the `activate_connector` call for the connector it
// heard. So the order travels microphone → getUserMedia → WebRTC → peer, not a script.
//
// Needs espeak-ng, libopus0 and pocketsphinx in .venv-test/ (scripts/setup-test-deps.sh).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startFakeOpenAIRealtime } from './fakes/openai-realtime.mjs';
import { silence, speak, writePcmWav } from './fakes/speech.mjs';
import {
  apiFetch,
  byTestId,
  launchBrowser,
  pollUntil,
  signUp,
  startFakeGoogle,
  startServer,
  unexpectedProblems,
  waitForAttribute,
  waitForText,
  withPage,
} from './harness.mjs';

/** The orders the tests speak, and the connector each one activates: the recogniser's grammar. */
const ORDERS = {
  'activate google calendar': 'google_calendar',
  'activate slack': 'slack',
  'activate notion': 'notion',
};
const SPOKEN = 'activate google calendar';
/**
 * Silence before and after the order. Chromium loops the file from when the microphone
 * opens: the lead lets the call connect before the words start (a cut-off first
 * utterance is heard on the next loop), the tail gives the endpointer a clean end.
 */
const LEAD_SECONDS = 2.5;
const TAIL_SECONDS = 3;
/** Long enough for two loops of the file (the first may start before the call carries audio). */
const HEAR_TIMEOUT_MS = 30_000;

let dir;
let google;
let openai;
let server;
let browser;

/** Chromium whose microphone plays `wav` (WebRTC on loopback, no permission prompt). */
function browserHearing(wav) {
  return launchBrowser({
    extraArgs: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--allow-loopback-in-peer-connection',
    ],
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'spoken-order-'));
  google = await startFakeGoogle({ email: 'ada.lovelace@example.com' });
  openai = await startFakeOpenAIRealtime();
  server = await startServer({ name: 'spoken-order', env: { ...google.serverEnv(), ...openai.serverEnv() } });
  browser = await browserHearing(spokenWav(dir, SPOKEN));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await Promise.all([google?.stop(), openai?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** espeak-ng saying `text`, padded with silence, as a WAV file in `directory`: its path. */
function spokenWav(directory, text) {
  const { sampleRate, samples } = speak(text);
  const file = path.join(directory, `${text.replace(/[^a-z]+/gi, '-')}.wav`);
  writePcmWav(file, sampleRate, Buffer.concat([silence(sampleRate, LEAD_SECONDS), samples, silence(sampleRate, TAIL_SECONDS)]));
  return file;
}

function orb(page) {
  return byTestId(page, 'voice-orb');
}

function orbLevel(page) {
  return orb(page).evaluate((element) => Number(element.style.getPropertyValue('--level') || '0'));
}

describe('a spoken order', () => {
  test('"activate google calendar" said into the microphone is heard by the peer, which activates Google Calendar', async (t) => {
    const answer = 'I opened Google’s window: approve access there.';
    openai.queueScript([
      { hear: Object.keys(ORDERS), timeout: HEAR_TIMEOUT_MS },
      { call: 'activate_connector', arguments: (call) => ({ key: ORDERS[call.heardOrders.at(-1)] }) },
      { assistant: answer, gate: 'speaking' },
    ]);

    await withPage(browser, 'spoken-order', async (page) => {
      const toolCalls = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/api/v1/realtime/tool-calls')) toolCalls.push(request.postDataJSON());
      });
      const toolAnswers = [];
      page.on('response', (response) => {
        if (response.url().endsWith('/api/v1/realtime/tool-calls')) toolAnswers.push(response.status());
      });
      await signUp(page, server.baseUrl);
      await waitForAttribute(byTestId(page, 'connector-card-google_calendar'), 'data-status', 'disconnected');

      const popupOpened = page.waitForEvent('popup', { timeout: HEAR_TIMEOUT_MS + 10_000 });
      const callsBefore = openai.realtimeCalls.length;
      await orb(page).click();
      const call = await openai.nextCall(callsBefore);
      assert.match(call.offerSdp, /a=rtpmap:\d+ opus\/48000\/2/i, 'the browser offers Opus');

      // The peer heard the order in the Opus audio, and only then did the model call the tool.
      const popup = await popupOpened;
      assert.deepEqual(call.heardOrders, [SPOKEN]);
      assert.ok(call.inboundPackets.get(call.opusPayloadType) > 0, 'the microphone came in Opus');
      t.diagnostic(`the recogniser heard ${JSON.stringify(call.heard)}; RTP packets by payload type ${JSON.stringify(Object.fromEntries(call.inboundPackets))}`);
      const heard = call.heard.find((report) => report.heard === SPOKEN);
      assert.ok(heard.end > heard.start, `an utterance with a duration: ${JSON.stringify(heard)}`);
      const transcribed = call.sent.find((event) => event.type === 'conversation.item.input_audio_transcription.completed');
      assert.equal(transcribed.transcript, SPOKEN, 'the user’s transcript is the words recognised');

      // The call reached the server, which opened Google's consent page in the popup.
      await byTestId(popup, 'google-allow').waitFor();
      assert.ok(popup.url().startsWith(`${google.url}/o/oauth2/v2/auth`), `popup at ${popup.url()}`);
      assert.equal(toolCalls.length, 1, JSON.stringify(toolCalls));
      assert.equal(toolCalls[0].name, 'activate_connector');
      const args = typeof toolCalls[0].arguments === 'string' ? JSON.parse(toolCalls[0].arguments) : toolCalls[0].arguments;
      assert.deepEqual(args, { key: 'google_calendar' });
      await pollUntil(() => toolAnswers.length === 1, { message: 'the answer of POST /realtime/tool-calls' });
      assert.equal(toolAnswers[0], 200);
      const output = JSON.parse(await pollUntil(() => [...call.toolOutputs.values()][0], { message: 'the tool output at the peer' }));
      assert.equal(output.key, 'google_calendar');
      assert.equal(output.consent_page, 'opened');

      // The transcript shows the words the peer recognised.
      await waitForText(byTestId(page, 'voice-transcript'), SPOKEN);

      // Donna speaks over the call's audio track (held at the peer while we look); the
      // page plays it and the orb follows its level.
      await pollUntil(() => call.waitingAt('speaking'), { message: 'Donna to start speaking' });
      await waitForAttribute(orb(page), 'data-state', 'agent-speaking');
      await pollUntil(async () => (await orbLevel(page)) > 0.05, { message: 'the orb to follow Donna’s voice' });
      call.release('speaking');
      await waitForText(byTestId(page, 'voice-transcript'), answer);
      await call.finished();

      // Consent granted: Google Calendar turns active.
      const popupClosed = popup.waitForEvent('close');
      await byTestId(popup, 'google-allow').click();
      await popupClosed;
      await waitForAttribute(byTestId(page, 'connector-card-google_calendar'), 'data-status', 'active');

      await byTestId(page, 'voice-hangup').click();
      await waitForAttribute(orb(page), 'data-state', 'idle');
      assert.deepEqual(openai.peerErrors, []);
      assert.deepEqual(unexpectedProblems(page), []);
    });
  });

  test('words that are no order, said into the microphone, are heard but activate nothing', async (t) => {
    const words = 'what is the weather tomorrow';
    const mumbling = await browserHearing(spokenWav(dir, words));
    const errorsBefore = openai.peerErrors.length;
    openai.queueScript([
      // Long enough for the file to play whole at least once after the call carries audio.
      { hear: Object.keys(ORDERS), timeout: 15_000 },
      { call: 'activate_connector', arguments: (call) => ({ key: ORDERS[call.heardOrders.at(-1)] }) },
    ]);
    try {
      await withPage(mumbling, 'spoken-no-order', async (page) => {
        const toolCalls = [];
        page.on('request', (request) => {
          if (request.url().endsWith('/api/v1/realtime/tool-calls')) toolCalls.push(request.url());
        });
        await signUp(page, server.baseUrl);
        const callsBefore = openai.realtimeCalls.length;
        await orb(page).click();
        const call = await openai.nextCall(callsBefore);
        await waitForAttribute(orb(page), 'data-state', 'listening');

        // The script waits for an order at the peer, and fails at its deadline saying so.
        const error = await pollUntil(() => openai.peerErrors[errorsBefore], { timeout: 30_000, message: 'the hear step to give up' });
        t.diagnostic(error.message);
        assert.match(error.message, /timed out after 15000 ms waiting for the microphone to say "activate google calendar"/);
        assert.ok(call.heard.length > 0, 'the words were heard as an utterance');
        assert.ok(call.heard.every((report) => report.heard === null), `none taken for an order: ${JSON.stringify(call.heard)}`);
        assert.deepEqual(call.heardOrders, []);
        assert.ok(!call.sent.some((event) => event.type === 'conversation.item.input_audio_transcription.completed'), 'no transcript');
        assert.deepEqual(toolCalls, [], 'no tool call reached the server');
        const connectors = await apiFetch(page, '/api/v1/connectors');
        assert.equal(connectors.body.find((connector) => connector.key === 'google_calendar').connected, false);

        await byTestId(page, 'voice-hangup').click();
        await waitForAttribute(orb(page), 'data-state', 'idle');
        assert.deepEqual(unexpectedProblems(page), []);
      });
    } finally {
      await mumbling.close();
    }
  });
});
