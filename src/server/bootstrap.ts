import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppModule } from '../app.module.js';
import { AuthService } from '../auth/auth.service.js';
import { errorBody } from '../common/error-body.js';
import { accessLog } from '../common/logging/access-log.js';
import { PinoLogger } from '../common/logging/pino-logger.js';
import type { LoadedConfig } from '../config/config.loader.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { resolveTls } from './tls.js';

export const MAX_BODY = '1mb';

export interface StartedServer {
  app: INestApplication;
  /** `https://127.0.0.1:<port>` (or http when SSL is off), for clients on this machine. */
  url: string;
  port: number;
}

/** Maps body-parser failures to OpenVidu's error body instead of Express' HTML page. */
function bodyErrors(auth: AuthService) {
  return (err: { type?: string; status?: number }, req: Request, res: Response, next: NextFunction) => {
    if (!err || !err.type) return next(err);
    if (!auth.isAuthorized(req)) return auth.sendUnauthorized(res, req.path);
    if (err.type === 'entity.too.large') {
      res.status(413).json(errorBody(413, `Request body larger than ${MAX_BODY}`, req.path));
    } else {
      res.status(400).json(errorBody(400, 'Request body is not valid JSON', req.path));
    }
  };
}

export async function startServer(
  loaded: LoadedConfig,
  options: { logger?: LoggerService | false; module?: ReturnType<typeof AppModule.forRoot> } = {},
): Promise<StartedServer> {
  const c = loaded.config;
  const httpsOptions = await resolveTls(c);
  const app = await NestFactory.create<NestExpressApplication>(options.module ?? AppModule.forRoot(loaded), {
    httpsOptions,
    bodyParser: false,
    logger: options.logger ?? false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // First, so 401s, body errors and preflights are timed and logged too.
  app.use(app.get(MetricsService).httpMiddleware());
  if (options.logger instanceof PinoLogger) app.use(accessLog(options.logger.pino));
  // OpenVidu allows any origin (http.cors() + @CrossOrigin); preflights carry no credentials.
  app.enableCors({ origin: '*', maxAge: 3600 });
  app.use(express.json({ limit: MAX_BODY, type: ['application/json', 'application/*+json'] }));
  app.use(bodyErrors(app.get(AuthService)));
  try {
    await app.listen(c['server.port'], c['server.address']);
  } catch (e) {
    // Modules are already up (timers, KMS sockets): release them or the process never exits.
    await app.close().catch(() => undefined);
    throw e;
  }
  const addr = app.getHttpServer().address() as { port: number };
  app.get(OpenViduConfigService).setEffectivePort(addr.port);
  const host = c['server.address'] === '0.0.0.0' || c['server.address'] === '::' ? '127.0.0.1' : c['server.address'];
  return { app, port: addr.port, url: `${httpsOptions ? 'https' : 'http'}://${host}:${addr.port}` };
}
