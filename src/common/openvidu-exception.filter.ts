import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service.js';
import { DomainError, MethodNotAllowedError } from './errors.js';
import { errorBody } from './error-body.js';

/** Maps every error to OpenVidu's status codes and bodies; unknown errors become a logged 500. */
@Catch()
export class OpenViduExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (res.headersSent) return;
    const path = req.path;

    if (exception instanceof DomainError) {
      if (exception.status === 401) return this.auth.sendUnauthorized(res, path);
      if (exception instanceof MethodNotAllowedError) res.setHeader('Allow', exception.allow.join(', '));
      if (exception.emptyBody) {
        res.status(exception.status).end();
        return;
      }
      res.status(exception.status).json(errorBody(exception.status, exception.message, path));
      return;
    }
    if (exception instanceof NotFoundException && !this.auth.isAuthorized(req)) {
      // Unknown paths are "routes" too: without credentials they must not reveal what exists.
      return this.auth.sendUnauthorized(res, path);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      if (status === 503 && typeof r === 'object' && r !== null && 'details' in r) {
        // terminus' health result is the body Kubernetes and operators read; keep it as is.
        res.status(503).json(r);
        return;
      }
      const raw = typeof r === 'string' ? r : (r as { message?: unknown }).message;
      const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
      res.status(status).json(errorBody(status, message, path));
      return;
    }
    this.logger.error(`Unhandled error on ${req.method} ${path}: ${(exception as Error)?.stack ?? String(exception)}`);
    res.status(500).json(errorBody(500, 'Internal server error', path));
  }
}
