import {
  emptyWebRtcStats,
  type KurentoOptions,
  type MediaOptions,
  type Role,
  type WebRtcStats,
  RECORDER_CONNECTION_ID,
} from './session.types.js';

type Json = Record<string, unknown>;

/** MediaOptions#toJson (docs/openvidu-api.md §2.1): the active flags and video fields only when that track exists. */
export function mediaOptionsJson(m: MediaOptions): Json {
  const json: Json = { hasAudio: m.hasAudio };
  if (m.hasAudio) json.audioActive = m.audioActive;
  json.hasVideo = m.hasVideo;
  if (m.hasVideo) {
    json.videoActive = m.videoActive;
    json.typeOfVideo = m.typeOfVideo;
    json.frameRate = m.frameRate;
    json.videoDimensions = m.videoDimensions;
  }
  json.filter = m.filter
    ? {
        type: m.filter.type,
        options: m.filter.options,
        lastExecMethod: m.filter.lastExecMethod
          ? { method: m.filter.lastExecMethod.method, params: m.filter.lastExecMethod.params }
          : {},
      }
    : {};
  return json;
}

/** MediaEndpoint#withStatsToJson: the stats keys come first, then the endpoint's own keys. */
function statsJson(createdAt: number, s: WebRtcStats): Json {
  return {
    createdAt,
    webrtcEndpointName: s.webrtcEndpointName,
    remoteSdp: s.remoteSdp,
    localSdp: s.localSdp,
    receivedCandidates: s.receivedCandidates,
    localCandidate: s.localCandidate,
    remoteCandidate: s.remoteCandidate,
    events: s.events,
  };
}

/** A published stream (OpenVidu's PublisherEndpoint). */
export class PublishedStream {
  /** Filled in by the media layer for `?webRtcStats=true`. */
  readonly webrtc: WebRtcStats;
  /**
   * The options it was published with. CDR reports these for every webrtc event of the stream, the
   * destroyed ones included, as OpenVidu's CallDetailRecord keeps the start event's MediaOptions.
   */
  readonly initialMedia: Readonly<MediaOptions>;

  constructor(
    readonly streamId: string,
    readonly connectionId: string,
    readonly createdAt: number,
    public mediaOptions: MediaOptions,
  ) {
    this.initialMedia = Object.freeze({ ...mediaOptions });
    // KurentoParticipant#createPublishingEndpoint names the publisher endpoint after its stream.
    this.webrtc = emptyWebRtcStats(streamId);
  }

  toJson(withStats = false): Json {
    const base = withStats ? statsJson(this.createdAt, this.webrtc) : { createdAt: this.createdAt };
    return { ...base, streamId: this.streamId, mediaOptions: mediaOptionsJson(this.mediaOptions) };
  }
}

/** A subscription of one connection to another's stream (OpenVidu's SubscriberEndpoint). */
export class Subscription {
  readonly webrtc: WebRtcStats;

  constructor(
    readonly subscriberId: string,
    readonly stream: PublishedStream,
    readonly createdAt: number,
  ) {
    // …and a subscriber endpoint `<subscriber connectionId>_<streamId>` (KurentoParticipant#receiveMediaFrom).
    this.webrtc = emptyWebRtcStats(`${subscriberId}_${stream.streamId}`);
  }

  get streamId(): string {
    return this.stream.streamId;
  }

  get publisherId(): string {
    return this.stream.connectionId;
  }

  /** The 2.11 code writes only createdAt and streamId: no `publisher` key (docs/openvidu-api.md §2.1). */
  toJson(withStats = false): Json {
    const base = withStats ? statsJson(this.createdAt, this.webrtc) : { createdAt: this.createdAt };
    return { ...base, streamId: this.stream.streamId };
  }
}

export interface ParticipantInit {
  connectionId: string;
  sessionId: string;
  createdAt: number;
  token: string;
  role: Role;
  serverData: string;
  clientData: string;
  platform: string;
  location: string;
  kurentoOptions?: KurentoOptions;
  /** Joined with the server secret instead of a token: moderator rights, no token needed. */
  admin: boolean;
  /** The hidden COMPOSED-recording participant: never in JSON, CDR nor notifications. */
  recorder: boolean;
}

/** A connection (participant) of a session. */
export class Participant implements Readonly<ParticipantInit> {
  readonly connectionId: string;
  readonly sessionId: string;
  readonly createdAt: number;
  readonly token: string;
  readonly role: Role;
  readonly serverData: string;
  readonly clientData: string;
  readonly platform: string;
  readonly location: string;
  readonly kurentoOptions?: KurentoOptions;
  readonly admin: boolean;
  readonly recorder: boolean;
  publisher: PublishedStream | null = null;
  /** Keyed by the publisher's connectionId: one subscription per remote publisher, as in OpenVidu. */
  readonly subscriptions = new Map<string, Subscription>();

  constructor(init: ParticipantInit) {
    this.connectionId = init.connectionId;
    this.sessionId = init.sessionId;
    this.createdAt = init.createdAt;
    this.token = init.token;
    this.role = init.role;
    this.serverData = init.serverData;
    this.clientData = init.clientData;
    this.platform = init.platform;
    this.location = init.location;
    this.kurentoOptions = init.kurentoOptions;
    this.admin = init.admin;
    this.recorder = init.recorder || init.connectionId === RECORDER_CONNECTION_ID;
  }

  get canPublish(): boolean {
    return this.admin || this.role === 'PUBLISHER' || this.role === 'MODERATOR';
  }

  get isModerator(): boolean {
    return this.admin || this.role === 'MODERATOR';
  }

  /** joinRoom's `metadata`: clientData + "%/%" + serverData when both are set (docs/openvidu-api.md §8). */
  get fullMetadata(): string {
    return this.clientData && this.serverData
      ? `${this.clientData}%/%${this.serverData}`
      : this.clientData + this.serverData;
  }

  toJson(withStats = false): Json {
    return {
      connectionId: this.connectionId,
      createdAt: this.createdAt,
      location: this.location,
      platform: this.platform,
      token: this.token,
      role: this.role,
      serverData: this.serverData,
      clientData: this.clientData,
      publishers: this.publisher ? [this.publisher.toJson(withStats)] : [],
      subscribers: [...this.subscriptions.values()].map((s) => s.toJson(withStats)),
    };
  }
}
