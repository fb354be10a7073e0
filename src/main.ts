import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from './config/config.loader.js';
import { PROPERTY_BY_KEY, envName } from './config/config.schema.js';
import { PinoLogger } from './common/logging/pino-logger.js';
import { LifecycleService } from './health/lifecycle.service.js';
import { startServer } from './server/bootstrap.js';
import { startEmbeddedMediaServer } from './server/embedded-media-server.js';

/** Plain stderr for what ends the process: readable even when the JSON log is not being watched. */
function fatal(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (loaded.errors.length) {
    // One message, every bad key, no stack trace: the operator fixes them all in one go.
    console.error(`Invalid configuration, the server cannot start:\n  - ${loaded.errors.join('\n  - ')}`);
    process.exitCode = 1;
    return;
  }
  const logger = new PinoLogger(loaded.config['logging.level.root']);
  Logger.overrideLogger(logger);
  logger.captureConsole();
  const log = new Logger('Config');
  for (const [key, source] of loaded.sources) {
    const def = PROPERTY_BY_KEY.get(key)!;
    const shown = def.secret ? '(hidden)' : JSON.stringify(loaded.config[def.key]);
    const where = source === 'env' ? `environment ${envName(key)}` : `file ${loaded.configFile}`;
    log.log(`${key}=${shown} from ${where}`);
  }
  for (const key of loaded.unknownFileKeys) log.warn(`Ignoring unknown property ${key} in ${loaded.configFile}`);

  const embedded = await startEmbeddedMediaServer(loaded);
  const server = await startServer(loaded, { logger });
  const boot = new Logger('OpenVidu');
  boot.log(`OpenVidu Server (Pro 2.11 API) listening on ${server.url}`);

  const lifecycle = server.app.get(LifecycleService);
  const drainDelay = loaded.config['server.shutdown.drain-delay'];
  const timeout = loaded.config['server.shutdown.timeout'];
  let closing = false;
  let drainTimer: NodeJS.Timeout | undefined;
  const close = () => {
    if (closing) return;
    closing = true;
    clearTimeout(drainTimer);
    boot.log('Closing: sessions end with openviduServerStopped, media is released');
    // If something still holds the event loop after a clean close, say so and leave anyway.
    setTimeout(() => {
      fatal(`Shutdown did not finish within ${timeout} ms; exiting`);
      process.exit(1);
    }, timeout).unref();
    server.app
      .close()
      .then(() => embedded?.close())
      .then(
        () => {
          process.removeAllListeners('SIGTERM');
          process.removeAllListeners('SIGINT');
        },
        (e: unknown) => {
          fatal(`Error while closing: ${e instanceof Error ? e.message : String(e)}`);
          process.exitCode = 1;
        },
      );
  };
  /**
   * SIGTERM: readiness turns false at once and the server keeps serving for the drain delay, so
   * Kubernetes stops routing new clients here before anyone is cut off; then it closes. A second
   * signal during the delay closes at once.
   */
  const stop = (signal: string) => {
    if (drainTimer || closing) {
      if (!closing) boot.log(`${signal} received again: closing now`);
      close();
      return;
    }
    if (drainDelay <= 0) {
      boot.log(`${signal} received: closing`);
      lifecycle.startDraining();
      close();
      return;
    }
    boot.log(`${signal} received: readiness is down; still serving for ${drainDelay} ms, then closing`);
    lifecycle.startDraining();
    drainTimer = setTimeout(close, drainDelay);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  fatal(`OpenVidu Server failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
