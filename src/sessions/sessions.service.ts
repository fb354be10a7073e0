import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectEventBus, type EventBus } from '../common/app-events.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { resolveWsBase } from '../config/public-url.js';
import { connectionIdOfStream, newStreamId, randomId, sessionIdProblem } from './ids.js';
import { SESSION_PLACER, type Placement, type SessionPlacer } from './media-placement.js';
import { Participant, PublishedStream, Subscription } from './participant.js';
import { Session } from './session.js';
import { SessionTeardown } from './session-teardown.js';
import { stripSecret, tokenString, tokenValue } from './session-tokens.js';
import type { TurnCredentials } from './turn-credentials.js';
import { recordCandidate, recordEndpointEvent } from './webrtc-stats.js';
import * as E from './session-errors.js';
import { SessionEvents as EV, type SessionEventMap } from './session-events.js';
import {
  DEFAULT_SESSION_PROPERTIES,
  RECORDER_CONNECTION_ID,
  type ConnectionRef,
  type EndReason,
  type JoinOptions,
  type LeaveReason,
  type MediaOptions,
  type StreamChanges,
  type SessionProperties,
  type Token,
  type TokenOptions,
  type UnpublishReason,
  type UnsubscribeReason,
  type WebRtcStats,
} from './session.types.js';

/** The offer a browser sent for an endpoint and the media server's answer (`?webRtcStats=true`). */
export interface SdpPair {
  remoteSdp: string;
  localSdp: string;
}

export type { ConnectionRef, JoinOptions, StreamChanges } from './session.types.js';

/**
 * The in-memory session model: sessions, single-use tokens, connections, publishers and
 * subscribers. Every operation is synchronous and emits its domain events (session-events.ts) in
 * the order the changes happen; REST and signalling both act only through these methods.
 */
@Injectable()
export class SessionsService implements OnModuleDestroy {
  private readonly logger = new Logger(SessionsService.name);
  private readonly sessions = new Map<string, Session>();
  private readonly teardown = new SessionTeardown(
    this.sessions,
    (name, payload) => this.emit(name, payload),
    this.logger,
  );

