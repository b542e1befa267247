import { useEffect, useRef, useState, useSyncExternalStore } from 'react';

import { api } from '../api';
import { useI18n } from '../i18n';
import { createLevelMeter, errorHeadline, orbStateLabel, preloadRealtime, toolLabel, VoiceSession, type OrbState } from '../voice';
import { VoiceOrbPanel } from './VoiceOrbPanel';

interface VoiceOrbProps {
  /** A tool changed a connector or a consent page finished: reload the grid. */
  onConnectorsChanged?: () => void;
  /** The grid's name of a connector key ("Slack" for `slack`), for the words of an approval. */
  connectorName?: (key: string) => string | undefined;
}

const NO_NAMES = (): undefined => undefined;

const ACTIVE_STATES: ReadonlySet<OrbState> = new Set(['connecting', 'listening', 'user-speaking', 'agent-speaking', 'tool']);

/** Donna: the orb that starts and ends a voice conversation, and what it says. */
export function VoiceOrb({ onConnectorsChanged, connectorName = NO_NAMES }: VoiceOrbProps) {
  const { t } = useI18n();
  const [session] = useState(() => new VoiceSession({ api }));
  const snapshot = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const orbRef = useRef<HTMLButtonElement>(null);
  const active = ACTIVE_STATES.has(snapshot.state);

  useEffect(() => {
    session.setHandlers({ onConnectorsChanged });
  }, [session, onConnectorsChanged]);

  useEffect(() => () => session.dispose(), [session]);

  // The SDK and the tool catalog load while the dashboard is idle, so that a click only
  // waits for its client secret, the microphone and the call (SPEC §10). Nothing is minted.
  useEffect(() => whenIdle(() => void session.prepare()), [session]);

  useAudioLevel(session, orbRef, snapshot.state, snapshot.muted);

  const status =
    snapshot.state === 'connecting' && snapshot.rejoining
      ? t.voice.rejoining
      : snapshot.state === 'tool' && snapshot.tool !== null
      ? toolLabel(snapshot.tool, t)
      : snapshot.state === 'error' && snapshot.error !== null
        ? errorHeadline(snapshot.error.kind, t)
        : orbStateLabel(snapshot.state, t);
  const orbLabel =
    snapshot.state === 'connecting'
      ? t.voice.orbCancel
      : active
        ? t.voice.orbEnd
        : snapshot.state === 'error'
          ? t.voice.orbRetry
          : t.voice.orbStart;

  return (
    <div
      className={`voice voice--${snapshot.state}`}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && active) {
          event.stopPropagation();
          session.stop();
          orbRef.current?.focus();
        }
      }}
    >
      <div className="voice__main">
        <button
          ref={orbRef}
          type="button"
          className="voice-orb"
          data-testid="voice-orb"
          data-state={snapshot.state}
          aria-label={orbLabel}
          onClick={() => session.toggle()}
          onPointerEnter={preloadRealtime}
          onFocus={preloadRealtime}
        >
          <span className="voice-orb__halo" aria-hidden="true" />
          <span className="voice-orb__ring" aria-hidden="true" />
          <span className="voice-orb__core" aria-hidden="true">
            <OrbGlyph state={snapshot.state} muted={snapshot.muted} />
          </span>
        </button>

        <div className="voice__text">
          <h2 className="orb-slot__title">{t.voice.name}</h2>
          <p className="voice__status" role="status" aria-live="polite" aria-atomic="true" data-testid="voice-status">
            {status}
            {snapshot.muted && active ? t.voice.microphoneOff : ''}
          </p>
          {snapshot.state === 'idle' && snapshot.transcript.length === 0 && (
            <p className="voice__hint">{t.voice.hint}</p>
          )}
        </div>

        {active && (
          <div className="voice__controls">
            <button
              type="button"
              className={`voice-button${snapshot.muted ? ' voice-button--on' : ''}`}
              data-testid="voice-mute"
              aria-pressed={snapshot.muted}
              onClick={() => session.setMuted(!snapshot.muted)}
            >
              <MicIcon muted={snapshot.muted} />
              <span>{snapshot.muted ? t.voice.unmute : t.voice.mute}</span>
              <span className="visually-hidden">{t.voice.microphoneSuffix}</span>
            </button>
            <button
              type="button"
              className="voice-button voice-button--danger"
              data-testid="voice-hangup"
              onClick={() => {
                session.stop();
                orbRef.current?.focus();
              }}
            >
              <HangUpIcon />
              <span>{t.voice.hangUp}</span>
            </button>
          </div>
        )}
      </div>

      <VoiceOrbPanel session={session} snapshot={snapshot} connectorName={connectorName} />
    </div>
  );
}

