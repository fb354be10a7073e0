// Helpers for the media-server e2e specs: emulators, the real app over plain HTTP, polling, and
// a stand-in for the sessions code's HostedSession. Every resource made here is closed by the caller.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { loadConfig } from '../../src/config/config.loader.js';
import { startKmsEmulator } from '../../src/kms-emulator/index.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
  type MediaServerEvent,
} from '../../src/media-servers/media-server.events.js';
import { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import type { HostedSession, Placement } from '../../src/media-servers/placement.js';
import { startServer } from '../../src/server/bootstrap.js';

export const SECRET = 'MS_TEST_SECRET';
export const AUTH = `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')}`;

export type Emulator = Awaited<ReturnType<typeof startKmsEmulator>>;

export function startEmulators(n: number): Promise<Emulator[]> {
  return Promise.all(Array.from({ length: n }, () => startKmsEmulator({ host: '127.0.0.1' })));
}

export interface RecordedEvent extends MediaServerEvent {
  name: string;
}

export interface TestApp {
  app: INestApplication;
  url: string;
  pool: MediaServersService;
  events: RecordedEvent[];
  close(): Promise<void>;
}

/** Boots the real server (plain HTTP) with fast liveness timings unless `env` says otherwise. */
export async function bootApp(uris: string[], env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ov-ms-'));
  const loaded = loadConfig({
    SERVER_PORT: '0',
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_SSL_ENABLED: 'false',
    SERVER_DATA_DIR: dataDir,
    OPENVIDU_SECRET: SECRET,
    OPENVIDU_PRO_CLUSTER: 'true',
    KMS_URIS: JSON.stringify(uris),
    KMS_CONNECT_TIMEOUT: '1500',
    KMS_LOAD_SAMPLING_INTERVAL: '200',
    KMS_REQUEST_TIMEOUT: '2000',
    ...env,
  });
  if (loaded.errors.length) throw new Error(loaded.errors.join('; '));
  const { app, url } = await startServer(loaded);
  const events: RecordedEvent[] = [];
  const emitter = app.get(EventEmitter2);
  for (const name of [MEDIA_SERVER_CONNECTED, MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_RESTARTED]) {
    emitter.on(name, (e: MediaServerEvent) => events.push({ name, ...e }));
  }
  return {
    app,
    url,
    pool: app.get(MediaServersService),
    events,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  contentType: string | undefined;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** One HTTP request on its own connection (no keep-alive socket is left behind). */
export function call(base: string, method: string, path: string, body?: unknown, auth: string | null = AUTH) {
  const headers: Record<string, string> = {};
  let payload: Buffer | undefined;
  if (body !== undefined) {
    payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (auth) headers.authorization = auth;
  return new Promise<Reply>((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const contentType = res.headers['content-type'];
        resolve({ status: res.statusCode ?? 0, contentType, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type MediaServerJson = {
  id: string;
  uri: string;
  ip: string;
  connected: boolean;
  connectionTime: number;
  disconnectionTime?: number;
  status: string;
  load?: number;
  sessions?: Record<string, unknown>[];
  kurentoInfo?: Record<string, unknown>;
};

export async function listServers(base: string, query = ''): Promise<MediaServerJson[]> {
  const r = await call(base, 'GET', `/pro/media-servers${query}`);
  if (r.status !== 200) throw new Error(`GET /pro/media-servers answered ${r.status}`);
  return r.json<{ content: MediaServerJson[] }>().content;
}

export async function byUri(base: string, uri: string, query = ''): Promise<MediaServerJson> {
  const found = (await listServers(base, query)).find((s) => s.uri === uri);
  if (!found) throw new Error(`${uri} is not listed`);
  return found;
}

/** Stands in for the sessions code: what the pool needs from a session. */
export class FakeSession implements HostedSession {
  readonly closes: string[] = [];
  constructor(
    readonly sessionId: string,
    public streams = 0,
  ) {}
  streamCount(): number {
    return this.streams;
  }
  toJson(): Record<string, unknown> {
    return { sessionId: this.sessionId, createdAt: 1, connections: { numberOfElements: 0, content: [] } };
  }
  close(reason: 'mediaServerDisconnect'): Promise<void> {
    this.closes.push(reason);
    return Promise.resolve();
  }
}

/**
 * Places `sessionId` on the server `mediaServerId`: fillers are placed until the pool's choice is
 * that server, then the real session takes the filler's spot and the fillers are released.
 */
export function placeOn(pool: MediaServersService, mediaServerId: string, sessionId: string): Placement {
  const fillers: Placement[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      const filler = pool.place(`${sessionId}-filler-${i}`);
      if (filler.mediaServerId !== mediaServerId) {
        fillers.push(filler);
        continue;
      }
      filler.release();
      const real = pool.place(sessionId);
      assert.equal(real.mediaServerId, mediaServerId);
      return real;
    }
    throw new Error(`could not place ${sessionId} on ${mediaServerId}`);
  } finally {
    for (const f of fillers) f.release();
  }
}
