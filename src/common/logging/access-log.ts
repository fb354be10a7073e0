import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';

/** A caller's X-Request-Id is kept when it is a short plain token; otherwise we make one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/health/media', '/metrics']);
const MAX_PATH = 256;

type Req = IncomingMessage & { id?: unknown; route?: { path?: unknown }; originalUrl?: string };

/**
 * One JSON line per REST request through pino-http: request id (echoed as X-Request-Id), method,
 * route template, path, status and duration. Headers are never logged (Authorization carries the
 * secret), nor query strings. Probe and scrape successes go to debug so they do not drown the rest.
 */
export function accessLog(logger: Pino) {
  const fields = (req: Req, res: ServerResponse, responseTime: number) => {
    const route = typeof req.route?.path === 'string' ? req.route.path : undefined;
    return {
      context: 'HTTP',
      method: req.method,
      ...(route ? { route } : {}),
      path: pathOf(req),
      status: res.statusCode,
      durationMs: responseTime,
    };
  };
  return pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode < 400 && QUIET_PATHS.has(pathOf(req as Req))) return 'debug';
      return 'info';
    },
    customSuccessObject: (req, res, val: { responseTime: number }) => fields(req as Req, res, val.responseTime),
    customErrorObject: (req, res, _err, val: { responseTime: number }) => fields(req as Req, res, val.responseTime),
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req as Req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req as Req)} ${res.statusCode}`,
  });
}

function pathOf(req: Req | Request): string {
  const url = (req as Req).originalUrl ?? req.url ?? '';
  return url.split('?')[0].slice(0, MAX_PATH);
}
