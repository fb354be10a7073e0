import { Injectable, Logger } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import { SessionEvents as EV } from './session-events.js';
import type * as P from './session-events.js';

/**
 * One info line per session-model milestone, each carrying the session, connection and media-server
 * ids it concerns, so that searching the logs for one id tells its whole story.
 */
@Injectable()
export class SessionLogListener {
  private readonly logger = new Logger('Sessions');

  @OnAppEvent(EV.Activated)
  activated(e: P.SessionActivatedEvent): void {
    this.logger.log({
      msg: `Session ${e.sessionId} placed on media server ${e.mediaServerId}`,
      sessionId: e.sessionId,
      mediaServerId: e.mediaServerId,
    });
  }

  @OnAppEvent(EV.ParticipantJoined)
  joined(e: P.ParticipantJoinedEvent): void {
    this.logger.log({
      msg: `Connection ${e.participant.connectionId} joined session ${e.sessionId}`,
      sessionId: e.sessionId,
      connectionId: e.participant.connectionId,
      role: e.participant.role,
    });
  }

  @OnAppEvent(EV.ParticipantLeft)
  left(e: P.ParticipantLeftEvent): void {
    this.logger.log({
      msg: `Connection ${e.participant.connectionId} left session ${e.sessionId} (${e.reason})`,
      sessionId: e.sessionId,
      connectionId: e.participant.connectionId,
      reason: e.reason,
    });
  }

  @OnAppEvent(EV.Closed)
  closed(e: P.SessionClosedEvent): void {
    this.logger.log({
      msg: `Session ${e.sessionId} closed (${e.reason})`,
      sessionId: e.sessionId,
      ...(e.mediaServerId ? { mediaServerId: e.mediaServerId } : {}),
      reason: e.reason,
    });
  }
}
