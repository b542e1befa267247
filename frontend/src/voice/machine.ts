// The orb's state (SPEC §9 `data-state`) and its transcript, derived from what the
// Realtime session reports. Pure functions: the session feeds them, the orb draws them.

import type { RealtimeItem } from '@openai/agents/realtime';

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

export const ORB_STATE_LABEL: Record<OrbState, string> = {
  idle: 'Press the orb to talk to Donna',
  connecting: 'Connecting…',
  listening: 'Listening',
  'user-speaking': 'You are speaking',
  'agent-speaking': 'Donna is speaking',
  tool: 'Working on it',
  error: 'Voice unavailable',
};

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
  | { id: string; role: 'tool'; name: string; status: 'running' | 'done' | 'failed'; summary: string };

/**
 * The conversation as the transcript panel shows it: spoken lines and tool calls.
 * `partials` holds the words streamed so far (transcript deltas) of messages whose
 * final text has not arrived yet, by item id.
 */
export function transcriptFrom(
  history: readonly RealtimeItem[],
  partials: ReadonlyMap<string, string> = new Map(),
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
      entries.push({
        id: item.itemId,
        role: 'tool',
        name: item.name,
        status: outcome === null ? 'running' : outcome.failed ? 'failed' : 'done',
        summary: outcome?.summary ?? '',
      });
    }
  }
  return entries;
}

/** One line saying what a tool answered: its error message, its message, or its size. */
export function summarizeToolOutput(output: string): { failed: boolean; summary: string } {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return { failed: false, summary: output.slice(0, 140) };
  }
  if (isRecord(value) && isRecord(value.error)) {
    const message = typeof value.error.message === 'string' ? value.error.message : 'failed';
    return { failed: true, summary: message };
  }
  if (Array.isArray(value)) {
    return { failed: false, summary: value.length === 1 ? '1 result' : `${value.length} results` };
  }
  if (isRecord(value)) {
    if (value.cancelled === true) return { failed: false, summary: 'cancelled' };
    if (value.kind === 'oauth') {
      return {
        failed: false,
        summary: value.consent_window === 'blocked' ? 'the sign-in window was blocked' : 'sign-in window opened',
      };
    }
    if (value.kind === 'config' && Array.isArray(value.fields)) {
      return { failed: false, summary: `needs ${value.fields.join(', ')}` };
    }
    if (typeof value.message === 'string') return { failed: false, summary: value.message };
    if (typeof value.name === 'string') return { failed: false, summary: value.name };
    if (typeof value.filename === 'string') return { failed: false, summary: value.filename };
  }
  return { failed: false, summary: 'done' };
}

const TOOL_LABELS: Record<string, string> = {
  list_connectors: 'Checking your connectors',
  activate_connector: 'Connecting an account',
  revoke_connector: 'Disconnecting an account',
  list_events: 'Reading your calendar',
  create_project: 'Creating a project',
  list_projects: 'Listing your projects',
  upload_file: 'Uploading a file',
};

const TOOL_DONE_LABELS: Record<string, string> = {
  list_connectors: 'Checked your connectors',
  activate_connector: 'Started connecting an account',
  revoke_connector: 'Disconnected an account',
  list_events: 'Read your calendar',
  create_project: 'Created a project',
  list_projects: 'Listed your projects',
  upload_file: 'Uploaded a file',
};

/** What the orb says while a tool runs; unknown tools show their name. */
export function toolLabel(name: string): string {
  return TOOL_LABELS[name] ?? `Running ${name.replace(/_/g, ' ')}`;
}

/** What the transcript says of a tool that answered. */
export function toolDoneLabel(name: string): string {
  return TOOL_DONE_LABELS[name] ?? `Ran ${name.replace(/_/g, ' ')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
