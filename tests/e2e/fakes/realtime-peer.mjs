// A fake OpenAI Realtime peer over real WebRTC (werift): it answers the browser's SDP
// offer, accepts the `oai-events` data channel, acknowledges every `session.update`
// and plays a scripted conversation in the Realtime API's GA event format — the
// events the `@openai/agents` SDK reacts to (see shared/PROVIDERS.md, "OpenAI Realtime").
//
// A script is data: an array of steps, run in order once the session is configured.
//
//   { user: 'Active Google Calendar' }
//       the user spoke: speech_started/stopped, the committed input item and its transcript
//   { call: 'activate_connector', arguments: { key: 'google_calendar' } }
//       the model calls a tool; the step ends when the browser has sent the
//       `function_call_output` and, after our `response.done`, its `response.create`
//   { assistant: 'Approve access in the window that opened.' }
//       Donna answers: audio buffer started, transcript deltas, the message item
//       with `{type: "output_audio", transcript}`, response.done, audio buffer stopped
//   { gate: 'name' }
//       waits until the test calls `call.release('name')` (to look at a state)
//   { hangup: true }
//       the service ends the call (closes the data channel and the peer connection)
//   { hear: ['activate google calendar', 'activate slack'], timeout: 30_000 }
//       waits until the browser's microphone has said one of these phrases, recognised
//       from the call's inbound audio (see "Hearing" below), then plays it as `user`
//       with the words recognised; fails at the deadline naming what was heard
//
// `assistant` may be a function of the call (e.g. to quote a tool's output), and so may
// a `call`'s `arguments` (e.g. `(call) => ({ key: KEYS[call.heardOrders.at(-1)] })`).
//
// Donna's voice is real audio on the call's audio track: G.711 µ-law (which any
// browser decodes without an Opus encoder here), silence between her turns and a
// voiced tone while she speaks, so the page can measure its level.
//
// Hearing: a script with `hear` steps also negotiates Opus, which the browser then
// sends its microphone in (wideband: the recogniser mishears 8 kHz µ-law), while
// Donna's voice stays µ-law. Each Opus packet received goes to `recognise.py`
// (pocketsphinx with a JSGF grammar of the script's phrases, run by the Python of
// .venv-test/ or E2E_PYTHON), which decodes it and reports every utterance it heard.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, usePCMU } from 'werift';

