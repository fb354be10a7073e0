import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_RESTARTED,
  type MediaServerEvent,
} from '../media-servers/media-server.events.js';
import { SessionEvents as EV } from '../sessions/session-events.js';
import type * as P from '../sessions/session-events.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { RECORDER_CONNECTION_ID } from '../sessions/session.types.js';
import { SignallingRegistry, streamJson } from './signalling.registry.js';

/**
 * Turns model changes into client notifications and media releases, whatever caused them: a
 * client's RPC, a REST force-disconnect or DELETE, garbage collection, or a lost media server.
 */
@Injectable()
export class SignallingListener {
  private readonly logger = new Logger('Signalling');

  constructor(
    @Inject(SignallingRegistry) private readonly reg: SignallingRegistry,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  @OnAppEvent(EV.ParticipantJoined)
  joined(e: P.ParticipantJoinedEvent): void {
    if (e.participant.recorder) return;
    const params = {
      id: e.participant.connectionId,
      createdAt: e.participant.createdAt,
      metadata: e.participant.fullMetadata,
    };
    for (const other of e.existing) this.reg.notify(other.connectionId, 'participantJoined', params);
  }

  @OnAppEvent(EV.ParticipantLeft)
  left(e: P.ParticipantLeftEvent): void {
    if (e.participant.recorder) return;
    const params = { connectionId: e.participant.connectionId, reason: e.reason };
    for (const id of e.remaining) this.reg.notify(id, 'participantLeft', params);
  }

  @OnAppEvent(EV.ParticipantEvicted)
  evicted(e: P.ParticipantEvictedEvent): void {
    // As SessionEventsHandler#onForceDisconnect: the evicted client first, then everyone left
    // (openvidu-browser acts only on its own id), nothing when the RECORDER goes; then its socket closes.
    const params = { connectionId: e.connectionId, reason: e.reason };
    const client = this.reg.clientOf(e.connectionId);
    if (e.connectionId !== RECORDER_CONNECTION_ID) {
      client?.notify('participantEvicted', params);
      for (const id of e.notify) if (id !== e.connectionId) this.reg.notify(id, 'participantEvicted', params);
    }
    if (!client) return;
    this.reg.unbind(client);
    client.end();
  }

  @OnAppEvent(EV.StreamPublished)
  published(e: P.StreamPublishedEvent): void {
    const params = { id: e.connectionId, streams: [streamJson(e.stream)] };
    for (const id of e.notify) this.reg.notify(id, 'participantPublished', params);
  }

  @OnAppEvent(EV.StreamUnpublished)
  unpublished(e: P.StreamUnpublishedEvent): void {
    const media = this.reg.mediaOf(e.sessionId);
    const filter = media?.takeFilter(e.connectionId);
    const endpoint = media?.takePublisher(e.connectionId);
    if (!this.closing(e.sessionId)) {
      this.reg.release(`filter of ${e.streamId}`, filter && (() => filter.release()));
      this.reg.release(`publisher ${e.streamId}`, endpoint && (() => endpoint.release()));
    }
    if (e.leaving) return;
    const params = { connectionId: e.connectionId, reason: e.reason };
    for (const id of e.notify) {
      // The owner who unpublished itself already knows; forced and media-server ends reach it too.
      if (id === e.connectionId && e.reason === 'unpublish') continue;
      this.reg.notify(id, 'participantUnpublished', params);
    }
  }

  @OnAppEvent(EV.StreamUnsubscribed)
  unsubscribed(e: P.StreamUnsubscribedEvent): void {
    const endpoint = this.reg.mediaOf(e.sessionId)?.takeSubscriber(e.subscriberId, e.publisherId);
    if (this.closing(e.sessionId)) return;
    this.reg.release(`subscriber ${e.subscriberId} of ${e.streamId}`, endpoint && (() => endpoint.release()));
  }

  /**
   * A closing session's pipeline release takes its endpoints with it. Releasing them one by one
   * too would cost a round trip each, and kurento-client follows every endpoint release with an
   * unsubscribe that could still be in flight when shutdown closes the client.
   */
  private closing(sessionId: string): boolean {
    return this.sessions.get(sessionId)?.state === 'closing';
  }

  @OnAppEvent(EV.Closed)
  closed(e: P.SessionClosedEvent): void {
    this.reg.unbindMedia(e.sessionId);
  }

  @OnAppEvent(MEDIA_SERVER_CONNECTED)
  connected(e: MediaServerEvent): void {
    this.reg.retryReleases(e.id);
  }

  /**
   * A restarted media server lost every object: streams end with `mediaServerDisconnect`, the
   * participants stay, and a new pipeline is built so they can publish again (docs/openvidu-api.md §7).
   */
  @OnAppEvent(MEDIA_SERVER_RESTARTED)
  restarted(e: MediaServerEvent): void {
    this.reg.forgetReleases(e.id);
    for (const media of this.reg.mediaOn(e.id)) {
      const session = this.sessions.get(media.sessionId);
      media.reset();
      if (!session) continue;
      this.logger.warn(`media server ${e.id} restarted: dropping the streams of session ${media.sessionId}`);
      for (const p of [...session.participants.values()]) {
        if (p.publisher) this.sessions.unpublish(p, 'mediaServerDisconnect');
      }
      media.ensurePipeline().catch((err: unknown) => {
        this.logger.warn(`new pipeline for ${media.sessionId} on ${e.id} failed: ${(err as Error).message}`);
      });
    }
  }
}
