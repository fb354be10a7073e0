import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthService } from '../auth/auth.service.js';
import { OpenViduConfigService } from '../config/config.service.js';
import type { Endpoint, EndpointSetup, IceCandidate } from '../media-servers/media-api.js';
import { MediaServerError, MediaServerRequestError } from '../media-servers/media-servers.errors.js';
import type { Participant } from '../sessions/participant.js';
import { SessionModelError } from '../sessions/session-errors.js';
import type { MediaOptions } from '../sessions/session.types.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { RpcCode, RpcError } from './rpc-error.js';
import type { SignallingClient } from './signalling-client.js';
import { SessionMedia } from './session-media.js';
import { SignallingRegistry, streamJson } from './signalling.registry.js';
import { FilterHandlers } from './filter.handlers.js';
import { videoBandwidth } from './bandwidth.js';
import { mediaErrorText } from './media-error.js';
import { EndpointStatsCollector, RECORDED_ENDPOINT_EVENTS } from '../sessions/webrtc-stats.js';
import { bool, obj, parseSignal, str } from './params.js';
import { SecretAttempts } from './secret-attempts.js';

/** Longest ICE candidate line, sdpMid and signal type accepted from a client. */
const MAX_CANDIDATE = 4096;

type Params = Record<string, unknown>;
type Result = Record<string, unknown>;

/**
 * openvidu-browser's RPC methods (docs/openvidu-api.md §8) over the session model and the media servers.
 * What a handler needs of the transport is narrow: its answer is the value it returns (or the
 * RpcError it throws), work after the answer goes to `client.afterReply`, participants are notified
 * through SignallingRegistry#notify (each client writes to a ClientSocket), and a client is closed
 * with `client.end()`. Unit specs drive it that way over fake sockets (src/testing/signalling.ts).
 */
