import { DomainError } from '../common/errors.js';

/**
 * No connected media server can take a new session. Signalling answers it with OpenVidu's JSON-RPC
 * error 204 (ROOM_CANNOT_BE_CREATED); over HTTP it would be a 503.
 */
export class NoMediaServerAvailableError extends DomainError {
  readonly status = 503;
  constructor(sessionId: string) {
    super(`There is no available media server where to initialize session '${sessionId}'`);
  }
}

/** Base of every error the media API (pipelines, endpoints) rejects with. */
export abstract class MediaServerError extends Error {
  constructor(
    message: string,
    readonly mediaServerId: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The media server is disconnected, deregistered or being shut down; nothing was sent. */
export class MediaServerUnavailableError extends MediaServerError {}

/** The media server did not answer within `kms.request.timeout`. */
export class MediaServerTimeoutError extends MediaServerError {}

/** The media server answered with a Kurento error (`code`: docs/kurento-protocol.md §2.12, e.g. 40101). */
export class MediaServerRequestError extends MediaServerError {
  constructor(
    message: string,
    mediaServerId: string,
    readonly code: number | undefined,
    readonly type: string | undefined,
  ) {
    super(message, mediaServerId);
  }
}
