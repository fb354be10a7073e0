// Boots the real app for an e2e spec: in this process, on 127.0.0.1 with port 0, against media servers
// the test started (emulators, proxies, hostile servers). `close()` releases everything boot made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { AppModule } from '../../src/app.module.js';
import { loadConfig, type LoadedConfig } from '../../src/config/config.loader.js';
import { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import { startServer } from '../../src/server/bootstrap.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { type Emulator, startEmulators } from './emulators.js';
import { TEST_ENV } from './fixtures.js';
import { until } from './poll.js';

export interface BootOptions {
  /** Modules or providers added to the AppModule (e.g. a test webhook sender). */
  extra?: Pick<ModuleMetadata, 'imports' | 'providers'>;
  logger?: LoggerService;
}

export interface App {
  app: INestApplication;
  /** `http(s)://127.0.0.1:<port>`. */
  url: string;
  /** The signalling endpoint, `ws(s)://127.0.0.1:<port>/openvidu`. */
  wsUrl: string;
  loaded: LoadedConfig;
  pool: MediaServersService;
  sessions: SessionsService;
  /** Closes the app and removes what boot made; idempotent. */
  close(): Promise<void>;
}

/** A server booted with {@link boot}: the app and the emulators it runs against. */
export interface Harness extends App {
  emus: Emulator[];
}

/** Boots the AppModule with exactly `env` (product defaults for everything it leaves out). */
export async function bootApp(env: Record<string, string>, opts: BootOptions = {}): Promise<App> {
  const loaded = loadConfig(env);
  if (loaded.errors.length) throw new Error(`bad test config: ${loaded.errors.join('; ')}`);
  const { app, url } = await startServer(loaded, {
    module: AppModule.forRoot(loaded, opts.extra ?? {}),
    logger: opts.logger,
  });
  let closed = false;
  return {
    app,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/openvidu`,
    loaded,
    pool: app.get(MediaServersService),
    sessions: app.get(SessionsService),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

/**
 * Boots the app with {@link TEST_ENV}, a temporary data dir and `env` over it, against `uris`; waits
 * until `connected` of them (default: all) are connected.
 */
export async function bootWith(
  uris: string[],
  env: Record<string, string> = {},
  opts: BootOptions & { connected?: number } = {},
): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), 'ov-e2e-'));
  let booted: App;
  try {
    booted = await bootApp(
      { ...TEST_ENV, SERVER_DATA_DIR: join(dir, 'data'), KMS_URIS: JSON.stringify(uris), ...env },
      opts,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const closeApp = () => booted.close();
  const app: App = {
    ...booted,
    async close() {
      await closeApp();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const connected = opts.connected ?? uris.length;
  try {
    await until(`${connected} media server(s) to connect`, () => app.pool.connectedCount() >= connected);
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

/** {@link bootWith} against `emulators` new emulators, which `close()` closes after the app. */
export async function boot(env: Record<string, string> = {}, emulators = 1, opts: BootOptions = {}): Promise<Harness> {
  const emus = await startEmulators(emulators);
  let booted: App;
  try {
    booted = await bootWith(
      emus.map((e) => e.uri),
      env,
      opts,
    );
  } catch (err) {
    await Promise.all(emus.map((e) => e.close()));
    throw err;
  }
  let closed = false;
  return {
    ...booted,
    emus,
    async close() {
      if (closed) return;
      closed = true;
      await booted.close();
      await Promise.all(emus.map((e) => e.close()));
    },
  };
}

/** Collects what the app logs, to assert on operator-facing lines. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: unknown) {
    this.lines.push({ level: 'error', message: String(message) });
  }
  debug() {}
  verbose() {}
}