@Injectable()
export class SignallingService {
  private readonly logger = new Logger('Signalling');
  private readonly handlers: Record<string, (client: SignallingClient, p: Params) => Promise<Result> | Result>;
  private readonly secretAttempts: SecretAttempts;

  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SignallingRegistry) private readonly reg: SignallingRegistry,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(FilterHandlers) private readonly filters: FilterHandlers,
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
  ) {
    this.secretAttempts = new SecretAttempts(() => this.config.get('ws.secretAttemptsPerMinute'));
    this.handlers = {
      joinRoom: (client, p) => this.joinRoom(client, p),
      publishVideo: (client, p) => this.publishVideo(client, p),
      receiveVideoFrom: (client, p) => this.receiveVideoFrom(client, p),
      onIceCandidate: (client, p) => this.onIceCandidate(client, p),
      unpublishVideo: (client) => (this.sessions.unpublish(this.me(client), 'unpublish'), {}),
      unsubscribeFromVideo: (client, p) => (this.sessions.unsubscribe(this.me(client), str(p, 'sender')), {}),
      leaveRoom: (client) => this.leaveRoom(client),
      sendMessage: (client, p) => this.sendMessage(client, p),
      streamPropertyChanged: (client, p) => this.streamPropertyChanged(client, p),
      forceDisconnect: (client, p) => this.forceDisconnect(client, p),
      forceUnpublish: (client, p) => this.forceUnpublish(client, p),
      applyFilter: (client, p) => this.filters.apply(this.me(client), p, (fn) => client.afterReply.push(fn)),
      execFilterMethod: (client, p) => this.filters.exec(this.me(client), p, (fn) => client.afterReply.push(fn)),
      removeFilter: (client, p) => this.filters.remove(this.me(client), p, (fn) => client.afterReply.push(fn)),
      addFilterEventListener: (client, p) => this.filters.addListener(this.me(client), p),
      removeFilterEventListener: (client, p) => this.filters.removeListener(this.me(client), p),
    };
  }

  /** Runs one RPC; `undefined` for an unknown method (OpenVidu only logs those). */
  async handle(method: string, client: SignallingClient, params: Params): Promise<Result | undefined> {
    // Own properties only: `constructor`, `__proto__` or `toString` name no method.
    const handler = Object.hasOwn(this.handlers, method) ? this.handlers[method] : undefined;
    if (typeof handler !== 'function') return undefined;
    if (method !== 'joinRoom' && !client.connectionId) {
      throw new RpcError(RpcCode.TRANSPORT_ERROR, `'${method}' before a successful joinRoom`);
    }
    try {
      return await handler(client, params);
    } catch (e) {
      throw toRpcError(e);
    }
  }

  /**
   * The client's socket is gone for good (watchdog or expired reconnection window). OpenVidu evicts
   * it (RpcHandler#leaveRoomAfterConnClosed), so the others get participantLeft and participantEvicted.
   */
  disconnected(client: SignallingClient): Promise<void> {
    const ref = { sessionId: client.openviduSessionId ?? '', connectionId: client.connectionId ?? '' };
    if (this.reg.unbind(client) && this.sessions.participant(ref)) this.sessions.evict(ref, 'networkDisconnect');
    return Promise.resolve();
  }

  private me(client: SignallingClient): Participant {
    const p = this.sessions.participant({ sessionId: client.openviduSessionId!, connectionId: client.connectionId! });
    if (!p) throw new RpcError(RpcCode.USER_NOT_FOUND, `Connection '${client.connectionId}' not found`);
    return p;
  }

  private async joinRoom(client: SignallingClient, p: Params): Promise<Result> {
    if (client.connectionId) throw new RpcError(RpcCode.USER_UNAUTHORIZED, 'This connection already joined a session');
    const sessionId = str(p, 'session');
    const secret = typeof p.secret === 'string' ? p.secret : '';
    const admin = secret !== '' && this.checkAdminSecret(client, secret, sessionId);
    const metadata = typeof p.metadata === 'string' ? p.metadata : '';
    const maxMetadata = this.config.get('openvidu.sessions.max-metadata-length');
    if (metadata.length > maxMetadata) {
      // Sent to every other participant on join: its size is a cost for all of them.
      throw new RpcError(RpcCode.GENERIC, `Param 'metadata' is longer than ${maxMetadata} characters`);
    }
    if (!admin && !this.sessions.get(sessionId)) {
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, 'Unable to join room. The user is not authorized');
    }
    const participant = this.sessions.join(sessionId, {
      token: typeof p.token === 'string' ? p.token : '',
      platform: typeof p.platform === 'string' ? p.platform : '',
      clientData: metadata,
      admin,
      recorder: bool(p, 'recorder', false),
    });
    const ref = { sessionId, connectionId: participant.connectionId };
    try {
      await this.mediaFor(sessionId).ensurePipeline();
    } catch (e) {
      this.sessions.leave(ref, 'disconnect');
      throw new RpcError(RpcCode.ROOM_CANNOT_BE_CREATED, `Media pipeline for session '${sessionId}' failed: ${msg(e)}`);
    }
    if (!this.sessions.participant(ref)) throw new RpcError(RpcCode.ROOM_CLOSED, `Session '${sessionId}' closed`);
    if (client.closed) {
      // The socket went away while the pipeline was made: no client will ever own this connection.
      this.sessions.evict(ref, 'networkDisconnect');
      throw new RpcError(RpcCode.TRANSPORT_ERROR, `Connection to session '${sessionId}' closed while joining`);
    }
    this.reg.bind(client, ref);
    const session = this.sessions.getOrThrow(sessionId);
    const value = session
      .visibleParticipants()
      .filter((o) => o.connectionId !== participant.connectionId)
      .map((o) => {
        const entry: Result = { id: o.connectionId, createdAt: o.createdAt, metadata: o.fullMetadata };
        if (o.publisher) entry.streams = [streamJson(o.publisher)];
        return entry;
      });
    return {
      id: participant.connectionId,
      createdAt: participant.createdAt,
      metadata: participant.fullMetadata,
      value,
    };
  }

  private async publishVideo(client: SignallingClient, p: Params): Promise<Result> {
    const me = this.sessions.assertCanPublish(this.me(client));
    const sdpOffer = str(p, 'sdpOffer');
    const media: MediaOptions = {
      hasAudio: bool(p, 'hasAudio', true),
      hasVideo: bool(p, 'hasVideo', true),
      audioActive: bool(p, 'audioActive', true),
      videoActive: bool(p, 'videoActive', true),
      typeOfVideo: typeof p.typeOfVideo === 'string' ? p.typeOfVideo : 'CAMERA',
      // Kept as sent: the browser says -1 when it does not know (KurentoSessionManager#generateMediaOptions).
      frameRate: typeof p.frameRate === 'number' && Number.isFinite(p.frameRate) ? Math.trunc(p.frameRate) : null,
      videoDimensions: typeof p.videoDimensions === 'string' ? p.videoDimensions : '',
      filter: p.filter && typeof p.filter === 'object' ? this.filters.initialFilter(me, obj(p, 'filter')) : null,
    };
    const sessionMedia = this.mediaFor(me.sessionId);
    const owner = me.connectionId;
    const stats = new EndpointStatsCollector();
    const { endpoint, answer: sdpAnswer } = await this.filters.publisherEndpoint(sessionMedia, owner, {
      offer: sdpOffer,
      onIceCandidate: (c) => this.relayCandidate(owner, owner, c),
      bandwidth: videoBandwidth(this.config.snapshot(), me.kurentoOptions),
      events: this.endpointEvents(me.sessionId, owner, stats),
      filter: media.filter ?? undefined,
    });
    try {
      const stream = this.sessions.publish(me, media, { remoteSdp: sdpOffer, localSdp: sdpAnswer });
      stats.attach((type, data, at) => this.sessions.recordEndpointEvent(me, stream.streamId, type, data, at));
      sessionMedia.bindPublisher(owner, endpoint);
      this.gather(endpoint);
      return { sdpAnswer, id: stream.streamId, createdAt: stream.createdAt };
    } catch (e) {
      this.filters.discardPublisher(sessionMedia, me.connectionId, endpoint);
      throw e;
    }
  }

  private async receiveVideoFrom(client: SignallingClient, p: Params): Promise<Result> {
    const me = this.me(client);
    const sender = str(p, 'sender');
    const sdpOffer = str(p, 'sdpOffer');
    const stream = this.sessions.assertCanSubscribe(me, sender);
    const publisherId = stream.connectionId;
    const sessionMedia = this.mediaFor(me.sessionId);
    if (!sessionMedia.publishers.has(publisherId)) {
      // KurentoParticipant#receiveMediaFrom finds no publisher endpoint: no answer, MEDIA_SDP_ERROR.
      throw new RpcError(
        RpcCode.MEDIA_SDP_ERROR,
        `Unable to generate SDP answer when subscribing '${me.connectionId}' to '${publisherId}'`,
      );
    }
    const stats = new EndpointStatsCollector();
    const { endpoint, answer: sdpAnswer } = await sessionMedia
      .subscriberEndpoint(publisherId, {
        offer: sdpOffer,
        onIceCandidate: (c) => this.relayCandidate(me.connectionId, publisherId, c),
        bandwidth: videoBandwidth(this.config.snapshot(), me.kurentoOptions),
        events: this.endpointEvents(me.sessionId, me.connectionId, stats),
      })
      .catch((e: unknown) => {
        // The publisher (or the caller) may have gone meanwhile: then the rule says why, not the media.
        this.sessions.assertCanSubscribe(me, sender);
        throw e;
      });
    try {
      const sub = this.sessions.subscribe(me, sender, { remoteSdp: sdpOffer, localSdp: sdpAnswer });
      stats.attach((type, data, at) => this.sessions.recordEndpointEvent(me, sub.streamId, type, data, at));
      sessionMedia.bindSubscriber(me.connectionId, publisherId, endpoint);
      this.gather(endpoint);
      return { sdpAnswer };
    } catch (e) {
      this.reg.release('unused subscriber endpoint', () => endpoint.release());
      throw e;
    }
  }

  private async onIceCandidate(client: SignallingClient, p: Params): Promise<Result> {
    const me = this.me(client);
    const endpointName = str(p, 'endpointName');
    const media = this.reg.mediaOf(me.sessionId);
    const endpoint: Endpoint | undefined =
      endpointName === me.connectionId
        ? media?.publishers.get(me.connectionId)
        : media?.subscribers.get(SessionMedia.subscriberKey(me.connectionId, endpointName));
    if (!endpoint) throw new RpcError(RpcCode.USER_NOT_STREAMING, `No endpoint '${endpointName}' for this connection`);
    const candidate: IceCandidate = {
      candidate: bounded(str(p, 'candidate'), 'candidate'),
      sdpMid: typeof p.sdpMid === 'string' ? p.sdpMid : '',
      sdpMLineIndex: typeof p.sdpMLineIndex === 'number' ? p.sdpMLineIndex : 0,
    };
    await endpoint.addIceCandidate(candidate);
    this.sessions.recordIceCandidate(me, endpointName, { ...candidate });
    return {};
  }

  private leaveRoom(client: SignallingClient): Result {
    const me = this.me(client);
    this.reg.unbind(client);
    this.sessions.leave(me, 'disconnect');
    return {};
  }

  /**
   * SessionEventsHandler#onSendMessage: the known recipients get the signal; an unknown id in `to`
   * is then answered with 601 (2.11 stops at the first unknown one in hash order; we deliver to
   * every known one rather than to an arbitrary subset).
   */
  private sendMessage(client: SignallingClient, p: Params): Result {
    const me = this.me(client);
    const signal = parseSignal(p.message);
    const session = this.sessions.getOrThrow(me.sessionId);
    const everyone = session.visibleParticipants().map((x) => x.connectionId);
    const to = signal.to.length ? signal.to : everyone;
    const params = { data: signal.data, from: me.connectionId, type: signal.type };
    const unknown: string[] = [];
    for (const id of new Set(to)) {
      if (session.participants.has(id)) this.reg.notify(id, 'sendMessage', params);
      else unknown.push(id);
    }
    if (unknown.length) {
      throw new RpcError(
        RpcCode.SIGNAL_TO_INVALID,
        `Signal "to" field invalid format: Connection [${unknown[0].slice(0, 64)}] does not exist`,
      );
    }
    return {};
  }

  /**
   * KurentoSessionManager#streamPropertyChanged: always about the caller's own stream; the others
   * get `newValue` as the JSON text of the value sent (Gson's toString: `"false"` for a boolean, a
   * quoted string for videoDimensions), the caller only its answer (SessionEventsHandler).
   */
  private streamPropertyChanged(client: SignallingClient, p: Params): Result {
    const me = this.me(client);
    const property = str(p, 'property');
    const stream = me.publisher;
    if (!stream) throw new RpcError(RpcCode.USER_NOT_STREAMING, `Connection '${me.connectionId}' is not publishing`);
    if (!('newValue' in p) || p.newValue === undefined) {
      throw new RpcError(RpcCode.GENERIC, "Param 'newValue' is required");
    }
    const raw = p.newValue;
    if (property === 'audioActive' || property === 'videoActive') {
      this.sessions.updateStream(me.sessionId, stream.streamId, { [property]: raw === true || raw === 'true' });
    } else if (property === 'videoDimensions') {
      this.sessions.updateStream(me.sessionId, stream.streamId, {
        videoDimensions: typeof raw === 'string' ? raw : JSON.stringify(raw),
      });
    }
    const params = {
      connectionId: me.connectionId,
      streamId: stream.streamId,
      property,
      newValue: JSON.stringify(raw),
      reason: typeof p.reason === 'string' ? p.reason : '',
    };
    const others = [...this.sessions.getOrThrow(me.sessionId).participants.keys()].filter(
      (id) => id !== me.connectionId,
    );
    client.afterReply.push(() => {
      for (const id of others) this.reg.notify(id, 'streamPropertyChanged', params);
    });
    return {};
  }

  private forceDisconnect(client: SignallingClient, p: Params): Result {
    const me = this.me(client);
    if (!me.isModerator) {
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, 'Only MODERATOR connections can force a disconnection');
    }
    const connectionId = str(p, 'connectionId');
    const target = this.sessions.getOrThrow(me.sessionId).participants.get(connectionId);
    if (!target || target.recorder) {
      throw new RpcError(RpcCode.USER_NOT_FOUND, `Connection '${connectionId}' not found`);
    }
    // SessionEventsHandler#onForceDisconnect answers the moderator first, then notifies.
    client.afterReply.push(() => {
      if (this.sessions.participant(target)) {
        this.sessions.forceDisconnect(me.sessionId, connectionId, 'forceDisconnectByUser');
      }
    });
    return {};
  }

  private forceUnpublish(client: SignallingClient, p: Params): Result {
    const me = this.me(client);
    if (!me.isModerator) {
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, 'Only MODERATOR connections can force an unpublish');
    }
    const streamId = str(p, 'streamId');
    if (!this.sessions.getOrThrow(me.sessionId).findStream(streamId)) {
      throw new RpcError(RpcCode.USER_NOT_STREAMING, `Stream '${streamId}' is not published`);
    }
    // SessionEventsHandler#onUnpublishMedia answers the moderator first, then notifies.
    client.afterReply.push(() => {
      if (this.sessions.get(me.sessionId)?.findStream(streamId)) {
        this.sessions.forceUnpublish(me.sessionId, streamId, 'forceUnpublishByUser');
      }
    });
    return {};
  }

  /**
   * The admin secret in joinRoom is checked (in constant time) at most `ws.secretAttemptsPerMinute`
   * times a minute per address; past that the join is refused unchecked and the guessing is logged.
   */
  private checkAdminSecret(client: SignallingClient, secret: string, sessionId: string): boolean {
    const address = client.remoteAddress;
    if (!this.secretAttempts.allowed(address)) {
      if (this.secretAttempts.report(address)) {
        this.logger.warn(
          `joinRoom from ${address}: too many wrong secrets (ws.secretAttemptsPerMinute); ` +
            'refusing secret-bearing joins from it for the rest of the minute',
        );
      }
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, 'Unable to join room. The user is not authorized');
    }
    if (this.auth.checkSecret(secret)) return true;
    this.secretAttempts.failed(address);
    this.logger.warn(`joinRoom from ${address} for session ${sessionId.slice(0, 128)} with a wrong secret`);
    return false;
  }

  private mediaFor(sessionId: string): SessionMedia {
    const session = this.sessions.getOrThrow(sessionId);
    const mediaServerId = session.mediaServerId;
    if (!mediaServerId) {
      throw new RpcError(RpcCode.ROOM_CANNOT_BE_CREATED, `Session '${sessionId}' has no media server`);
    }
    return this.reg.bindMedia(sessionId, mediaServerId);
  }

  /**
   * The endpoint events 2.11 records for `?webRtcStats=true`; an `Error` event is also told to the
   * endpoint's owner as `mediaError` (MediaEndpoint's error listener → KurentoParticipant#sendMediaError).
   */
  private endpointEvents(sessionId: string, ownerId: string, stats: EndpointStatsCollector): EndpointSetup['events'] {
    return {
      types: RECORDED_ENDPOINT_EVENTS,
      listener: (type, data) => {
        stats.onEvent(type, data);
        if (type === 'Error') this.reg.notify(ownerId, 'mediaError', { error: mediaErrorText(data) });
      },
    };
  }

  private relayCandidate(to: string, endpointName: string, c: IceCandidate): void {
    this.reg.notify(to, 'iceCandidate', {
      senderConnectionId: endpointName,
      endpointName,
      sdpMLineIndex: c.sdpMLineIndex,
      sdpMid: c.sdpMid,
      candidate: c.candidate,
    });
  }

  private gather(endpoint: Endpoint): void {
    endpoint.gatherCandidates().catch((e: unknown) => this.logger.warn(`gatherCandidates failed: ${msg(e)}`));
  }
}

/** A client string param with a length limit (999 as any other bad param). */
function bounded(value: string, name: string): string {
  if (value.length > MAX_CANDIDATE) {
    throw new RpcError(RpcCode.GENERIC, `Param '${name}' is longer than ${MAX_CANDIDATE} characters`);
  }
  return value;
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function toRpcError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof SessionModelError) return new RpcError(e.rpcCode, e.message);
  if (e instanceof MediaServerRequestError && isSdpError(e.code)) {
    return new RpcError(RpcCode.MEDIA_SDP_ERROR, e.message);
  }
  if (e instanceof MediaServerError) return new RpcError(RpcCode.MEDIA_ENDPOINT_ERROR, e.message);
  return new RpcError(RpcCode.GENERIC, msg(e));
}

/** Kurento's SDP_* codes (40200–40211): the client's offer was refused, not the endpoint broken. */
function isSdpError(code: number | undefined): boolean {
  return code !== undefined && code >= 40200 && code <= 40211;
}
