/**
 * Errors of the session model. They are transport-neutral: `rpcCode` is the OpenViduException code
 * the signalling layer answers with (docs/openvidu-api.md §8); the REST layer maps them to its own statuses.
 */
export class SessionModelError extends Error {
  constructor(
    message: string,
    readonly rpcCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** ROOM_NOT_FOUND_ERROR_CODE. */
export class SessionNotFoundError extends SessionModelError {
  constructor(readonly sessionId: string) {
    super(`Session '${sessionId}' not found`, 202);
  }
}

/** ROOM_CLOSED_ERROR_CODE: the session is being closed. */
export class SessionClosedError extends SessionModelError {
  constructor(sessionId: string) {
    super(`Session '${sessionId}' is closing`, 203);
  }
}

/** ROOM_CANNOT_BE_CREATED_ERROR_CODE: no media server could take the session. */
export class SessionPlacementError extends SessionModelError {
  constructor(
    sessionId: string,
    override readonly cause?: unknown,
  ) {
    super(`There is no available media server where to initialize session '${sessionId}'`, 204);
  }
}

/** ROOM_CANNOT_BE_CREATED_ERROR_CODE: `openvidu.sessions.max` sessions exist already. */
export class SessionLimitError extends SessionModelError {
  constructor(readonly limit: number) {
    super(`The server holds ${limit} sessions (openvidu.sessions.max): no new session can be created`, 204);
  }
}

/** USER_UNAUTHORIZED_ERROR_CODE: bad token, or a role not allowed to do that. */
export class UnauthorizedError extends SessionModelError {
  constructor(message = 'Unable to join room. The user is not authorized') {
    super(message, 401);
  }
}

/** USER_NOT_FOUND_ERROR_CODE. */
export class ParticipantNotFoundError extends SessionModelError {
  constructor(
    readonly connectionId: string,
    message = `Connection '${connectionId}' not found`,
  ) {
    super(message, 102);
  }
}

/** USER_NOT_STREAMING_ERROR_CODE: no such stream, or the participant is not publishing. */
export class NotStreamingError extends SessionModelError {
  constructor(what: string, message = `'${what}' is not streaming media`) {
    super(message, 105);
  }
}

/** A connection publishes at most one stream (OpenVidu keeps one publisher endpoint per participant). */
export class AlreadyPublishingError extends SessionModelError {
  constructor(connectionId: string) {
    super(`Connection '${connectionId}' is already publishing`, 303);
  }
}

/** POST /api/sessions with a `customSessionId` that is taken (REST 409). */
export class SessionExistsError extends SessionModelError {
  constructor(sessionId: string) {
    super(`Session '${sessionId}' already exists`, 999);
  }
}

/**
 * A subscription to that publisher exists already. 2.11 finds the existing subscriber endpoint and
 * gives up ("Two threads are trying…"): MEDIA_SDP_ERROR_CODE, KurentoSessionManager#subscribe's message.
 */
export class AlreadySubscribedError extends SessionModelError {
  constructor(connectionId: string, senderId: string) {
    super(`Unable to generate SDP answer when subscribing '${connectionId}' to '${senderId}'`, 302);
  }
}

/** receiveVideoFrom names a connection that is not in the session (KurentoSessionManager#subscribe, 2.11 wording). */
export class SenderNotFoundError extends ParticipantNotFoundError {
  constructor(senderId: string, sessionId: string) {
    super(senderId, `User '${senderId} not found in session '${sessionId}'`);
  }
}

/** receiveVideoFrom names a connection that publishes nothing (or not that stream). */
export class SenderNotStreamingError extends NotStreamingError {
  constructor(senderId: string, sessionId: string) {
    super(senderId, `User '${senderId} not streaming media in session '${sessionId}'`);
  }
}

/** A connection asked to receive its own stream (KurentoParticipant#receiveMediaFrom). */
export class LoopbackError extends NotStreamingError {
  constructor(connectionId: string) {
    super(connectionId, 'Can loopback only when publishing media');
  }
}

/** ROOM_CANNOT_BE_CREATED_ERROR_CODE: an admin join named a session id no token could carry. */
export class InvalidSessionIdError extends SessionModelError {
  constructor(problem: string) {
    super(problem, 204);
  }
}
