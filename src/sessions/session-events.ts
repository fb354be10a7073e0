import type { Participant, PublishedStream, Subscription } from './participant.js';
import type { EndReason, LeaveReason, SessionProperties, UnpublishReason, UnsubscribeReason } from './session.types.js';

/**
 * Domain events of the session model, emitted synchronously through EventEmitter2 in the order the
 * changes happen. CDR and webhook consume them; the signalling layer listens to notify clients and
 * release media when a change did not come from its own RPCs (REST force-disconnect, session
 * DELETE, garbage collection, media-server loss, shutdown).
 */
export const SessionEvents = {
  /** POST /api/sessions stored a not-yet-active session. */
  Initialized: 'session.initialized',
  /** First join placed the session on a media server (CDR `sessionCreated`). */
  Activated: 'session.activated',
  /** The session is gone (CDR `sessionDestroyed` when it had been active). */
  Closed: 'session.closed',
  ParticipantJoined: 'participant.joined',
  /** Emitted for every departure (leave, eviction, session close). */
  ParticipantLeft: 'participant.left',
  /** Emitted after `participant.left` when the departure was forced (not the client's own leaveRoom). */
  ParticipantEvicted: 'participant.evicted',
  StreamPublished: 'stream.published',
  StreamUnpublished: 'stream.unpublished',
  StreamSubscribed: 'stream.subscribed',
  StreamUnsubscribed: 'stream.unsubscribed',
  /** `recording` flag of the session JSON changed. */
  RecordingChanged: 'session.recording-changed',
} as const;
export type SessionEventName = (typeof SessionEvents)[keyof typeof SessionEvents];

export interface SessionInitializedEvent {
  sessionId: string;
  createdAt: number;
  properties: Readonly<SessionProperties>;
}

export interface SessionActivatedEvent {
  sessionId: string;
  createdAt: number;
  activatedAt: number;
  mediaServerId: string;
}

export interface SessionClosedEvent {
  sessionId: string;
  createdAt: number;
  /** As given to closeSession (CDR applies finalReason itself). */
  reason: EndReason;
  /** False for a session nobody ever joined: OpenVidu logs no CDR/webhook event for those. */
  wasActive: boolean;
  mediaServerId: string | null;
  timestamp: number;
}

export interface ParticipantJoinedEvent {
  sessionId: string;
  participant: Readonly<Participant>;
  /** The others already in the session (RECORDER included; skip `recorder` ones when notifying). */
  existing: Readonly<Participant>[];
  timestamp: number;
}

export interface ParticipantLeftEvent {
  sessionId: string;
  participant: Readonly<Participant>;
  reason: LeaveReason;
  /** connectionIds still in the session, who get `participantLeft`. */
  remaining: string[];
  timestamp: number;
}

export interface ParticipantEvictedEvent {
  sessionId: string;
  connectionId: string;
  reason: LeaveReason;
  /** The evicted one first, then the remaining: all of them get `participantEvicted`. */
  notify: string[];
  /** Close the evicted participant's WebSocket after notifying. */
  closeConnection: true;
  timestamp: number;
}

export interface StreamPublishedEvent {
  sessionId: string;
  connectionId: string;
  stream: Readonly<PublishedStream>;
  /** connectionIds that get `participantPublished`. */
  notify: string[];
  timestamp: number;
}

export interface StreamUnpublishedEvent {
  sessionId: string;
  connectionId: string;
  streamId: string;
  stream: Readonly<PublishedStream>;
  reason: UnpublishReason;
  /** True when the stream ends because its owner leaves: clients then get `participantLeft`, not `participantUnpublished`. */
  leaving: boolean;
  /** connectionIds in the session when the stream ended (the owner too, unless it is leaving). */
  notify: string[];
  timestamp: number;
}

export interface StreamSubscribedEvent {
  sessionId: string;
  subscription: Readonly<Subscription>;
  /** Whether the subscriber is the hidden RECORDER (no CDR for it). */
  recorder: boolean;
  timestamp: number;
}

export interface StreamUnsubscribedEvent {
  sessionId: string;
  subscriberId: string;
  publisherId: string;
  streamId: string;
  subscription: Readonly<Subscription>;
  reason: UnsubscribeReason;
  recorder: boolean;
  timestamp: number;
}

export interface RecordingChangedEvent {
  sessionId: string;
  recording: boolean;
}

/** Name → payload of every session-model event (typed emit and `@OnAppEvent`). */
export interface SessionEventMap {
  [SessionEvents.Initialized]: SessionInitializedEvent;
  [SessionEvents.Activated]: SessionActivatedEvent;
  [SessionEvents.Closed]: SessionClosedEvent;
  [SessionEvents.ParticipantJoined]: ParticipantJoinedEvent;
  [SessionEvents.ParticipantLeft]: ParticipantLeftEvent;
  [SessionEvents.ParticipantEvicted]: ParticipantEvictedEvent;
  [SessionEvents.StreamPublished]: StreamPublishedEvent;
  [SessionEvents.StreamUnpublished]: StreamUnpublishedEvent;
  [SessionEvents.StreamSubscribed]: StreamSubscribedEvent;
  [SessionEvents.StreamUnsubscribed]: StreamUnsubscribedEvent;
  [SessionEvents.RecordingChanged]: RecordingChangedEvent;
}
