import type { Logger } from '@nestjs/common';
import type { Participant } from './participant.js';
import type { Session } from './session.js';
import type { Emit } from '../common/app-events.js';
import { SessionEvents as EV, type SessionEventMap } from './session-events.js';
import { tokenValue } from './session-tokens.js';
import type { EndReason, LeaveReason, UnpublishReason, UnsubscribeReason } from './session.types.js';

/**
 * How things end in the session model: departures, streams, subscriptions and sessions, each with
 * its events in OpenVidu's order (KurentoSession#leave, KurentoParticipant#close). Used only by
 * SessionsService.
 */
export class SessionTeardown {
  constructor(
    private readonly sessions: Map<string, Session>,
    private readonly emit: Emit<SessionEventMap>,
    private readonly logger: Logger,
  ) {}

  removeParticipant(session: Session, p: Participant, reason: LeaveReason, evicted: boolean): void {
    if (session.participants.get(p.connectionId) !== p) return;
    session.participants.delete(p.connectionId);
    session.changed();
    // Same order as OpenVidu: others stop receiving it, then its subscriptions, then its stream.
    for (const other of session.participants.values()) this.endSubscription(session, other, p.connectionId, reason);
    for (const senderId of [...p.subscriptions.keys()]) this.endSubscription(session, p, senderId, reason);
    if (p.publisher) this.endStream(session, p, reason, true);
    session.tokens.delete(tokenValue(p.token));
    const remaining = [...session.participants.keys()];
    const now = Date.now();
    this.emit(EV.ParticipantLeft, {
      sessionId: session.sessionId,
      participant: p,
      reason,
      remaining,
      timestamp: now,
    });
    if (evicted) {
      this.emit(EV.ParticipantEvicted, {
        sessionId: session.sessionId,
        connectionId: p.connectionId,
        reason,
        notify: [p.connectionId, ...remaining],
        closeConnection: true,
        timestamp: now,
      });
    }
    // A session being recorded outlives its last participant: the recording's autostop closes it (reference §4).
    if (
      session.state === 'active' &&
      session.participants.size === 0 &&
      reason !== 'sessionClosedByServer' &&
      !session.recording
    ) {
      session.state = 'closing';
      this.finishClose(session, reason, true);
    }
  }

  endStream(session: Session, p: Participant, reason: UnpublishReason, leaving: boolean): void {
    const stream = p.publisher!;
    p.publisher = null;
    session.changed();
    this.emit(EV.StreamUnpublished, {
      sessionId: session.sessionId,
      connectionId: p.connectionId,
      streamId: stream.streamId,
      stream,
      reason,
      leaving,
      notify: [...session.participants.keys()],
      timestamp: Date.now(),
    });
  }

  endSubscription(session: Session, p: Participant, senderId: string, reason: UnsubscribeReason): boolean {
    const sub = p.subscriptions.get(senderId);
    if (!sub) return false;
    p.subscriptions.delete(senderId);
    session.changed();
    this.emit(EV.StreamUnsubscribed, {
      sessionId: session.sessionId,
      subscriberId: p.connectionId,
      publisherId: senderId,
      streamId: sub.streamId,
      subscription: sub,
      reason,
      recorder: p.recorder,
      timestamp: Date.now(),
    });
    return true;
  }

  finishClose(session: Session, reason: EndReason, wasActive: boolean): void {
    session.state = 'closed';
    this.sessions.delete(session.sessionId);
    const mediaServerId = session.mediaServerId;
    try {
      session.placement?.release();
    } catch (e) {
      this.logger.warn(`Releasing the media server of session ${session.sessionId} failed: ${String(e)}`);
    }
    this.emit(EV.Closed, {
      sessionId: session.sessionId,
      createdAt: session.createdAt,
      reason,
      wasActive,
      mediaServerId,
      timestamp: Date.now(),
    });
  }
}
