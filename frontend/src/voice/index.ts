// The voice agent, free of React: the session whose state the orb draws, the words
// for its failures, the audio level meter. Donna and the Agents SDK (`agent.ts`)
// are loaded on the first conversation.

export { errorHeadline, voiceErrorFrom, type VoiceError, type VoiceErrorKind } from './errors';
export { createLevelMeter, type AudioLevels, type LevelMeter } from './level';
export {
  approvalQuestion,
  orbStateLabel,
  orbState,
  toolDoneLabel,
  toolLabel,
  transcriptFrom, type OrbState, type TranscriptEntry } from './machine';
export { relayToolCall, type ToolRuntime } from './tools';
export {
  preloadRealtime,
  VoiceSession,
  type ApprovalRequest,
  type VoiceSessionHandlers,
  type VoiceSessionOptions,
  type VoiceSnapshot,
} from './session';
