// Everything that needs the Agents SDK at run time: Donna, her tools and the Realtime
// session over WebRTC. The session controller imports this module when the dashboard
// is idle (or on the first conversation), so the SDK never delays the page's first paint.

import {
  OpenAIRealtimeWebRTC,
  RealtimeAgent,
  RealtimeSession,
  tool,
  type RealtimeAgentConfiguration,
  type RealtimeTransportLayer,
} from '@openai/agents/realtime';

import type { ClientSecret, RealtimeTool } from '../api';
import { relayToolCall, type ToolRuntime } from './tools';

/**
 * A reminder for readers and for transports that need instructions. The session
 * does not send it (see `SESSION_CONFIG`): the client secret the server mints
 * already carries Donna's full instructions and voice.
 */
export const DONNA_INSTRUCTIONS =
  'You are Donna, a warm and efficient voice assistant. Answer in the user’s language, in short sentences. ' +
  'Use your tools to connect, list and revoke the user’s accounts, read their calendar and manage their projects and files; ' +
  'ask for confirmation before revoking anything, and never invent a result.';

/**
 * `session.update` only changes the fields it names. Leaving `instructions` out
 * keeps those of the minted session, which the server owns; the SDK's default
 * voice is already left out, which keeps the server's voice.
 */
export const SESSION_CONFIG = { providerData: { instructions: undefined } };

/** What a `RealtimeAgent` takes as its tools. */
export type AgentTools = NonNullable<RealtimeAgentConfiguration['tools']>;

/** The shape the SDK's types ask of a non-strict JSON Schema (not exported by the SDK). */
type NonStrictParameters = {
  type: 'object';
  properties: Record<string, never>;
  required: never[];
  additionalProperties: true;
};

/**
 * One `tool()` per catalog entry: the catalog's JSON Schema, non-strict, sent as is;
 * every call relayed to the server. A `needs_approval` entry waits for the user
 * (the session's `tool_approval_requested`), and only a call the user approved
 * reaches the server with `approved: true`.
 */
export function buildTools(catalog: readonly RealtimeTool[], runtime: ToolRuntime): AgentTools {
  return catalog.map((entry) =>
    tool({
      name: entry.name,
      description: entry.description,
      // The server validates every call against this schema; the SDK sends a
      // non-strict schema to the model as it is, without checking arguments.
      parameters: entry.parameters as unknown as NonStrictParameters,
      strict: false,
      needsApproval: entry.needs_approval,
      execute: (input: unknown, context, details) => {
        const callId = details?.toolCall?.callId ?? '';
        const approved =
          entry.needs_approval && callId !== '' && context?.isToolApproved({ toolName: entry.name, callId }) === true;
        // The model's own JSON text, so that the server checks exactly what it sent.
        return relayToolCall(entry, { callId, arguments: details?.toolCall?.arguments ?? input, approved }, runtime);
      },
    }),
  );
}

export function createDonnaAgent(tools: AgentTools): RealtimeAgent {
  return new RealtimeAgent({ name: 'Donna', instructions: DONNA_INSTRUCTIONS, tools });
}

export interface TransportMedia {
  /** The microphone, opened by the controller so that it can tell why it could not. */
  mediaStream: MediaStream | undefined;
  /** Plays Donna's voice; `undefined` outside a browser. */
  audioElement: HTMLAudioElement | undefined;
}

/** WebRTC to the client secret's `calls_url`: the transport POSTs its SDP offer to `baseUrl` as given. */
export function webRtcTransport(secret: ClientSecret, media: TransportMedia): RealtimeTransportLayer {
  return new OpenAIRealtimeWebRTC({
    baseUrl: secret.calls_url,
    mediaStream: media.mediaStream,
    audioElement: media.audioElement,
  });
}

/** Donna, built once ahead of the conversations (see `VoiceSession.prepare`), in a session over `transport`. */
export function createRealtimeSession(secret: ClientSecret, agent: RealtimeAgent, transport: RealtimeTransportLayer): RealtimeSession {
  return new RealtimeSession(agent, { transport, model: secret.model, config: SESSION_CONFIG });
}