/**
 * Drives the orb's `--level` (0..1) from the microphone, or from Donna's voice while
 * she speaks, once per frame and without re-rendering. Without Web Audio the level
 * stays 0 and the CSS animation of each state shows instead.
 */
function useAudioLevel(
  session: VoiceSession,
  orbRef: React.RefObject<HTMLButtonElement | null>,
  state: OrbState,
  muted: boolean,
) {
  // With reduced motion asked for, the orb stays still: its colour and glyph say the state.
  const live =
    !usePrefersReducedMotion() &&
    (state === 'listening' || state === 'user-speaking' || state === 'agent-speaking' || state === 'tool');
  // Read by the animation frame: one meter (and one AudioContext) per conversation.
  const current = useRef({ state, muted });
  current.current = { state, muted };

  useEffect(() => {
    const orb = orbRef.current;
    if (!live || orb === null) return undefined;
    const meter = createLevelMeter();
    let frame = 0;
    let smoothed = 0;
    const tick = () => {
      const streams = session.audioStreams();
      meter.attach('input', streams.input);
      meter.attach('output', streams.output);
      const levels = meter.read();
      const { state: now, muted: silenced } = current.current;
      const target = now === 'agent-speaking' ? levels.output : silenced ? 0 : levels.input;
      smoothed += (target - smoothed) * 0.25;
      orb.style.setProperty('--level', smoothed.toFixed(3));
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(frame);
      meter.close();
      orb.style.removeProperty('--level');
    };
  }, [session, orbRef, live]);
}

/** Runs `work` once the browser is idle (at the latest after 2 s); returns the cancel. */
function whenIdle(work: () => void): () => void {
  if (typeof window.requestIdleCallback === 'function') {
    const handle = window.requestIdleCallback(work, { timeout: 2_000 });
    return () => window.cancelIdleCallback(handle);
  }
  // Safari has no requestIdleCallback: after the first paint is close enough.
  const timer = window.setTimeout(work, 200);
  return () => window.clearTimeout(timer);
}

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';

function subscribeToMotionPreference(onChange: () => void): () => void {
  const query = window.matchMedia(REDUCED_MOTION);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

function usePrefersReducedMotion(): boolean {
  return useSyncExternalStore(subscribeToMotionPreference, () => window.matchMedia(REDUCED_MOTION).matches);
}

function OrbGlyph({ state, muted }: { state: OrbState; muted: boolean }) {
  if (state === 'error') {
    return (
      <svg viewBox="0 0 24 24" className="voice-orb__glyph">
        <path d="M12 5.5v8M12 18v.5" stroke="currentColor" strokeWidth="3" strokeLinecap="round" fill="none" />
      </svg>
    );
  }
  if (state === 'tool') {
    return (
      <svg viewBox="0 0 24 24" className="voice-orb__glyph" aria-hidden="true" focusable="false">
        <path
          d="M12 3.5l1.9 5.1 5.1 1.9-5.1 1.9-1.9 5.1-1.9-5.1-5.1-1.9 5.1-1.9zM18.5 15.5l.8 2.2 2.2.8-2.2.8-.8 2.2-.8-2.2-2.2-.8 2.2-.8z"
          fill="currentColor"
        />
      </svg>
    );
  }
  if (state !== 'user-speaking' && state !== 'agent-speaking') return <MicIcon muted={muted} className="voice-orb__glyph" />;
  return (
    <svg viewBox="0 0 24 24" className="voice-orb__glyph voice-orb__bars">
      {[5, 9.5, 14, 18.5].map((x, index) => (
        <rect key={x} x={x - 1.25} y="7" width="2.5" height="10" rx="1.25" fill="currentColor" style={{ '--bar': index } as React.CSSProperties} />
      ))}
    </svg>
  );
}

function MicIcon({ muted, className = 'voice-button__icon' }: { muted: boolean; className?: string }) {
  return (
    <svg viewBox="0 0 24 24" className={className} aria-hidden="true" focusable="false">
      <rect x="9" y="3" width="6" height="11" rx="3" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
      {muted && <path d="M4 4l16 16" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />}
    </svg>
  );
}

function HangUpIcon() {
  return (
    <svg viewBox="0 0 24 24" className="voice-button__icon" aria-hidden="true" focusable="false">
      <path
        d="M3.5 13.2c4.7-4 12.3-4 17 0l-1.6 2.6-3.3-1.1-.4-2.3a10 10 0 0 0-6.4 0l-.4 2.3-3.3 1.1z"
        fill="currentColor"
      />
    </svg>
  );
}
