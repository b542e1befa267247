// The voice agent, free of React: Donna, her tools built from the server's catalog,
// and the session whose state the orb draws.

export { createDonnaAgent, DONNA_INSTRUCTIONS } from './agent';
export { voiceErrorFrom, type VoiceError, type VoiceErrorKind } from './errors';
export { createLevelMeter, type AudioLevels, type LevelMeter } from './level';
export { ORB_STATE_LABEL, orbState, toolLabel, transcriptFrom, type OrbState, type TranscriptEntry } from './machine';
export { buildTools, callBoundRoute, type ToolRuntime } from './tools';
export { VoiceSession, type VoiceSessionHandlers, type VoiceSessionOptions, type VoiceSnapshot } from './session';
