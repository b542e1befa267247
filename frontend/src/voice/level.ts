// Loudness of the microphone and of Donna's voice, for the orb's animation.
// Without Web Audio (or before a stream exists) every level reads 0 and the orb
// falls back to its CSS animation for the state.

export interface AudioLevels {
  /** 0..1, the microphone. */
  input: number;
  /** 0..1, Donna's voice. */
  output: number;
}

export interface LevelMeter {
  /** Measures `stream` as the input or the output; `null` stops measuring it. */
  attach(which: keyof AudioLevels, stream: MediaStream | null): void;
  read(): AudioLevels;
  close(): void;
}

interface Tap {
  stream: MediaStream;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  samples: Float32Array<ArrayBuffer>;
}

export function createLevelMeter(): LevelMeter {
  const AudioContextClass: typeof AudioContext | undefined =
    typeof window === 'undefined'
      ? undefined
      : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext);
  let context: AudioContext | null = null;
  const taps: Partial<Record<keyof AudioLevels, Tap>> = {};

  function detach(which: keyof AudioLevels) {
    const tap = taps[which];
    if (tap === undefined) return;
    tap.source.disconnect();
    delete taps[which];
  }

  function levelOf(tap: Tap | undefined): number {
    if (tap === undefined) return 0;
    tap.analyser.getFloatTimeDomainData(tap.samples);
    let sum = 0;
    for (const sample of tap.samples) sum += sample * sample;
    const rms = Math.sqrt(sum / tap.samples.length);
    // Speech sits around 0.02..0.2 RMS: spread that over 0..1.
    return Math.min(1, rms * 6);
  }

  return {
    attach(which, stream) {
      if (taps[which]?.stream === stream) return;
      detach(which);
      if (stream === null || AudioContextClass === undefined || stream.getAudioTracks().length === 0) return;
      try {
        context ??= new AudioContextClass();
        if (context.state === 'suspended') void context.resume();
        const source = context.createMediaStreamSource(stream);
        const analyser = context.createAnalyser();
        analyser.fftSize = 512;
        source.connect(analyser);
        taps[which] = { stream, source, analyser, samples: new Float32Array(analyser.fftSize) };
      } catch {
        // A stream Web Audio cannot read leaves the level at 0.
      }
    },
    read() {
      return { input: levelOf(taps.input), output: levelOf(taps.output) };
    },
    close() {
      detach('input');
      detach('output');
      void context?.close().catch(() => undefined);
      context = null;
    },
  };
}
