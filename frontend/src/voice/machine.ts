// The orb's state (SPEC §9 `data-state`) and its transcript, derived from what the
// Realtime session reports. Pure functions: the session feeds them, the orb draws them.

import type { RealtimeItem } from '@openai/agents/realtime';

import { parseFieldErrors } from '../api';
import type { Messages, Words } from '../i18n';
import { fieldErrorWords } from '../state';

export type OrbState = 'idle' | 'connecting' | 'listening' | 'user-speaking' | 'agent-speaking' | 'tool' | 'error';

/** Where the conversation itself stands. */
export type Phase = 'idle' | 'connecting' | 'connected' | 'error';

/** What is happening inside a connected conversation. */
export interface Activity {
  phase: Phase;
  userSpeaking: boolean;
  /** Donna's audio plays (WebRTC: between `output_audio_buffer.started` and `.stopped`). */
  agentSpeaking: boolean;
  /** Donna's audio streams in as events (WebSocket transports: `audio_start` to `audio_stopped`). */
  agentAudio: boolean;
  /** Tools started and not yet answered, by call id. */
  runningTools: ReadonlyMap<string, string>;
}

export const IDLE: Activity = {
  phase: 'idle',
  userSpeaking: false,
  agentSpeaking: false,
  agentAudio: false,
  runningTools: new Map(),
};

/**
 * A running tool outranks speech (the agent waits for it); the user's voice outranks
 * the agent's (speaking over Donna interrupts her).
 */
export function orbState(activity: Activity): OrbState {
  switch (activity.phase) {
    case 'idle':
      return 'idle';
    case 'connecting':
      return 'connecting';
    case 'error':
      return 'error';
    case 'connected':
      if (activity.runningTools.size > 0) return 'tool';
      if (activity.userSpeaking) return 'user-speaking';
      if (activity.agentSpeaking || activity.agentAudio) return 'agent-speaking';
      return 'listening';
  }
}

/** The orb's status line for a state. */
export function orbStateLabel(state: OrbState, t: Messages): string {
  return t.voice.states[state];
}

/**
 * Server events that move the speech flags. `output_audio_buffer.*` is how WebRTC
 * says the agent's audio track starts and stops (no audio events reach the page);
 * `input_audio_buffer.speech_*` is the server's voice activity detection.
 */
export function applyServerEvent(activity: Activity, type: string): Activity {
  switch (type) {
    case 'input_audio_buffer.speech_started':
      return { ...activity, userSpeaking: true };
    case 'input_audio_buffer.speech_stopped':
    case 'input_audio_buffer.committed':
    case 'input_audio_buffer.cleared':
      return activity.userSpeaking ? { ...activity, userSpeaking: false } : activity;
    case 'output_audio_buffer.started':
      return { ...activity, agentSpeaking: true };
    case 'output_audio_buffer.stopped':
    case 'output_audio_buffer.cleared':
      return activity.agentSpeaking ? { ...activity, agentSpeaking: false } : activity;
    default:
      return activity;
  }
}

export function withToolStarted(activity: Activity, callId: string, name: string): Activity {
  const runningTools = new Map(activity.runningTools);
  runningTools.set(callId, name);
  return { ...activity, runningTools };
}

export function withToolEnded(activity: Activity, callId: string): Activity {
  if (!activity.runningTools.has(callId)) return activity;
  const runningTools = new Map(activity.runningTools);
  runningTools.delete(callId);
  return { ...activity, runningTools };
}

/** The most recent tool still running, for the orb's caption. */
export function currentTool(activity: Activity): string | null {
  let last: string | null = null;
  for (const name of activity.runningTools.values()) last = name;
  return last;
}

export type TranscriptEntry =
  | { id: string; role: 'user' | 'assistant'; text: string; final: boolean }
  | {
      id: string;
      role: 'tool';
      name: string;
      /** `awaiting`: the call waits for the user's Confirm or Cancel. */
      status: 'running' | 'awaiting' | 'done' | 'cancelled' | 'failed';
      summary: Words;
    };

