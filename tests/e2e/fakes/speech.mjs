// Spoken words for the fake microphone and the recogniser: espeak-ng's American voice
// as 16-bit mono PCM, WAV files for Chromium's `--use-file-for-fake-audio-capture`
// (which loops them), a resampler to the recogniser's 16 kHz, and the recogniser itself
// (recognise.py) run over PCM.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { PYTHON, RECOGNISER } from './realtime-peer.mjs';

/** `text` said by espeak-ng (`-v en-us`): { sampleRate, samples } (16-bit mono PCM). */
export function speak(text) {
  const dir = mkdtempSync(path.join(tmpdir(), 'speak-'));
  try {
    const file = path.join(dir, 'spoken.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-w', file, text]);
    return readPcmWav(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `seconds` of digital silence at `sampleRate`, as 16-bit PCM. */
export function silence(sampleRate, seconds) {
  return Buffer.alloc(Math.round(seconds * sampleRate) * 2);
}

/** The rate and samples of a mono 16-bit PCM WAV file (fails on anything else). */
export function readPcmWav(file) {
  const bytes = readFileSync(file);
  assert.equal(bytes.toString('latin1', 0, 4), 'RIFF', `${file} is a RIFF file`);
  assert.equal(bytes.toString('latin1', 8, 12), 'WAVE', `${file} is a WAVE file`);
  let format;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = Math.min(bytes.readUInt32LE(offset + 4), bytes.length - offset - 8);
    const body = bytes.subarray(offset + 8, offset + 8 + size);
    if (id === 'fmt ') {
      format = { tag: body.readUInt16LE(0), channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    }
    if (id === 'data') {
      const shape = format && { tag: format.tag, channels: format.channels, bits: format.bits };
      assert.deepEqual(shape, { tag: 1, channels: 1, bits: 16 }, `${file} is mono 16-bit PCM`);
      return { sampleRate: format.sampleRate, samples: Buffer.from(body) };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${file} has no data chunk`);
}

/** Writes `samples` (16-bit mono PCM at `sampleRate`) as a WAV file at `file`. */
export function writePcmWav(file, sampleRate, samples) {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16); // the fmt chunk's size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // bytes a second
  header.writeUInt16LE(2, 32); // bytes a frame
  header.writeUInt16LE(16, 34); // bits a sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(samples.length, 40);
  writeFileSync(file, Buffer.concat([header, samples]));
}

/**
 * `samples` (16-bit mono PCM at `from` Hz) at `to` Hz: band-limited interpolation
 * (a Hann-windowed sinc cut at the lower of the two Nyquist frequencies).
 */
export function resample(samples, from, to) {
  const input = new Int16Array(samples.buffer, samples.byteOffset, samples.length / 2);
  const ratio = from / to;
  const cutoff = Math.min(1, to / from);
  const halfWidth = 16;
  const output = new Int16Array(Math.floor(input.length / ratio));
  for (let index = 0; index < output.length; index += 1) {
    const center = index * ratio;
    let sum = 0;
    for (let tap = Math.floor(center) - halfWidth + 1; tap <= Math.floor(center) + halfWidth; tap += 1) {
      if (tap < 0 || tap >= input.length) continue;
      const x = center - tap;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / halfWidth);
      sum += input[tap] * cutoff * sinc * window;
    }
    output[index] = Math.max(-32768, Math.min(32767, Math.round(sum)));
  }
  return Buffer.from(output.buffer);
}

/**
 * Runs recognise.py over `pcm16k` (16 kHz mono 16-bit PCM) with the grammar of
 * `phrases`; resolves with its reports ({ heard, words, start, end }) once it has read all.
 */
export function recognise(pcm16k, phrases) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [RECOGNISER, ...phrases], { stdio: ['pipe', 'pipe', 'pipe'] });
    const reports = [];
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += chunk));
    createInterface({ input: child.stdout }).on('line', (line) => reports.push(JSON.parse(line)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(reports.filter((report) => 'heard' in report));
      else reject(new Error(`recognise.py exited with ${code}: ${errors}`));
    });
    child.stdin.end(pcm16k);
  });
}
