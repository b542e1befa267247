"""The fake Realtime peer's ears: recognises the orders the tests speak.

Reads the audio the browser sent on the call from standard input, either

    --opus   the call's Opus packets as they came in the RTP payloads, each preceded by
             its length (2 bytes, big-endian); decoded with libopus straight to 16 kHz mono
    (none)   16 kHz mono signed 16-bit little-endian PCM (e.g. a WAV's samples)

then finds each utterance with PocketSphinx's voice activity endpointer and decodes it
with PocketSphinx's English acoustic model (shipped inside the pocketsphinx package:
nothing is downloaded) against a JSGF grammar whose only sentences are the phrases
given as arguments. The free
language model mishears espeak-ng's synthetic voice; a grammar of the few orders the
tests speak recognises them exactly.

Writes one JSON object a line on standard output:

    {"ready": true}                     once the model is loaded, then for each utterance
    {"heard": "activate google calendar", "words": "activate google calendar",
     "start": 1.23, "end": 2.71}
    {"heard": null, "words": "activate", "start": 4.5, "end": 4.9}    not a whole phrase

`heard` is one of the phrases or null; `words` the decoder's best guess, which may stop
short of a whole phrase (or be empty); `start` and `end` are seconds since the first
byte read. Ends at the end of its input.

    recognise.py 'activate google calendar' 'activate slack' < audio.s16le
    recognise.py --opus 'activate google calendar' < packets
"""

import ctypes
import ctypes.util
import json
import re
import sys

from pocketsphinx import Decoder, Endpointer

SAMPLE_RATE = 16_000
# Audio kept either side of what the endpointer calls speech.
MARGIN_S = 0.3


def grammar(phrases):
    """A JSGF grammar whose public rule is exactly one of `phrases`."""
    for phrase in phrases:
        if not re.fullmatch(r"[a-z]+( [a-z]+)*", phrase):
            raise SystemExit(f"recognise.py: a phrase is lower-case words separated by spaces, got {phrase!r}")
    return "#JSGF V1.0;\ngrammar orders;\npublic <order> = " + " | ".join(phrases) + ";\n"


class OpusDecoder:
    """libopus (Debian's libopus0, which Chromium uses too), decoding to 16 kHz mono."""

    # The longest Opus packet is 120 ms.
    MAX_FRAME = SAMPLE_RATE * 120 // 1000

    def __init__(self):
        name = ctypes.util.find_library("opus")
        if name is None:
            raise SystemExit("recognise.py: libopus not found (Debian: apt-get install libopus0)")
        self.lib = ctypes.CDLL(name)
        self.lib.opus_decoder_create.restype = ctypes.c_void_p
        self.lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.opus_decode.restype = ctypes.c_int
        self.lib.opus_decode.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int,
        ]
        error = ctypes.c_int(0)
        self.decoder = self.lib.opus_decoder_create(SAMPLE_RATE, 1, ctypes.byref(error))
        if error.value != 0 or not self.decoder:
            raise SystemExit(f"recognise.py: opus_decoder_create failed ({error.value})")
        self.pcm = (ctypes.c_int16 * self.MAX_FRAME)()

    def decode(self, packet):
        """The packet's samples as 16-bit PCM; a corrupt packet decodes to nothing."""
        samples = self.lib.opus_decode(self.decoder, packet, len(packet), self.pcm, self.MAX_FRAME, 0)
        return bytes(self.pcm)[: max(samples, 0) * 2]


def opus_pcm(source):
    """The PCM of a stream of length-prefixed Opus packets, a chunk at a time."""
    decoder = OpusDecoder()
    pending = b""
    while chunk := source.read1(65_536):
        pending += chunk
        pcm = []
        while len(pending) >= 2 and len(pending) >= 2 + int.from_bytes(pending[:2], "big"):
            length = int.from_bytes(pending[:2], "big")
            pcm.append(decoder.decode(pending[2 : 2 + length]))
            pending = pending[2 + length :]
        yield b"".join(pcm)


def raw_pcm(source):
    while chunk := source.read1(65_536):
        yield chunk


def say(**fields):
    print(json.dumps(fields), flush=True)


def main(arguments):
    opus = arguments[:1] == ["--opus"]
    phrases = arguments[1:] if opus else arguments
    if not phrases:
        raise SystemExit("recognise.py: give the phrases to recognise as arguments")
    # Dither (with a fixed seed, so a run is repeatable) keeps the digital silence of a
    # synthetic voice from driving the log energies of the features to minus infinity.
    decoder = Decoder(samprate=SAMPLE_RATE, dither=True, seed=1, cmn="batch", loglevel="FATAL", lm=None)
    decoder.add_jsgf_string("orders", grammar(phrases))
    decoder.activate_search("orders")
    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    frame_bytes = endpointer.frame_bytes
    say(ready=True)

    # Everything read, so that an utterance can be cut with a margin either side: the
    # endpointer decides a little late that speech has started.
    audio = bytearray()
    decoded = 0
    for chunk in (opus_pcm if opus else raw_pcm)(sys.stdin.buffer):
        audio += chunk
        while len(audio) - decoded >= frame_bytes:
            was_speaking = endpointer.in_speech
            endpointer.process(bytes(audio[decoded : decoded + frame_bytes]))
            decoded += frame_bytes
            if was_speaking and not endpointer.in_speech:
                decode(decoder, phrases, audio, endpointer.speech_start, endpointer.speech_end)
    if endpointer.in_speech:
        endpointer.end_stream(bytes(audio[decoded:]))
        decode(decoder, phrases, audio, endpointer.speech_start, len(audio) / 2 / SAMPLE_RATE)


def decode(decoder, phrases, audio, start, end):
    """Decodes the utterance from `start` to `end` seconds of `audio`, with margins."""
    first = max(0, int((start - MARGIN_S) * SAMPLE_RATE)) * 2
    last = int((end + MARGIN_S) * SAMPLE_RATE) * 2
    decoder.start_utt()
    decoder.process_raw(bytes(audio[first:last]), full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    words = hypothesis.hypstr if hypothesis is not None else ""
    say(heard=words if words in phrases else None, words=words, start=round(start, 2), end=round(end, 2))


if __name__ == "__main__":
    main(sys.argv[1:])