/**
 * The conversation as the transcript panel shows it: spoken lines and tool calls.
 * `partials` holds the words streamed so far (transcript deltas) of messages whose
 * final text has not arrived yet, by item id; `awaiting` the item ids of the calls that
 * wait for the user's approval.
 */
export function transcriptFrom(
  history: readonly RealtimeItem[],
  partials: ReadonlyMap<string, string> = new Map(),
  awaiting: ReadonlySet<string> = new Set(),
): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  for (const item of history) {
    if (item.type === 'message' && (item.role === 'user' || item.role === 'assistant')) {
      const text = item.content
        .map((part) => {
          if (part.type === 'input_text' || part.type === 'output_text') return part.text;
          if (part.type === 'input_audio' || part.type === 'output_audio') return part.transcript ?? '';
          return '';
        })
        .join(' ')
        .trim();
      if (text !== '') {
        entries.push({ id: item.itemId, role: item.role, text, final: item.status === 'completed' });
        continue;
      }
      const partial = partials.get(item.itemId)?.trim() ?? '';
      if (partial !== '') entries.push({ id: item.itemId, role: item.role, text: partial, final: false });
    } else if (item.type === 'function_call') {
      const outcome = item.output === null ? null : summarizeToolOutput(item.output);
      const waiting = outcome === null && awaiting.has(item.itemId);
      entries.push({
        id: item.itemId,
        role: 'tool',
        name: item.name,
        status: waiting ? 'awaiting' : outcome === null ? 'running' : outcome.status,
        summary: waiting ? (t) => t.voiceApproval.awaiting : (outcome?.summary ?? (() => '')),
      });
    }
  }
  return entries;
}

/**
 * One line saying what a tool answered: its error message, its message, or its size.
 * The server's and the model's own words are shown as they are; ours are in the page's language.
 */
export function summarizeToolOutput(output: string): { status: 'done' | 'cancelled' | 'failed'; summary: Words } {
  const verbatim = (text: string): Words => () => text;
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return { status: 'done', summary: verbatim(output.slice(0, 140)) };
  }
  if (isRecord(value) && isRecord(value.error)) {
    const message = value.error.message;
    // A 422's fields, each said from its code; the server's words only for codes it
    // alone knows.
    const fields = parseFieldErrors(value.error.fields);
    if (fields.length > 0) {
      return {
        status: 'failed',
        summary: (t) => {
          const label = (name: string) => t.voice.argumentLabels[name.replace(/^arguments\./, '')] ?? name;
          return fields
            .map((field) => {
              const other = field.params.other;
              const params = other != null ? { ...field.params, other: label(other) } : field.params;
              return fieldErrorWords({ ...field, params }, label(field.field), t).sentence;
            })
            .join(' ');
        },
      };
    }
    return {
      status: 'failed',
      summary: typeof message === 'string' ? verbatim(message) : (t) => t.voice.toolFailedGeneric,
    };
  }
  if (Array.isArray(value)) {
    const count = value.length;
    return { status: 'done', summary: (t) => t.voice.results(count) };
  }
  if (isRecord(value)) {
    if (value.cancelled === true) return { status: 'cancelled', summary: (t) => t.voice.cancelled };
    if (value.kind === 'oauth') {
      const blocked = value.consent_page === 'blocked';
      return {
        status: 'done',
        summary: (t) => (blocked ? t.voice.consentWindowBlocked : t.voice.consentWindowOpened),
      };
    }
    if (value.kind === 'config' && Array.isArray(value.fields)) {
      const fields = value.fields.join(', ');
      return { status: 'done', summary: (t) => t.voice.needsFields(fields) };
    }
    if (typeof value.message === 'string') return { status: 'done', summary: verbatim(value.message) };
    if (typeof value.name === 'string') return { status: 'done', summary: verbatim(value.name) };
    if (typeof value.filename === 'string') return { status: 'done', summary: verbatim(value.filename) };
  }
  return { status: 'done', summary: (t) => t.voice.done };
}

type KnownTool = keyof Messages['voice']['tools'];

function isKnownTool(name: string, t: Messages): name is KnownTool {
  return Object.hasOwn(t.voice.tools, name);
}

