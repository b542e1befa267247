import { useEffect, useId, useRef } from 'react';

import { useI18n } from '../i18n';
import {
  approvalQuestion,
  toolDoneLabel,
  toolLabel,
  type ApprovalRequest,
  type TranscriptEntry,
  type VoiceSession,
  type VoiceSnapshot,
} from '../voice';

interface VoiceOrbPanelProps {
  session: VoiceSession;
  snapshot: VoiceSnapshot;
  /** The grid's name of a connector key, for the words of an approval. */
  connectorName: (key: string) => string | undefined;
}

/** Under the orb: the error in words, what a tool asks of the user, and the transcript. */
export function VoiceOrbPanel({ session, snapshot, connectorName }: VoiceOrbPanelProps) {
  const { t } = useI18n();
  const showTranscript =
    snapshot.transcript.length > 0 || (snapshot.state !== 'idle' && snapshot.state !== 'error' && snapshot.state !== 'connecting');

  return (
    <>
      {snapshot.error !== null && (
        <div className="voice__error" role="alert" data-testid="voice-error" data-kind={snapshot.error.kind}>
          <svg className="voice__error-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="9.5" fill="none" stroke="currentColor" strokeWidth="1.8" />
            <path d="M12 7.5v5.5M12 16v.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
          <p>{snapshot.error.message(t)}</p>
        </div>
      )}

      {snapshot.notice !== null && snapshot.state !== 'error' && (
        <p className="voice__notice" role="status">
          {snapshot.notice(t)}
        </p>
      )}

      {snapshot.blockedConsent !== null && (
        <div className="voice__ask" data-testid="voice-consent">
          <p>{t.voice.consentBlocked}</p>
          <div className="voice__ask-actions">
            <button type="button" className="voice-button voice-button--primary" onClick={() => session.openBlockedConsent()}>
              {t.voice.openSignIn}
            </button>
            <button type="button" className="voice-button" onClick={() => session.dismissBlockedConsent()}>
              {t.voice.notNow}
            </button>
          </div>
        </div>
      )}

      {snapshot.approval !== null && (
        <ApprovalPrompt
          key={snapshot.approval.callId}
          session={session}
          request={snapshot.approval}
          connectorName={connectorName}
        />
      )}

      {snapshot.filePrompt !== null && <FilePrompt session={session} tool={snapshot.filePrompt.tool} />}

      {showTranscript && <Transcript entries={snapshot.transcript} live={snapshot.state !== 'error'} />}
    </>
  );
}

/**
 * A call Donna may only make with the user's word: what it does in words, Confirm and
 * Cancel. Focus moves to it; Escape cancels (and does not hang up).
 */
function ApprovalPrompt({
  session,
  request,
  connectorName,
}: {
  session: VoiceSession;
  request: ApprovalRequest;
  connectorName: (key: string) => string | undefined;
}) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const questionId = useId();
  const detailId = useId();
  const { question, detail, body } = approvalQuestion(request, connectorName, t);

  useEffect(() => {
    const previous = document.activeElement;
    dialog.current?.focus();
    return () => {
      // Back to where the user was, unless they moved on meanwhile.
      if (previous instanceof HTMLElement && (document.activeElement === document.body || document.activeElement === null)) {
        previous.focus();
      }
    };
  }, []);

  return (
    <div
      ref={dialog}
      className="voice__ask voice__ask--approval"
      role="alertdialog"
      aria-labelledby={`${headingId} ${questionId}`}
      aria-describedby={detailId}
      tabIndex={-1}
      data-testid="voice-approval"
      data-tool={request.tool}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          session.reject();
        }
      }}
    >
      <p className="voice__ask-heading" id={headingId}>
        {t.voiceApproval.heading}
      </p>
      <p className="voice__ask-question" id={questionId}>
        <strong>{question}</strong>
      </p>
      {body !== undefined && body.text !== '' && (
        // A long message scrolls: focusable, so the keyboard can scroll it too.
        <blockquote className="voice__ask-body" aria-label={body.label} tabIndex={0} data-testid="voice-approval-body">
          {body.text}
        </blockquote>
      )}
      <p className="voice__ask-detail" id={detailId}>
        {detail}
      </p>
      <div className="voice__ask-actions">
        <button
          type="button"
          className="voice-button voice-button--primary"
          data-testid="voice-approve"
          aria-describedby={questionId}
          onClick={() => session.approve()}
        >
          {t.voiceApproval.confirm}
        </button>
        <button
          type="button"
          className="voice-button"
          data-testid="voice-reject"
          aria-describedby={questionId}
          onClick={() => session.reject()}
        >
          {t.voiceApproval.cancel}
        </button>
      </div>
    </div>
  );
}

function FilePrompt({ session, tool }: { session: VoiceSession; tool: string }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const choose = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    choose.current?.focus();
  }, []);

  return (
    <div className="voice__ask" data-testid="voice-file-prompt">
      <p>
        <strong>{toolLabel(tool, t)}.</strong> {t.voice.chooseFileFor}
      </p>
      <div className="voice__ask-actions">
        <button
          ref={choose}
          type="button"
          className="voice-button voice-button--primary"
          data-testid="voice-file-pick"
          onClick={() => input.current?.click()}
        >
          {t.voice.chooseFile}
        </button>
        <button type="button" className="voice-button" data-testid="voice-file-cancel" onClick={() => session.provideFile(null)}>
          {t.voice.cancel}
        </button>
      </div>
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="voice-file-input"
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (file !== undefined) session.provideFile(file);
        }}
      />
    </div>
  );
}

function Transcript({ entries, live }: { entries: TranscriptEntry[]; live: boolean }) {
  const { t } = useI18n();
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const element = list.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [entries]);

  return (
    <ol
      ref={list}
      className="voice__transcript"
      data-testid="voice-transcript"
      aria-label={t.voice.transcript}
      aria-live="polite"
      tabIndex={0}
    >
      {entries.length === 0 && live && <li className="voice__line voice__line--empty">{t.voice.sayHello}</li>}
      {entries.map((entry) =>
        entry.role === 'tool' ? (
          <li key={entry.id} className={`voice__line voice__line--tool voice__line--${entry.status}`} data-tool={entry.name}>
            <span className="voice__tool-name">
              {entry.status === 'done'
                ? toolDoneLabel(entry.name, t)
                : entry.status === 'failed'
                  ? t.voice.toolFailed(toolLabel(entry.name, t))
                  : // Running, or cancelled by the user: what it was doing, then the outcome.
                    toolLabel(entry.name, t)}
            </span>
            <span className="voice__tool-result">{entry.status === 'running' ? t.voice.working : entry.summary(t)}</span>
          </li>
        ) : (
          <li
            key={entry.id}
            className={`voice__line voice__line--${entry.role}${entry.final ? '' : ' voice__line--partial'}`}
            data-role={entry.role}
          >
            <span className="voice__speaker">{entry.role === 'user' ? t.voice.you : t.voice.name}</span>
            <span className="voice__said">{entry.text}</span>
          </li>
        ),
      )}
    </ol>
  );
}