const STEP_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 15_000);
const here = path.dirname(fileURLToPath(import.meta.url));
/** The recogniser: Opus packets or PCM in, JSON reports of what it heard out. */
export const RECOGNISER = path.join(here, 'recognise.py');
const VENV_PYTHON = path.resolve(here, '..', '..', '..', '.venv-test', 'bin', 'python3');
/** The Python that runs the recogniser (pocketsphinx installed by scripts/setup-test-deps.sh). */
export const PYTHON = process.env.E2E_PYTHON ?? (existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3');

function id(prefix) {
  return `${prefix}_${randomBytes(8).toString('hex')}`;
}

/**
 * Answers `offerSdp` with a werift peer that only uses 127.0.0.1 (the browser learns
 * it from the answer's host candidate; we learn the browser's address from its
 * connectivity checks). Returns the `RealtimeCall` and the answer SDP.
 */
export async function acceptOffer(offerSdp, { script = [], model = 'gpt-realtime', onError = () => {} } = {}) {
  const phrases = [...new Set(script.flatMap((step) => step.hear ?? []))];
  const peer = new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: { audio: phrases.length > 0 ? [useOPUS(), usePCMU()] : [usePCMU()] },
  });
  const call = new RealtimeCall(peer, { script, model, onError });
  if (phrases.length > 0) call.listen(phrases);
  await peer.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  // The answer says `a=setup:passive`: the browser opens the DTLS handshake as soon as
  // ICE connects. Left to itself werift answers `active` and then waits a fixed 100 ms
  // before its ClientHello (lib/webrtc/src/transport/dtls.js, `setTimeout(100)` before
  // `dtls.connect()`), a pause of this library that no real service adds to the start.
  for (const transport of peer.dtlsTransports) {
    transport.role = 'server';
    keepEarlyDtls(transport);
  }
  const audio = peer.getTransceivers().find((transceiver) => transceiver.kind === 'audio');
  if (audio !== undefined) {
    if (phrases.length > 0) {
      // The answer lists Opus first, so the browser sends Opus; werift sends in the
      // first negotiated codec unless told otherwise, and Donna's voice is µ-law.
      call.opusPayloadType = audio.codecs.find((codec) => codec.name.toLowerCase() === 'opus')?.payloadType;
      const pcmu = audio.codecs.find((codec) => codec.name.toLowerCase() === 'pcmu');
      if (pcmu !== undefined) audio.sender.codec = pcmu;
    }
    audio.sender.replaceTrack(call.voice);
    audio.setDirection('sendrecv');
  }
  await peer.setLocalDescription(await peer.createAnswer());
  if (peer.iceGatheringState !== 'complete') {
    await new Promise((resolve) => {
      const { unSubscribe } = peer.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }
  return { call, answerSdp: peer.localDescription.sdp };
}

/**
 * Keeps the DTLS packets that reach `transport` before its DTLS server exists and hands
 * them to it once it does. werift starts that server only after its own ICE check has
 * succeeded, and drops what comes before; the browser sends its ClientHello as soon as
 * its own check has, often first, and resends it only after its retransmission timer
 * (about 50 ms). A real service keeps that packet; so does this fake.
 */
function keepEarlyDtls(transport) {
  const early = [];
  const connection = transport.iceTransport.connection;
  const kept = connection.onData.subscribe((packet) => {
    if (transport.dtls === undefined && isDtls(packet)) early.push(packet);
  });
  const started = transport.onStateChange.subscribe((state) => {
    if (state !== 'connecting') return;
    started.unSubscribe();
    kept.unSubscribe();
    // The server is made right after this state, in the same turn.
    queueMicrotask(() => {
      for (const packet of early.splice(0)) transport.dtls?.transport.socket.onData?.(packet);
    });
  });
}

/** Whether a packet is DTLS (RFC 7983: its first byte is 20 to 63). */
function isDtls(packet) {
  return packet.length > 0 && packet[0] >= 20 && packet[0] <= 63;
}

/** One WebRTC call: what the browser sent, and the script playing on it. */
export class RealtimeCall {
  constructor(peer, { script, model, onError }) {
    this.id = id('rtc');
    this.peer = peer;
    this.model = model;
    this.script = script;
    this.onError = onError;
    /** Every client event the browser sent, parsed, in order. */
    this.received = [];
    /** Every server event we sent, in order. */
    this.sent = [];
    /** `function_call_output` items by call id. */
    this.toolOutputs = new Map();
    /** 'connecting' | 'open' | 'configured' | 'finished' | 'failed' | 'closed' (the browser hung up) */
    this.phase = 'connecting';
    this.error = null;
    this.session = { type: 'realtime', id: id('sess'), object: 'realtime.session', model, output_modalities: ['audio'] };
    this.channel = null;
    /** Donna's voice: 20 ms µ-law packets, a tone while she speaks. */
    this.voice = new MediaStreamTrack({ kind: 'audio' });
    this.speaking = false;
    /** Every utterance the recogniser reported: { heard: phrase | null, words, start, end } (seconds). */
    this.heard = [];
    /** The phrases `hear` steps took from `heard`, in order. */
    this.heardOrders = [];
    /** Inbound RTP packets by payload type (what the microphone came in). */
    this.inboundPackets = new Map();
    this.opusPayloadType = undefined;
    this.#gates = new Map();
    this.#waiters = new Set();

    peer.onDataChannel.subscribe((channel) => this.#adopt(channel));
    peer.connectionStateChange.subscribe((state) => {
      this.connectionState = state;
      if ((state === 'closed' || state === 'failed' || state === 'disconnected') && this.phase !== 'failed') {
        this.phase = 'closed';
      }
      this.#notify();
    });
  }

  #gates;
  #waiters;
  #recogniser = undefined;
  /** Set once every `hear` step of the script is done: the rest of the audio is not sent. */
  #heardEnough = false;
  /** How many of `heard` the `hear` steps have looked at. */
  #heardUsed = 0;
  #lastItemId = null;
  #audioTimer = undefined;
  /** The conversation's items by id, as `conversation.item.retrieve` returns them. */
  #items = new Map();

  #startVoice() {
    const ssrc = randomBytes(4).readUInt32BE(0);
    let sequenceNumber = randomBytes(2).readUInt16BE(0);
    let timestamp = randomBytes(4).readUInt32BE(0);
    let sample = 0;
    let wasSpeaking = false;
    this.#audioTimer = setInterval(() => {
      const payload = Buffer.alloc(160);
      for (let index = 0; index < payload.length; index += 1, sample += 1) {
        const t = sample / 8000;
        // A 180 Hz buzz with a syllable-like 4 Hz swell: speech-ish, loud enough to measure.
        const value = this.speaking ? 0.5 * Math.sin(2 * Math.PI * 180 * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) : 0;
        payload[index] = muLaw(value);
      }
      const marker = this.speaking && !wasSpeaking;
      wasSpeaking = this.speaking;
      const header = new RtpHeader({ payloadType: 0, sequenceNumber, timestamp, marker, ssrc });
      try {
        this.voice.writeRtp(new RtpPacket(header, payload));
      } catch {
        // the call is closing
      }
      sequenceNumber = (sequenceNumber + 1) & 0xffff;
      timestamp = (timestamp + 160) >>> 0;
    }, 20);
  }

  /**
   * Starts recognising `phrases` in the call's inbound audio: every Opus packet the
   * browser sends goes to recognise.py, whose reports land in `heard`.
   */
  listen(phrases) {
    const recogniser = spawn(PYTHON, [RECOGNISER, '--opus', ...phrases], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#recogniser = recogniser;
    this.recogniserErrors = '';
    recogniser.stdin.on('error', () => {
      // the recogniser ended: its exit is reported below
    });
    recogniser.stderr.on('data', (chunk) => {
      this.recogniserErrors = (this.recogniserErrors + chunk).slice(-2000);
    });
    createInterface({ input: recogniser.stdout }).on('line', (line) => {
      const report = JSON.parse(line);
      if (report.ready) this.recogniserReady = true;
      if ('heard' in report) this.heard.push(report);
      this.#notify();
    });
    recogniser.on('exit', (code, signal) => {
      this.recogniserExit = signal ?? code;
      this.#notify();
    });
    recogniser.on('error', (error) => {
      this.recogniserExit = `${PYTHON} ${RECOGNISER}: ${error.message}`;
      this.#notify();
    });
    this.peer.onTrack.subscribe((track) => {
      if (track.kind !== 'audio') return;
      track.onReceiveRtp.subscribe((rtp) => {
        const type = rtp.header.payloadType;
        this.inboundPackets.set(type, (this.inboundPackets.get(type) ?? 0) + 1);
        if (type !== this.opusPayloadType || this.#heardEnough || recogniser.exitCode !== null) return;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(rtp.payload.length);
        recogniser.stdin.write(Buffer.concat([length, rtp.payload]));
      });
    });
  }

  /** Lets a `{ gate: name }` step go on. */
  release(name) {
    const gate = this.#gate(name);
    gate.release();
  }

  /** Whether the script is waiting at gate `name`. */
  waitingAt(name) {
    return this.#gate(name).waiting;
  }

  /** Resolves with the first received event matching `predicate` (past or future). */
  waitForEvent(predicate, { timeout = STEP_TIMEOUT_MS, what = 'a client event' } = {}) {
    return this.#waitFor(() => this.received.find(predicate), { timeout, what });
  }

  /** Resolves once the script has run to its end. */
  finished({ timeout = STEP_TIMEOUT_MS } = {}) {
    return this.#waitFor(
      () => {
        if (this.phase === 'failed') throw this.error;
        return this.phase === 'finished';
      },
      { timeout, what: 'the end of the script' },
    );
  }

  /** Sends a server event; every server event carries a string `event_id`. */
  send(event) {
    if ((event.type === 'conversation.item.added' || event.type === 'conversation.item.done') && event.item?.id) {
      this.#items.set(event.item.id, event.item);
    }
    const withId = { event_id: id('event'), ...event };
    this.sent.push(withId);
    this.channel.send(JSON.stringify(withId));
  }

  async close() {
    clearInterval(this.#audioTimer);
    this.#stopListening();
    this.phase = this.phase === 'failed' ? 'failed' : 'closed';
    for (const gate of this.#gates.values()) gate.release();
    try {
      await this.peer.close();
    } catch {
      // already closed
    }
    this.#notify();
  }

  #adopt(channel) {
    if (channel.label !== 'oai-events') return;
    this.channel = channel;
    channel.onMessage.subscribe((data) => this.#onMessage(data));
    const opened = () => {
      if (this.phase !== 'connecting') return;
      this.phase = 'open';
      this.#startVoice();
      // The real service greets every new connection with the session as it stands.
      this.send({ type: 'session.created', session: this.session });
      this.#notify();
    };
    channel.stateChanged.subscribe((state) => {
      this.channelState = state;
      if (state === 'open') opened();
      // The browser's `close()` ends the data channel first; ICE notices much later.
      if (state === 'closed' && this.phase !== 'failed') {
        clearInterval(this.#audioTimer);
        this.#stopListening();
        this.phase = 'closed';
        this.#notify();
      }
    });
    this.channelState = channel.readyState;
    if (channel.readyState === 'open') opened();
  }

  #onMessage(data) {
    let event;
    try {
      event = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
    } catch {
      this.send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_json', message: 'Invalid JSON' } });
      return;
    }
    this.received.push(event);
    if (event.type === 'session.update') {
      const { type: _type, ...rest } = event.session ?? {};
      this.session = { ...this.session, ...rest, type: 'realtime' };
      this.send({ type: 'session.updated', session: this.session });
      if (this.phase === 'open') {
        this.phase = 'configured';
        void this.#run();
      }
    }
    if (event.type === 'conversation.item.retrieve') {
      const item = this.#items.get(event.item_id);
      if (item === undefined) {
        this.send({
          type: 'error',
          error: { type: 'invalid_request_error', code: 'item_not_found', message: `Item with id '${event.item_id}' not found.`, param: 'item_id' },
        });
      } else {
        this.send({ type: 'conversation.item.retrieved', item });
      }
    }
    if (event.type === 'conversation.item.create' && event.item?.type === 'function_call_output') {
      this.toolOutputs.set(event.item.call_id, event.item.output);
      const itemId = event.item.id ?? id('item');
      this.send({
        type: 'conversation.item.added',
        previous_item_id: this.#lastItemId,
        item: { ...event.item, id: itemId, object: 'realtime.item', status: 'completed' },
      });
      this.#lastItemId = itemId;
    }
    this.#notify();
  }

  async #run() {
    try {
      for (const step of this.script) {
        if (this.phase === 'closed') return;
        if ('user' in step) this.#userSays(step.user);
        else if ('call' in step) await this.#callTool(step.call, (typeof step.arguments === 'function' ? step.arguments(this) : step.arguments) ?? {});
        else if ('hear' in step) await this.#hear(step);
        else if ('assistant' in step) await this.#assistantSays(step);
        else if ('gate' in step) await this.#gate(step.gate).wait();
        else if ('hangup' in step) {
          this.hungUp = true;
          this.channel?.close();
          await this.close();
          return;
        }
        else throw new Error(`unknown script step ${JSON.stringify(step)}`);
      }
      this.phase = 'finished';
      this.#stopListening();
    } catch (error) {
      this.#stopListening();
      this.phase = 'failed';
      this.error = error;
      this.onError(error);
    }
    this.#notify();
  }

  /** Waits for the recogniser to hear one of `step.hear` after what earlier steps took. */
  async #hear(step) {
    const phrases = step.hear;
    const found = await this.#waitFor(
      () => {
        if (this.recogniserExit !== undefined) {
          throw new Error(`the recogniser ended (${this.recogniserExit}) before hearing ${phrases.join(' or ')}: ${this.recogniserErrors}`);
        }
        const index = this.heard.findIndex((report, at) => at >= this.#heardUsed && phrases.includes(report.heard));
        return index >= 0 && { index, report: this.heard[index] };
      },
      {
        timeout: step.timeout ?? STEP_TIMEOUT_MS,
        what: () =>
          `the microphone to say ${phrases.map((phrase) => JSON.stringify(phrase)).join(' or ')} ` +
          `(recogniser ${this.recogniserReady ? 'ready' : 'not ready'}; heard ${JSON.stringify(this.heard)}; ` +
          `inbound RTP packets by payload type ${JSON.stringify(Object.fromEntries(this.inboundPackets))}, Opus is ${this.opusPayloadType})`,
      },
    );
    this.#heardUsed = found.index + 1;
    this.heardOrders.push(found.report.heard);
    const later = this.script.slice(this.script.indexOf(step) + 1);
    if (!later.some((next) => 'hear' in next)) this.#heardEnough = true;
    const { start, end } = found.report;
    this.#userSays(found.report.heard, { startMs: Math.round(start * 1000), endMs: Math.round(end * 1000), seconds: end - start });
  }

  #stopListening() {
    if (this.#recogniser === undefined) return;
    this.#recogniser.stdin.end();
    if (this.#recogniser.exitCode === null) this.#recogniser.kill();
    this.#recogniser = undefined;
  }

  #userSays(transcript, { startMs = 120, endMs = 1480, seconds = 1.4 } = {}) {
    const itemId = id('item');
    this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: startMs, item_id: itemId });
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: endMs, item_id: itemId });
    this.send({ type: 'input_audio_buffer.committed', previous_item_id: this.#lastItemId, item_id: itemId });
    const item = {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    };
    this.send({ type: 'conversation.item.added', previous_item_id: this.#lastItemId, item });
    this.send({ type: 'conversation.item.done', previous_item_id: this.#lastItemId, item });
    this.#lastItemId = itemId;
    this.#items.set(itemId, { ...item, content: [{ type: 'input_audio', transcript }] });
    this.send({
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: itemId,
      content_index: 0,
      transcript,
      usage: { type: 'duration', seconds },
    });
  }

  async #callTool(name, args) {
    const responseId = id('resp');
    const itemId = id('item');
    const callId = id('call');
    const argumentsJson = JSON.stringify(args);
    const responseCreatesBefore = this.received.filter((event) => event.type === 'response.create').length;
    this.send({ type: 'response.created', response: this.#response(responseId, 'in_progress', []) });
    const started = { id: itemId, object: 'realtime.item', type: 'function_call', status: 'in_progress', name, call_id: callId, arguments: '' };
    this.send({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item: started });
    this.send({ type: 'conversation.item.added', previous_item_id: this.#lastItemId, item: started });
    this.send({
      type: 'response.function_call_arguments.delta',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      call_id: callId,
      delta: argumentsJson,
    });
    this.send({
      type: 'response.function_call_arguments.done',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      call_id: callId,
      name,
      arguments: argumentsJson,
    });
    const done = { ...started, status: 'completed', arguments: argumentsJson };
    this.send({ type: 'conversation.item.done', previous_item_id: this.#lastItemId, item: done });
    this.send({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item: done });
    this.#lastItemId = itemId;
    this.send({ type: 'response.done', response: this.#response(responseId, 'completed', [done]) });

    await this.waitForEvent(
      (event) => event.type === 'conversation.item.create' && event.item?.type === 'function_call_output' && event.item.call_id === callId,
      { what: `the browser's function_call_output for ${name}` },
    );
    await this.#waitFor(
      () => this.received.filter((event) => event.type === 'response.create').length > responseCreatesBefore,
      { what: `the browser's response.create after ${name}` },
    );
  }

  async #assistantSays(step) {
    const transcript = typeof step.assistant === 'function' ? step.assistant(this) : step.assistant;
    const responseId = id('resp');
    const itemId = id('item');
    this.send({ type: 'response.created', response: this.#response(responseId, 'in_progress', []) });
    this.speaking = true;
    this.send({ type: 'output_audio_buffer.started', response_id: responseId });
    const started = { id: itemId, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    this.send({ type: 'response.output_item.added', response_id: responseId, output_index: 0, item: started });
    this.send({ type: 'conversation.item.added', previous_item_id: this.#lastItemId, item: started });
    const part = { type: 'output_audio', transcript: '' };
    this.send({ type: 'response.content_part.added', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, part });
    for (const word of transcript.split(/(?<= )/)) {
      this.send({
        type: 'response.output_audio_transcript.delta',
        response_id: responseId,
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: word,
      });
    }
    if (step.gate !== undefined) await this.#gate(step.gate).wait();
    this.send({
      type: 'response.output_audio_transcript.done',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      transcript,
    });
    const finalPart = { type: 'output_audio', transcript };
    this.send({ type: 'response.content_part.done', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0, part: finalPart });
    this.send({ type: 'response.output_audio.done', response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 });
    const done = { ...started, status: 'completed', content: [finalPart] };
    this.send({ type: 'response.output_item.done', response_id: responseId, output_index: 0, item: done });
    this.send({ type: 'conversation.item.done', previous_item_id: this.#lastItemId, item: done });
    this.#lastItemId = itemId;
    this.send({ type: 'response.done', response: this.#response(responseId, 'completed', [done]) });
    this.speaking = false;
    this.send({ type: 'output_audio_buffer.stopped', response_id: responseId });
  }

  #response(responseId, status, output) {
    return {
      id: responseId,
      object: 'realtime.response',
      status,
      output,
      output_modalities: ['audio'],
      usage:
        status === 'completed'
          ? { total_tokens: 60, input_tokens: 40, output_tokens: 20, input_token_details: {}, output_token_details: {} }
          : null,
    };
  }

  #gate(name) {
    let gate = this.#gates.get(name);
    if (gate === undefined) {
      let release;
      const opened = new Promise((resolve) => (release = resolve));
      gate = {
        waiting: false,
        released: false,
        release: () => {
          gate.released = true;
          release();
        },
        wait: async () => {
          gate.waiting = true;
          this.#notify();
          await opened;
          gate.waiting = false;
        },
      };
      this.#gates.set(name, gate);
    }
    return gate;
  }

  #waitFor(check, { timeout = STEP_TIMEOUT_MS, what }) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          let value;
          try {
            value = check();
          } catch (error) {
            finish();
            reject(error);
            return;
          }
          if (value) {
            finish();
            resolve(value);
          } else if (this.phase === 'closed') {
            finish();
            reject(new Error(`the call closed while waiting for ${typeof what === 'function' ? what() : what}`));
          }
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeout} ms waiting for ${typeof what === 'function' ? what() : what}`));
      }, timeout);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      this.#waiters.add(waiter);
      waiter.check();
    });
  }

  #notify() {
    for (const waiter of [...this.#waiters]) waiter.check();
  }
}

/** G.711 µ-law of a sample in -1..1. */
function muLaw(value) {
  const BIAS = 0x84;
  const CLIP = 32635;
  let pcm = Math.max(-32768, Math.min(32767, Math.round(value * 32767)));
  const sign = pcm < 0 ? 0x80 : 0;
  if (pcm < 0) pcm = -pcm;
  pcm = Math.min(pcm, CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