/** What the orb says while a tool runs; unknown tools show their name. */
export function toolLabel(name: string, t: Messages): string {
  return isKnownTool(name, t) ? t.voice.tools[name] : t.voice.runningTool(name.replace(/_/g, ' '));
}

/** What the transcript says of a tool that answered. */
export function toolDoneLabel(name: string, t: Messages): string {
  return isKnownTool(name, t) ? t.voice.toolsDone[name] : t.voice.ranTool(name.replace(/_/g, ' '));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The name of the Slack channel `id` as `list_slack_channels` answered it earlier in the
 * conversation (the latest listing first), so that an approval names `#general` rather
 * than an id the user never saw; `null` when no listing has it.
 */
export function slackChannelName(history: readonly RealtimeItem[], id: string): string | null {
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const item = history[index];
    if (item?.type !== 'function_call' || item.name !== 'list_slack_channels' || item.output === null) continue;
    let channels: unknown;
    try {
      channels = JSON.parse(item.output);
    } catch {
      continue;
    }
    if (!Array.isArray(channels)) continue;
    const found: unknown = channels.find((channel) => isRecord(channel) && channel.id === id);
    if (isRecord(found) && typeof found.name === 'string' && found.name !== '') return found.name;
  }
  return null;
}

/**
 * What the approval asks, in words: "Disconnect Slack?". `connectorName` gives the
 * grid's name of a connector key; a key the grid does not know is shown as it is.
 */
export function approvalQuestion(
  request: { tool: string; arguments: Readonly<Record<string, unknown>>; channelName?: string | null },
  connectorName: (key: string) => string | undefined,
  t: Messages,
): { question: string; detail: string; body?: { label: string; text: string } } {
  const key = request.arguments.key;
  const connector = typeof key === 'string' && key !== '' ? (connectorName(key) ?? key) : null;
  if (request.tool === 'revoke_connector') {
    return {
      question: t.voiceApproval.revokeConnector(connector ?? t.voiceApproval.anyConnector),
      detail: t.voiceApproval.revokeConnectorDetail,
    };
  }
  if (request.tool === 'create_notion_page') {
    const title = typeof request.arguments.title === 'string' ? request.arguments.title : '';
    return { question: t.voiceApproval.createNotionPage(title), detail: t.voiceApproval.createNotionPageDetail };
  }
  if (request.tool === 'put_file_in_minio') {
    const key = typeof request.arguments.key === 'string' ? request.arguments.key : '';
    return {
      question: key === '' ? t.voiceApproval.putFile : t.voiceApproval.putFileAs(key),
      detail: t.voiceApproval.putFileDetail,
    };
  }
  if (request.tool === 'send_sms') {
    const text = (name: string) => (typeof request.arguments[name] === 'string' ? (request.arguments[name] as string) : '');
    return {
      question: t.voiceApproval.sendSms(text('to'), text('body')),
      detail: t.voiceApproval.sendSmsDetail(text('from')),
    };
  }
  if (request.tool === 'send_email') {
    const text = (name: string) => (typeof request.arguments[name] === 'string' ? (request.arguments[name] as string) : '');
    return {
      question: t.voiceApproval.sendEmail(text('to'), text('subject')),
      detail: t.voiceApproval.sendEmailDetail,
      // What is sent, word for word: the user confirms the message, not only its subject.
      body: { label: t.voiceApproval.sendEmailBody, text: text('text') },
    };
  }
  if (request.tool === 'post_slack_message') {
    const text = typeof request.arguments.text === 'string' ? request.arguments.text : '';
    const channel = typeof request.arguments.channel === 'string' ? request.arguments.channel : '';
    return {
      question: t.voiceApproval.postSlackMessage(text),
      // `#general` when the conversation listed it; the id the model sent otherwise.
      detail: t.voiceApproval.postSlackMessageDetail(request.channelName ? `#${request.channelName}` : channel),
    };
  }
  const tool = request.tool.replace(/_/g, ' ');
  return {
    question: connector === null ? t.voiceApproval.otherTool(tool) : t.voiceApproval.otherToolOn(tool, connector),
    detail: t.voiceApproval.otherToolDetail,
  };
}
