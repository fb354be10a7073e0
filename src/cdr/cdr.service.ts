import { Injectable, Logger } from '@nestjs/common';
import { InjectEventBus, OnAppEvent, type EventBus } from '../common/app-events.js';
import { MEDIA_SERVER_STATUS_CHANGED, type MediaServerStatusEvent } from '../media-servers/media-server.events.js';
import type { Participant } from '../sessions/participant.js';
import type { MediaOptions } from '../sessions/session.types.js';
import { finalReason } from '../sessions/session.types.js';
import { SessionEvents } from '../sessions/session-events.js';
import type * as P from '../sessions/session-events.js';
import { CDR_EVENT, type CdrEventMap, type CdrEventName, type CdrRecord } from './cdr-events.js';

type Json = Record<string, unknown>;

/** CDREventEnd: `startTime`, whole-second `duration` and `reason` after `sessionId`/`timestamp`. */
function end(sessionId: string, timestamp: number, startTime: number, reason: string | null): Json {
  const json: Json = { sessionId, timestamp, startTime, duration: Math.trunc((timestamp - startTime) / 1000) };
  if (reason) json.reason = reason;
  return json;
}

/** CDREventParticipant#toJson: what follows the common keys. */
function participant(p: Readonly<Participant>): Json {
  return { participantId: p.connectionId, location: p.location, platform: p.platform };
}

/** CDREventWebrtcConnection#toJson: the video keys only when the stream has video. */
function webrtc(base: Json, streamId: string, participantId: string, media: MediaOptions, from: string | null): Json {
  const json: Json = { ...base, streamId, participantId };
  if (from !== null) {
    json.connection = 'INBOUND';
    json.receivingFrom = from;
  } else {
    json.connection = 'OUTBOUND';
  }
  if (media.hasVideo) {
    json.videoSource = media.typeOfVideo;
    json.videoFramerate = media.frameRate;
    json.videoDimensions = media.videoDimensions;
  }
  json.audioEnabled = media.hasAudio;
  json.videoEnabled = media.hasVideo;
  return json;
}

/**
 * Turns session-model events into OpenVidu's CDR events (docs/openvidu-api.md §6) and announces each one as
 * `cdr.event`. Always on: the file (`openvidu.cdr`) and the webhook (`openvidu.webhook`) decide
 * for themselves whether they use them, as OpenVidu's CDR loggers did.
 */
@Injectable()
export class CdrService {
  private readonly logger = new Logger(CdrService.name);

  constructor(@InjectEventBus() private readonly events: EventBus<CdrEventMap>) {}

  /** Also the entry point for events the session model does not produce (recordings). */
  record(name: CdrEventName, payload: Json): void {
    const record: CdrRecord = { name, payload };
    try {
      this.events.emit(CDR_EVENT, record);
    } catch (e) {
      this.logger.error(`CDR consumer failed on ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Later OpenVidu Pro's `mediaNodeStatusChanged`, for the drain of a media server. */
  @OnAppEvent(MEDIA_SERVER_STATUS_CHANGED)
  onMediaServerStatus(e: MediaServerStatusEvent): void {
    this.record('mediaNodeStatusChanged', {
      timestamp: e.at,
      id: e.id,
      ip: e.ip,
      uri: e.uri,
      newStatus: e.newStatus,
      oldStatus: e.oldStatus,
    });
  }

  /** Logged when the first participant joins, with the session's creation time (docs/openvidu-api.md §5). */
  @OnAppEvent(SessionEvents.Activated)
  onActivated(e: P.SessionActivatedEvent): void {
    this.record('sessionCreated', { sessionId: e.sessionId, timestamp: e.createdAt });
  }

  @OnAppEvent(SessionEvents.Closed)
  onClosed(e: P.SessionClosedEvent): void {
    if (!e.wasActive) return; // never-joined sessions have no sessionCreated to close
    this.record('sessionDestroyed', end(e.sessionId, e.timestamp, e.createdAt, finalReason(e.reason)));
  }

  @OnAppEvent(SessionEvents.ParticipantJoined)
  onJoined(e: P.ParticipantJoinedEvent): void {
    const p = e.participant;
    if (p.recorder) return;
    this.record('participantJoined', { sessionId: e.sessionId, timestamp: p.createdAt, ...participant(p) });
  }

  @OnAppEvent(SessionEvents.ParticipantLeft)
  onLeft(e: P.ParticipantLeftEvent): void {
    const p = e.participant;
    if (p.recorder) return;
    this.record('participantLeft', { ...end(e.sessionId, e.timestamp, p.createdAt, e.reason), ...participant(p) });
  }

  @OnAppEvent(SessionEvents.StreamPublished)
  onPublished(e: P.StreamPublishedEvent): void {
    const s = e.stream;
    const base = { sessionId: e.sessionId, timestamp: s.createdAt };
    this.record('webrtcConnectionCreated', webrtc(base, s.streamId, s.connectionId, s.initialMedia, null));
  }

  @OnAppEvent(SessionEvents.StreamUnpublished)
  onUnpublished(e: P.StreamUnpublishedEvent): void {
    const s = e.stream;
    const base = end(e.sessionId, e.timestamp, s.createdAt, e.reason);
    this.record('webrtcConnectionDestroyed', webrtc(base, s.streamId, s.connectionId, s.initialMedia, null));
  }

  @OnAppEvent(SessionEvents.StreamSubscribed)
  onSubscribed(e: P.StreamSubscribedEvent): void {
    if (e.recorder) return;
    const sub = e.subscription;
    const base = { sessionId: e.sessionId, timestamp: sub.createdAt };
    const media = sub.stream.initialMedia;
    this.record('webrtcConnectionCreated', webrtc(base, sub.streamId, sub.subscriberId, media, sub.publisherId));
  }

  @OnAppEvent(SessionEvents.StreamUnsubscribed)
  onUnsubscribed(e: P.StreamUnsubscribedEvent): void {
    if (e.recorder) return;
    const sub = e.subscription;
    const base = end(e.sessionId, e.timestamp, sub.createdAt, e.reason);
    const media = sub.stream.initialMedia;
    this.record('webrtcConnectionDestroyed', webrtc(base, sub.streamId, sub.subscriberId, media, sub.publisherId));
  }
}
