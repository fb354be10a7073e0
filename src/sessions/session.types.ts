/** Value sets of OpenVidu 2.11 (docs/openvidu-api.md §2.2, §2.3, §6) shared by the REST layer, the model and signalling. */
export const MEDIA_MODES = ['ROUTED', 'RELAYED'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];

export const RECORDING_MODES = ['ALWAYS', 'MANUAL'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export const OUTPUT_MODES = ['COMPOSED', 'INDIVIDUAL'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export const RECORDING_LAYOUTS = [
  'BEST_FIT',
  'PICTURE_IN_PICTURE',
  'VERTICAL_PRESENTATION',
  'HORIZONTAL_PRESENTATION',
  'CUSTOM',
] as const;
export type RecordingLayout = (typeof RECORDING_LAYOUTS)[number];

export const ROLES = ['SUBSCRIBER', 'PUBLISHER', 'MODERATOR'] as const;
export type Role = (typeof ROLES)[number];

/** `io.openvidu.server.core.EndReason` (docs/openvidu-api.md §6), in the enum's order. */
export const END_REASONS = [
  'unsubscribe',
  'unpublish',
  'disconnect',
  'forceUnpublishByUser',
  'forceUnpublishByServer',
  'forceDisconnectByUser',
  'forceDisconnectByServer',
  'lastParticipantLeft',
  'networkDisconnect',
  'mediaServerDisconnect',
  'openviduServerStopped',
  'recordingStoppedByServer',
  'automaticStop',
  'sessionClosedByServer',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Reasons a participant can leave with (docs/openvidu-api.md §6 `participantLeft.reason`). */
export type LeaveReason =
  | 'disconnect'
  | 'forceDisconnectByUser'
  | 'forceDisconnectByServer'
  | 'sessionClosedByServer'
  | 'networkDisconnect'
  | 'openviduServerStopped'
  | 'mediaServerDisconnect'
  | 'automaticStop'
  | 'recordingStoppedByServer';

/** Reasons a stream stops being published. */
export type UnpublishReason =
  'unpublish' | 'forceUnpublishByUser' | 'forceUnpublishByServer' | 'mediaServerDisconnect' | LeaveReason;

/** Reasons a subscription ends. */
export type UnsubscribeReason = 'unsubscribe' | UnpublishReason;

/**
 * RecordingManager.finalReason: a session or recording ended by someone leaving is reported as
 * `lastParticipantLeft` (docs/openvidu-api.md §4 "Last participant leaves").
 */
export function finalReason(reason: EndReason): EndReason {
  return reason === 'disconnect' ||
    reason === 'forceDisconnectByUser' ||
    reason === 'forceDisconnectByServer' ||
    reason === 'networkDisconnect'
    ? 'lastParticipantLeft'
    : reason;
}

export interface SessionProperties {
  mediaMode: MediaMode;
  recordingMode: RecordingMode;
  defaultOutputMode: OutputMode;
  defaultRecordingLayout: RecordingLayout;
  defaultCustomLayout: string;
  /** `""` when the id was generated (SessionProperties.Builder default, docs/openvidu-api.md §2.1). */
  customSessionId: string;
}

export const DEFAULT_SESSION_PROPERTIES: Readonly<SessionProperties> = Object.freeze({
  mediaMode: 'ROUTED',
  recordingMode: 'MANUAL',
  defaultOutputMode: 'COMPOSED',
  defaultRecordingLayout: 'BEST_FIT',
  defaultCustomLayout: '',
  customSessionId: '',
});

/** Token `kurentoOptions` (docs/openvidu-api.md §2.3); only the keys that were given are set. */
export interface KurentoOptions {
  videoMaxRecvBandwidth?: number;
  videoMinRecvBandwidth?: number;
  videoMaxSendBandwidth?: number;
  videoMinSendBandwidth?: number;
  allowedFilters?: string[];
}

export interface TokenOptions {
  role: Role;
  /** Server data, `data` of POST /api/tokens. */
  data: string;
  kurentoOptions?: KurentoOptions;
}

export interface Token extends TokenOptions {
  /** The whole `wss://…?sessionId=…&token=…` string, as handed to the application. */
  readonly token: string;
  readonly sessionId: string;
  readonly createdAt: number;
}

export type TypeOfVideo = 'CAMERA' | 'SCREEN' | 'CUSTOM' | (string & {});

export interface StreamFilter {
  type: string;
  options: Record<string, unknown>;
  lastExecMethod?: { method: string; params: Record<string, unknown> };
}

/** What publishVideo sends (docs/openvidu-api.md §8); `videoDimensions` stays the JSON string the browser sent. */
export interface MediaOptions {
  hasAudio: boolean;
  hasVideo: boolean;
  audioActive: boolean;
  videoActive: boolean;
  typeOfVideo: TypeOfVideo;
  frameRate: number | null;
  videoDimensions: string;
  filter?: StreamFilter | null;
}

/** The `?webRtcStats=true` data of one endpoint (docs/openvidu-api.md §2.1); filled in by the media layer. */
export interface WebRtcStats {
  webrtcEndpointName: string | null;
  remoteSdp: string | null;
  localSdp: string | null;
  receivedCandidates: unknown[];
  localCandidate: string | null;
  remoteCandidate: string | null;
  events: Record<string, unknown>[];
}

export function emptyWebRtcStats(endpointName: string | null = null): WebRtcStats {
  return {
    webrtcEndpointName: endpointName,
    remoteSdp: null,
    localSdp: null,
    receivedCandidates: [],
    localCandidate: null,
    remoteCandidate: null,
    events: [],
  };
}

/** Public id of the hidden participant used by COMPOSED recordings (docs/openvidu-api.md §8). */
export const RECORDER_CONNECTION_ID = 'RECORDER';

/** Identifies a connection; a Participant object is one. */
export interface ConnectionRef {
  readonly sessionId: string;
  readonly connectionId: string;
}

export interface JoinOptions {
  /** The whole token string from POST /api/tokens (or just its `token=` value). */
  token: string;
  platform?: string;
  /** joinRoom `metadata`. */
  clientData?: string;
  location?: string;
  /** joinRoom carried the server secret (checked by the caller): no token needed, moderator rights. */
  admin?: boolean;
  /** The hidden COMPOSED-recording participant (only with `admin`). */
  recorder?: boolean;
}

export type StreamChanges = Partial<Pick<MediaOptions, 'audioActive' | 'videoActive' | 'videoDimensions' | 'filter'>>;
