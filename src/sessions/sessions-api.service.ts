import { Inject, Injectable } from '@nestjs/common';
import { BadRequestError, ConflictError, NotFoundError, TooManyRequestsError } from '../common/errors.js';
import * as E from './session-errors.js';
import {
  CreateSessionRequest,
  kurentoOptionsJson,
  parseBooleanParam,
  sessionPropertiesOf,
  tokenOptionsOf,
  TokenRequest,
} from './session-requests.js';
import { SessionsService } from './sessions.service.js';
import { TurnCredentialsService } from './turn-credentials.js';

type Json = Record<string, unknown>;

/** The community REST API (docs/openvidu-api.md §2.2–2.8) over the session model: replies and statuses. */
@Injectable()
export class SessionsApiService {
  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(TurnCredentialsService) private readonly turn: TurnCredentialsService,
  ) {}

  /** §2.2: 200 `{id, createdAt}`; 409 with an empty body for a taken customSessionId. */
  create(req: CreateSessionRequest): Json {
    try {
      const s = this.sessions.createSession(sessionPropertiesOf(req));
      return { id: s.sessionId, createdAt: s.createdAt };
    } catch (e) {
      if (e instanceof E.SessionExistsError) throw new ConflictError(e.message);
      if (e instanceof E.SessionLimitError) throw new TooManyRequestsError(e.message);
      throw e;
    }
  }

  /** §2.4: active and not-yet-active sessions; 404 with an empty body otherwise. */
  get(sessionId: string, webRtcStats: unknown): Json {
    const withStats = parseBooleanParam('webRtcStats', webRtcStats);
    const s = this.sessions.get(sessionId);
    if (!s) throw new NotFoundError(`Session ${sessionId} not found`);
    return s.toJson(withStats);
  }

  /**
   * §2.5. Without stats the body is assembled from each session's cached JSON text (the same JSON
   * `JSON.stringify` would write), so a list of thousands of sessions does not re-serialise them all.
   */
  list(webRtcStats: unknown): Json | string {
    const withStats = parseBooleanParam('webRtcStats', webRtcStats);
    const sessions = this.sessions.list();
    if (!withStats) {
      return `{"numberOfElements":${sessions.length},"content":[${sessions.map((s) => s.jsonText()).join(',')}]}`;
    }
    const content = sessions.map((s) => s.toJson(withStats));
    return { numberOfElements: content.length, content };
  }

  /** §2.6: 204, or 404 with an empty body. */
  close(sessionId: string): void {
    if (!this.sessions.get(sessionId)) throw new NotFoundError(`Session ${sessionId} not found`);
    this.sessions.closeSession(sessionId, 'sessionClosedByServer');
  }

  /** §2.7: 204; 404 for an unknown connection or a not-active session; 400 for an unknown session. */
  forceDisconnect(sessionId: string, connectionId: string): void {
    try {
      this.sessions.forceDisconnect(sessionId, connectionId, 'forceDisconnectByServer');
    } catch (e) {
      throw this.deleteError(e);
    }
  }

  /** §2.8: 204; 404 for an unknown stream or a not-active session; 400 for an unknown session. */
  forceUnpublish(sessionId: string, streamId: string): void {
    try {
      this.sessions.forceUnpublish(sessionId, streamId, 'forceUnpublishByServer');
    } catch (e) {
      throw this.deleteError(e);
    }
  }

  /** §2.3: `{id, session, role, data, token[, kurentoOptions]}`; 404 with a JSON body for an unknown session. */
  async token(req: TokenRequest): Promise<Json> {
    const sessionId = req.session;
    const options = tokenOptionsOf(req);
    try {
      // No coturn user for a session that is not there; generateToken checks again after the wait.
      const turn = this.sessions.get(sessionId) ? await this.turn.issue() : undefined;
      const t = this.sessions.generateToken(sessionId, options, turn);
      const reply: Json = { id: t.token, session: sessionId, role: t.role, data: t.data, token: t.token };
      if (options.kurentoOptions) reply.kurentoOptions = kurentoOptionsJson(options.kurentoOptions);
      return reply;
    } catch (e) {
      if (e instanceof E.SessionNotFoundError) throw new NotFoundError(`sessionId [${sessionId}] not found`, false);
      throw e;
    }
  }

  /** OpenVidu's DELETE routes answer an unknown session with 400 and everything else with 404, bodies empty. */
  private deleteError(e: unknown): unknown {
    if (e instanceof E.SessionNotFoundError) return new EmptyBadRequestError(e.message);
    if (e instanceof E.ParticipantNotFoundError || e instanceof E.NotStreamingError) {
      return new NotFoundError(e.message);
    }
    return e;
  }
}

class EmptyBadRequestError extends BadRequestError {
  override readonly emptyBody = true;
}
