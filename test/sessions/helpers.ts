// Shared helpers for the session, CDR and webhook e2e specs: the real app on 127.0.0.1 with the KMS
// emulator, raw HTTP(S) calls, and polling. Every resource made here is closed by `close()`.
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { AppModule } from '../../src/app.module.js';
import { loadConfig } from '../../src/config/config.loader.js';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import { startServer } from '../../src/server/bootstrap.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import type { MediaOptions } from '../../src/sessions/session.types.js';

export const SECRET = 'MY_SECRET';
export const AUTH = `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')}`;

export interface TestServer {
  app: INestApplication;
  url: string;
  emu: KmsEmulator;
  dir: string;
  sessions: SessionsService;
  close(): Promise<void>;
}

/** Boots the whole app (plain HTTP unless `SERVER_SSL_ENABLED` says otherwise) with one emulated KMS. */
export async function startTestServer(
  env: Record<string, string> = {},
  extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {},
  logger?: LoggerService,
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ov-sessions-'));
  const emu = await startKmsEmulator({ host: '127.0.0.1' });
  const loaded = loadConfig({
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_SSL_ENABLED: 'false',
    SERVER_DATA_DIR: join(dir, 'data'),
    OPENVIDU_PUBLICURL: 'https://ov.example.com:4443',
    KMS_URIS: JSON.stringify([emu.uri]),
    ...env,
  });
  if (loaded.errors.length) throw new Error(`bad test config: ${loaded.errors.join('; ')}`);
  const { app, url } = await startServer(loaded, { module: AppModule.forRoot(loaded, extra), logger });
  const pool = app.get(MediaServersService);
  await waitFor(() => pool.connectedCount() > 0, 'the emulated media server to connect');
  return {
    app,
    url,
    emu,
    dir,
    sessions: app.get(SessionsService),
    async close() {
      await app.close();
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface CallOptions {
  /** Default: valid credentials; `null` sends none. */
  auth?: string | null;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request, certificate not verified (as curl -k). */
export function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const auth = opts.auth === undefined ? AUTH : opts.auth;
  if (auth !== null) headers.authorization = auth;
  const url = new URL(path, base);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Polls `check` every 10 ms until it holds; fails with `what` after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const CAMERA: MediaOptions = {
  hasAudio: true,
  hasVideo: true,
  audioActive: true,
  videoActive: false,
  typeOfVideo: 'CAMERA',
  frameRate: 30,
  videoDimensions: '{"width":640,"height":480}',
};

export const AUDIO_ONLY: MediaOptions = {
  hasAudio: true,
  hasVideo: false,
  audioActive: true,
  videoActive: false,
  typeOfVideo: '',
  frameRate: null,
  videoDimensions: '',
};

/** Creates a session and a token through REST; returns the session id and token string. */
export async function sessionWithToken(
  url: string,
  role = 'PUBLISHER',
  data = '',
): Promise<{ sessionId: string; token: string }> {
  const s = await call(url, 'POST', '/api/sessions', { body: {} });
  const sessionId = s.json<{ id: string }>().id;
  const t = await call(url, 'POST', '/api/tokens', { body: { session: sessionId, role, data } });
  return { sessionId, token: t.json<{ token: string }>().token };
}

export async function newToken(url: string, sessionId: string, role = 'PUBLISHER', data = ''): Promise<string> {
  const t = await call(url, 'POST', '/api/tokens', { body: { session: sessionId, role, data } });
  return t.json<{ token: string }>().token;
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