  constructor(
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @InjectEventBus() private readonly events: EventBus<SessionEventMap>,
    @Optional() @Inject(SESSION_PLACER) private readonly placer: SessionPlacer | null,
  ) {}

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  getOrThrow(sessionId: string): Session {
    const s = this.sessions.get(sessionId);
    if (!s) throw new E.SessionNotFoundError(sessionId);
    return s;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  participant(ref: ConnectionRef): Participant | undefined {
    return this.sessions.get(ref.sessionId)?.participants.get(ref.connectionId);
  }

  /** POST /api/sessions: a not-yet-active session. Throws SessionExistsError for a taken custom id. */
  createSession(props: Partial<SessionProperties> = {}): Session {
    const custom = props.customSessionId;
    if (custom && this.sessions.has(custom)) throw new E.SessionExistsError(custom);
    let id = custom;
    while (!id || (!custom && this.sessions.has(id))) id = randomId();
    return this.store(id, props);
  }

  /**
   * POST /api/tokens: a single-use token bound to the session (docs/openvidu-api.md §2.3 token format),
   * carrying `turn` when given (TurnCredentialsService).
   */
  generateToken(sessionId: string, options: TokenOptions, turn?: TurnCredentials): Token {
    const session = this.sessions.get(sessionId);
    if (!session || session.state === 'closing' || session.state === 'closed') {
      throw new E.SessionNotFoundError(sessionId);
    }
    const value = randomId();
    const config = this.config.snapshot();
    const base = resolveWsBase(config);
    const token: Token = {
      token: tokenString(base, sessionId, value, options.role, turn),
      sessionId,
      createdAt: Date.now(),
      role: options.role,
      data: options.data,
      ...(options.kurentoOptions ? { kurentoOptions: options.kurentoOptions } : {}),
    };
    session.tokens.set(value, { ...token, consumedBy: null });
    return token;
  }

  /** The unused token a joinRoom would consume, or UnauthorizedError. Does not consume it. */
  peekToken(sessionId: string, token: string): Token {
    const entry = this.sessions.get(sessionId)?.tokens.get(tokenValue(token));
    if (!entry || entry.consumedBy !== null) throw new E.UnauthorizedError();
    return entry;
  }

  /** Places the session on a media server once (first join); later calls return it unchanged. */
  activate(sessionId: string): Session {
    const session = this.getOrThrow(sessionId);
    if (session.state === 'active') return session;
    if (session.state !== 'idle') throw new E.SessionClosedError(sessionId);
    if (!this.placer) throw new E.SessionPlacementError(sessionId);
    let placement: Placement | undefined;
    try {
      placement = this.placer.place(sessionId);
      placement.attach(session);
    } catch (e) {
      placement?.release();
      throw new E.SessionPlacementError(sessionId, e);
    }
    session.placement = placement;
    session.state = 'active';
    session.activatedAt = Date.now();
    this.emit(EV.Activated, {
      sessionId,
      createdAt: session.createdAt,
      activatedAt: session.activatedAt,
      mediaServerId: placement.mediaServerId,
    });
    return session;
  }

  /** joinRoom: consumes the token, activates the session on first join, adds the participant. */
  join(sessionId: string, opts: JoinOptions): Participant {
    let session = this.sessions.get(sessionId);
    const admin = !!opts.admin;
    const value = tokenValue(opts.token);
    const entry = session?.tokens.get(value);
    if (!admin && (!entry || entry.consumedBy !== null)) throw new E.UnauthorizedError();
    let createdHere = false;
    if (!session) {
      // The same id rules as POST /api/sessions: a session id is a URL, log and JSON value everywhere.
      const problem = sessionIdProblem(sessionId);
      if (problem) throw new E.InvalidSessionIdError(problem);
      // A secret-bearing join may create the session on the fly, recording ALWAYS (docs/openvidu-api.md §8).
      session = this.store(sessionId, { recordingMode: 'ALWAYS' });
      createdHere = true;
    }
    if (session.state === 'closing' || session.state === 'closed') throw new E.SessionClosedError(sessionId);
    try {
      this.activate(sessionId);
    } catch (e) {
      if (createdHere) this.teardown.finishClose(session, 'sessionClosedByServer', false);
      throw e;
    }
    const recorder = admin && !!opts.recorder;
    let connectionId = recorder ? RECORDER_CONNECTION_ID : randomId();
    while (!recorder && session.participants.has(connectionId)) connectionId = randomId();
    const participant = new Participant({
      connectionId,
      sessionId,
      createdAt: Date.now(),
      token: entry && !admin ? entry.token : stripSecret(opts.token),
      role: entry && !admin ? entry.role : 'PUBLISHER',
      serverData: entry && !admin ? entry.data : '',
      clientData: opts.clientData ?? '',
      platform: opts.platform ?? '',
      location: opts.location || 'unknown',
      kurentoOptions: entry && !admin ? entry.kurentoOptions : undefined,
      admin,
      recorder,
    });
    if (entry && !admin) entry.consumedBy = connectionId;
    const existing = [...session.participants.values()];
    session.participants.set(connectionId, participant);
    session.changed();
    this.emit(EV.ParticipantJoined, {
      sessionId,
      participant,
      existing,
      timestamp: participant.createdAt,
    });
    return participant;
  }

  /** Throws unless the connection may publish now (check before doing media work). */
  assertCanPublish(ref: ConnectionRef): Participant {
    const { participant } = this.activeParticipant(ref);
    if (!participant.canPublish || participant.recorder) {
      throw new E.UnauthorizedError('Unable to publish video. The user does not have a valid token');
    }
    if (participant.publisher) throw new E.AlreadyPublishingError(participant.connectionId);
    return participant;
  }

  /** Registers the connection's stream once its media is up; returns it with its new streamId. */
  publish(ref: ConnectionRef, media: MediaOptions, sdp?: SdpPair): PublishedStream {
    const participant = this.assertCanPublish(ref);
    const session = this.sessions.get(ref.sessionId)!;
    const now = Date.now();
    const streamId = newStreamId(participant.connectionId, media.hasVideo, media.typeOfVideo);
    const stream = new PublishedStream(streamId, participant.connectionId, now, { ...media });
    if (sdp) Object.assign(stream.webrtc, { remoteSdp: sdp.remoteSdp, localSdp: sdp.localSdp });
    participant.publisher = stream;
    session.changed();
    this.emit(EV.StreamPublished, {
      sessionId: session.sessionId,
      connectionId: participant.connectionId,
      stream,
      notify: [...session.participants.keys()].filter((id) => id !== participant.connectionId),
      timestamp: now,
    });
    return stream;
  }

  /** unpublishVideo / forceUnpublish: ends the stream and every subscription to it. */
  unpublish(ref: ConnectionRef, reason: UnpublishReason = 'unpublish'): PublishedStream {
    const { session, participant } = this.activeParticipant(ref);
    const stream = participant.publisher;
    if (!stream) throw new E.NotStreamingError(participant.connectionId);
    this.teardown.endStream(session, participant, reason, false);
    for (const other of session.participants.values()) {
      this.teardown.endSubscription(session, other, stream.connectionId, reason);
    }
    return stream;
  }

  /** REST DELETE …/stream/<id> and the moderator RPC: SessionNotFoundError or NotStreamingError. */
  forceUnpublish(sessionId: string, streamId: string, reason: UnpublishReason = 'forceUnpublishByServer'): void {
    const session = this.getOrThrow(sessionId);
    const owner = session.isActive ? session.findStream(streamId) : undefined;
    if (!owner) throw new E.NotStreamingError(streamId);
    this.unpublish(owner, reason);
  }

  /**
   * The subscribe rule (KurentoSessionManager#subscribe, KurentoParticipant#receiveMediaFrom), checked
   * before any media work and again when the subscription is registered. `sender` is the streamId
   * (or the publisher's connectionId); returns the stream to subscribe to. The codes and messages
   * are 2.11's, which openvidu-browser hands to the application.
   */
  assertCanSubscribe(ref: ConnectionRef, sender: string): PublishedStream {
    const { session, participant } = this.activeParticipant(ref);
    const senderId = connectionIdOfStream(sender);
    const publisher = session.participants.get(senderId);
    if (!publisher) throw new E.SenderNotFoundError(senderId, session.sessionId);
    const stream = publisher.publisher;
    // 2.11 reads only the connection id out of `sender`; a stale stream id is refused here rather
    // than answered with whatever the connection publishes now.
    if (!stream || (sender !== senderId && stream.streamId !== sender)) {
      throw new E.SenderNotStreamingError(senderId, session.sessionId);
    }
    if (senderId === participant.connectionId) throw new E.LoopbackError(senderId);
    if (participant.subscriptions.has(senderId)) throw new E.AlreadySubscribedError(participant.connectionId, senderId);
    return stream;
  }

  /** receiveVideoFrom, once the subscriber's endpoint answered: registers the subscription. */
  subscribe(ref: ConnectionRef, sender: string, sdp?: SdpPair): Subscription {
    const stream = this.assertCanSubscribe(ref, sender);
    const { session, participant } = this.activeParticipant(ref);
    const now = Date.now();
    const subscription = new Subscription(participant.connectionId, stream, now);
    if (sdp) Object.assign(subscription.webrtc, { remoteSdp: sdp.remoteSdp, localSdp: sdp.localSdp });
    participant.subscriptions.set(stream.connectionId, subscription);
    session.changed();
    this.emit(EV.StreamSubscribed, {
      sessionId: session.sessionId,
      subscription,
      recorder: participant.recorder,
      timestamp: now,
    });
    return subscription;
  }

  /**
   * An event of the endpoint behind `streamId` as seen by `ref` (its own stream, or its subscription
   * to it), kept for `?webRtcStats=true`. Ignored once that stream or subscription has ended.
   */
  recordEndpointEvent(
    ref: ConnectionRef,
    streamId: string,
    type: string,
    data: Record<string, unknown>,
    endpointCreatedAt: number,
  ): void {
    const stats = this.statsOf(ref, streamId);
    if (stats) recordEndpointEvent(stats, endpointCreatedAt, type, data);
  }

  /**
   * An ICE candidate the browser sent for its endpoint `endpointName` (its own connectionId for its
   * publisher, the publisher's for a subscription); the history is bounded by
   * `openvidu.sessions.max-ice-candidates`.
   */
  recordIceCandidate(ref: ConnectionRef, endpointName: string, candidate: Record<string, unknown>): void {
    const p = this.participant(ref);
    const stats = endpointName === ref.connectionId ? p?.publisher?.webrtc : p?.subscriptions.get(endpointName)?.webrtc;
    if (stats) recordCandidate(stats, candidate, this.config.get('openvidu.sessions.max-ice-candidates'));
  }

  private statsOf(ref: ConnectionRef, streamId: string): WebRtcStats | undefined {
    const p = this.participant(ref);
    if (!p) return undefined;
    if (p.publisher?.streamId === streamId) return p.publisher.webrtc;
    const sub = p.subscriptions.get(connectionIdOfStream(streamId));
    return sub?.streamId === streamId ? sub.webrtc : undefined;
  }

  /** unsubscribeFromVideo: false when there was no such subscription (OpenVidu only warns). */
  unsubscribe(ref: ConnectionRef, sender: string, reason: UnsubscribeReason = 'unsubscribe'): boolean {
    const { session, participant } = this.activeParticipant(ref);
    return this.teardown.endSubscription(session, participant, connectionIdOfStream(sender), reason);
  }

  /** The participant's own departure (leaveRoom, lost WebSocket). Closes the session when it was the last. */
  leave(ref: ConnectionRef, reason: LeaveReason = 'disconnect'): void {
    const { session, participant } = this.activeParticipant(ref);
    this.teardown.removeParticipant(session, participant, reason, false);
  }

  /** A forced departure: also emits `participant.evicted` so the client is told and its socket closed. */
  evict(ref: ConnectionRef, reason: LeaveReason): void {
    const { session, participant } = this.activeParticipant(ref);
    this.teardown.removeParticipant(session, participant, reason, true);
  }

  /** REST DELETE …/connection/<id>: SessionNotFoundError (400) or ParticipantNotFoundError (404). */
  forceDisconnect(sessionId: string, connectionId: string, reason: LeaveReason = 'forceDisconnectByServer'): void {
    const session = this.getOrThrow(sessionId);
    const p = session.isActive ? session.participants.get(connectionId) : undefined;
    if (!p || p.recorder) throw new E.ParticipantNotFoundError(connectionId);
    this.teardown.removeParticipant(session, p, reason, true);
  }

  /** Evicts everybody with `reason`, releases the media server and forgets the session. */
  closeSession(sessionId: string, reason: EndReason): void {
    const session = this.getOrThrow(sessionId);
    if (session.state === 'closing' || session.state === 'closed') return;
    const wasActive = session.state === 'active';
    session.state = 'closing';
    for (const p of [...session.participants.values()]) {
      this.teardown.removeParticipant(session, p, reason as LeaveReason, true);
    }
    this.teardown.finishClose(session, reason, wasActive);
  }

  /** streamPropertyChanged / filters: updates what the session JSON shows for the stream. */
  updateStream(sessionId: string, streamId: string, changes: StreamChanges): PublishedStream {
    const session = this.getOrThrow(sessionId);
    const owner = session.findStream(streamId);
    if (!owner?.publisher) throw new E.NotStreamingError(streamId);
    // A new object, as KurentoSessionManager does: what was captured at publish time stays as it was.
    owner.publisher.mediaOptions = { ...owner.publisher.mediaOptions, ...changes };
    session.changed();
    return owner.publisher;
  }

  setRecording(sessionId: string, recording: boolean): void {
    const session = this.getOrThrow(sessionId);
    if (session.recording === recording) return;
    session.recording = recording;
    session.changed();
    this.emit(EV.RecordingChanged, { sessionId, recording });
  }

  /** Ghost sessions: removes never-joined sessions created at or before `createdBefore`. */
  removeIdleSessions(createdBefore: number): string[] {
    const removed: string[] = [];
    for (const s of this.sessions.values()) {
      if (s.state === 'idle' && s.createdAt <= createdBefore) {
        this.closeSession(s.sessionId, 'sessionClosedByServer');
        removed.push(s.sessionId);
      }
    }
    return removed;
  }

  /** Server shutdown closes every session (OpenVidu's @PreDestroy), so CDR and webhook see the end. */
  onModuleDestroy(): void {
    for (const s of this.list()) this.closeSession(s.sessionId, 'openviduServerStopped');
  }

  private activeParticipant(ref: ConnectionRef): { session: Session; participant: Participant } {
    const session = this.sessions.get(ref.sessionId);
    const participant = session?.participants.get(ref.connectionId);
    if (!session || !participant) throw new E.ParticipantNotFoundError(ref.connectionId);
    return { session, participant };
  }

  private store(id: string, props: Partial<SessionProperties>): Session {
    const max = this.config.get('openvidu.sessions.max');
    if (this.sessions.size >= max) throw new E.SessionLimitError(max);
    const properties = Object.freeze({ ...DEFAULT_SESSION_PROPERTIES, ...props });
    const now = Date.now();
    const session = new Session(id, now, properties, (s, reason) => this.closeSession(s.sessionId, reason));
    this.sessions.set(id, session);
    this.emit(EV.Initialized, { sessionId: id, createdAt: now, properties });
    return session;
  }

  /** A listener's failure must never leave the model half-changed. */
  private emit<K extends keyof SessionEventMap>(name: K, payload: SessionEventMap[K]): void {
    try {
      this.events.emit(name, payload);
    } catch (e) {
      this.logger.error(`Listener of ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
