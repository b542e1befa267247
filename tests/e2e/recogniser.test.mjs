// The fake Realtime peer's ears (fakes/recognise.py) on their own, without a browser:
// espeak-ng's voice, resampled to 16 kHz, through pocketsphinx with a JSGF grammar of
// orders. The spoken-order journey relies on these: the order is heard exactly, an
// order outside the grammar or a sentence that is no order is not taken for one.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { recognise, resample, silence, speak } from './fakes/speech.mjs';

const RATE = 16_000;
const ORDERS = ['activate google calendar', 'activate slack', 'activate notion'];

/** `texts` said one after the other, a second of silence around each, at 16 kHz. */
function utterances(...texts) {
  const parts = [silence(RATE, 1)];
  for (const text of texts) {
    const { sampleRate, samples } = speak(text);
    parts.push(resample(samples, sampleRate, RATE), silence(RATE, 1));
  }
  return Buffer.concat(parts);
}

describe('recognise.py', () => {
  test('hears espeak-ng saying "activate google calendar" exactly, with when it was said', async () => {
    const reports = await recognise(utterances('activate google calendar'), ORDERS);
    assert.equal(reports.length, 1, JSON.stringify(reports));
    const [report] = reports;
    assert.equal(report.heard, 'activate google calendar');
    assert.equal(report.words, 'activate google calendar');
    // The words start after the first second of silence and last about a second and a half.
    assert.ok(report.start >= 0.8 && report.start < 1.6, `start ${report.start}`);
    assert.ok(report.end - report.start > 0.8, `end ${report.end}`);
  });

  test('takes neither a sentence that is no order nor an order outside its grammar for one', async () => {
    const reports = await recognise(
      utterances('what is the weather tomorrow', 'activate google calendar'),
      ['activate slack', 'activate notion', 'revoke google calendar'],
    );
    assert.equal(reports.length, 2, `one report an utterance: ${JSON.stringify(reports)}`);
    assert.deepEqual(
      reports.map((report) => report.heard),
      [null, null],
      `nothing heard as an order: ${JSON.stringify(reports)}`,
    );
  });

  test('refuses a phrase that is not lower-case words', async () => {
    await assert.rejects(recognise(silence(RATE, 0.1), ['Activate Google']), /a phrase is lower-case words/);
  });
});
