/**
 * Domain errors carry the HTTP status OpenVidu answers with. The exception filter is the only place
 * that turns them into responses: with the §2.0 JSON error body, or with the empty body OpenVidu
 * sends for many 404/409 replies.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** OpenVidu answers this status with no body at all. */
  readonly emptyBody: boolean = false;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  readonly status = 400;
}

/**
 * 405 for a known path asked with a method it does not serve, with the `Allow` header and Spring's
 * message, as OpenVidu's Spring MVC answers (HttpRequestMethodNotSupportedException).
 */
export class MethodNotAllowedError extends DomainError {
  readonly status = 405;
  constructor(
    method: string,
    readonly allow: readonly string[],
  ) {
    super(`Request method '${method}' not supported`);
  }
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  constructor() {
    super('Unauthorized');
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  override readonly emptyBody: boolean;
  constructor(message: string, emptyBody = true) {
    super(message);
    this.emptyBody = emptyBody;
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
  override readonly emptyBody: boolean;
  constructor(message: string, emptyBody = true) {
    super(message);
    this.emptyBody = emptyBody;
  }
}

export class NotAcceptableError extends DomainError {
  readonly status = 406;
  override readonly emptyBody = true;
}

export class TooManyRequestsError extends DomainError {
  readonly status = 429;
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
}

export class UnprocessableError extends DomainError {
  readonly status = 422;
}

/** OpenVidu sends 501 with no body; we say why (e.g. which property turns the feature on). */
export class NotImplementedError extends DomainError {
  readonly status = 501;
}

export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
}
