// Donna, the realtime agent of the dashboard.

import { RealtimeAgent } from '@openai/agents/realtime';

import type { AgentTools } from './tools';

/**
 * A reminder for readers and for transports that need instructions. The session
 * does not send it (see `SESSION_CONFIG`): the client secret the server mints
 * already carries Donna's full instructions and voice.
 */
export const DONNA_INSTRUCTIONS =
  'You are Donna, a warm and efficient voice assistant. Answer in the user’s language, in short sentences. ' +
  'Use your tools to connect, list and revoke the user’s accounts, read their calendar and manage their projects and files; ' +
  'ask for confirmation before revoking anything, and never invent a result.';

export function createDonnaAgent(tools: AgentTools): RealtimeAgent {
  return new RealtimeAgent({ name: 'Donna', instructions: DONNA_INSTRUCTIONS, tools });
}

/**
 * `session.update` only changes the fields it names. Leaving `instructions` out
 * keeps those of the minted session, which the server owns; the SDK's default
 * voice is already left out, which keeps the server's voice.
 */
export const SESSION_CONFIG = { providerData: { instructions: undefined } };
