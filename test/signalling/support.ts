// Shared by the signalling e2e specs: the real app over plain HTTP with emulated media servers
// started by the test, REST calls, and a participant helper over the raw JSON-RPC client.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '../../src/config/config.loader.js';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import { startServer } from '../../src/server/bootstrap.js';
import { RpcClient, sdpOffer } from './rpc-client.js';

export const SECRET = 'SIGNALLING_SECRET';
const AUTH = `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')}`;

export interface Harness {
  app: INestApplication;
  url: string;
  wsUrl: string;
  emus: KmsEmulator[];
  pool: MediaServersService;
  /** Closes the app and its data dir, then the emulators it started; idempotent. */
  close(): Promise<void>;
}

/** The app booted against media servers the caller chose (emulators, proxies, hostile servers). */
export interface App {
  app: INestApplication;
  url: string;
  wsUrl: string;
  pool: MediaServersService;
  /** Temporary folder holding the server's data dir. */
  dir: string;
  /** Closes the app, then removes the data dir; idempotent. */
  close(): Promise<void>;
}

/**
 * Boots the app on 127.0.0.1 (plain HTTP, Pro cluster) against `uris`, with fault timings short
 * enough that a test sees a media-server loss in well under 2 s; waits for `connected` of them.
 */
export async function bootWith(
  uris: string[],
  env: Record<string, string> = {},
  connected = uris.length,
): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), 'ov-signalling-'));
  const loaded = loadConfig({
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_SSL_ENABLED: 'false',
    SERVER_DATA_DIR: join(dir, 'data'),
    OPENVIDU_SECRET: SECRET,
    OPENVIDU_PRO_CLUSTER: 'true',
    KMS_URIS: JSON.stringify(uris),
    KMS_LIVENESS_INTERVAL: '100',
    KMS_LIVENESS_TIMEOUT: '300',
    KMS_CONNECT_TIMEOUT: '1000',
    KMS_REQUEST_TIMEOUT: '2000',
    KMS_DISCONNECT_GRACE: '500',
    KMS_LOAD_SAMPLING_INTERVAL: '200',
    WS_SESSIONRECONNECTIONTIME: '1',
    ...env,
  });
  if (loaded.errors.length) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bad test config: ${loaded.errors.join('; ')}`);
  }
  const { app, url } = await startServer(loaded);
  const pool = app.get(MediaServersService);
  let closed = false;
  const booted: App = {
    app,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/openvidu`,
    pool,
    dir,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await until(`${connected} media server(s) to connect`, () => pool.connectedCount() >= connected);
  return booted;
}

/** Boots the app as {@link bootWith} does, against `emulators` new emulators it starts and closes. */
export async function boot(env: Record<string, string> = {}, emulators = 1): Promise<Harness> {
  const emus = await Promise.all(Array.from({ length: emulators }, () => startKmsEmulator({ host: '127.0.0.1' })));
  let booted: App;
  try {
    booted = await bootWith(
      emus.map((e) => e.uri),
      env,
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

export interface Reply {
  status: number;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** One REST call on its own connection, with the server's Basic credentials (http or https). */
export function rest(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { authorization: AUTH };
  let payload: Buffer | undefined;
  if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // The self-signed certificate of the default TLS listener is not verified (as curl -k).
    const req = request(url, { method, headers, agent: false, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Polls until `check` returns something truthy (fails with `what` after `ms`). */
export async function until<T>(what: string, check: () => T | Promise<T>, ms = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export async function createSession(url: string, body: Record<string, unknown> = {}): Promise<string> {
  const r = await rest(url, 'POST', '/api/sessions', body);
  assert.equal(r.status, 200, r.text);
  return r.json<{ id: string }>().id;
}

export async function createToken(url: string, session: string, role = 'PUBLISHER', data = ''): Promise<string> {
  const r = await rest(url, 'POST', '/api/tokens', { session, role, data });
  assert.equal(r.status, 200, r.text);
  return r.json<{ token: string }>().token;
}

export type SessionJson = {
  sessionId: string;
  connections: {
    numberOfElements: number;
    content: Array<{
      connectionId: string;
      role: string;
      clientData: string;
      publishers: Array<{ streamId: string; mediaOptions: Record<string, unknown> }>;
      subscribers: Array<{ streamId: string }>;
    }>;
  };
};

/** GET /api/sessions/<id> (§2.4): the JSON, or null for 404. */
export async function sessionJson(url: string, id: string): Promise<SessionJson | null> {
  const r = await rest(url, 'GET', `/api/sessions/${id}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200, r.text);
  return r.json<SessionJson>();
}

export type MediaServerJson = { id: string; uri: string; load: number; sessions: SessionJson[] };

/** GET /pro/media-servers?sessions=true&load=true (§3.3). */
export async function mediaServers(url: string): Promise<MediaServerJson[]> {
  const r = await rest(url, 'GET', '/pro/media-servers?sessions=true&load=true');
  assert.equal(r.status, 200, r.text);
  return r.json<{ content: MediaServerJson[] }>().content;
}

export interface JoinResult {
  id: string;
  createdAt: number;
  metadata: string;
  value: Array<{ id: string; metadata: string; streams?: Array<{ id: string }> }>;
  sessionId: string;
}

/** One openvidu-browser-like participant: its socket, connection id, RPC session id and stream. */
export class Peer {
  streamId = '';

  private constructor(
    readonly rpc: RpcClient,
    readonly join: JoinResult,
    readonly session: string,
  ) {}

  get id(): string {
    return this.join.id;
  }

  static async join(h: Harness, session: string, token: string, metadata = '', extra = {}): Promise<Peer> {
    const rpc = await RpcClient.connect(h.wsUrl);
    try {
      const join = await rpc.call<JoinResult>('joinRoom', {
        token,
        session,
        platform: 'Chrome 76.0.3809.100 on Linux 64-bit',
        metadata,
        secret: '',
        recorder: false,
        ...extra,
      });
      return new Peer(rpc, join, session);
    } catch (e) {
      await rpc.close();
      throw e;
    }
  }

  /** Joins with a fresh token of `role`. */
  static async withRole(h: Harness, session: string, role: string, metadata = ''): Promise<Peer> {
    return Peer.join(h, session, await createToken(h.url, session, role), metadata);
  }

  async publish(extra: Record<string, unknown> = {}): Promise<{ sdpAnswer: string; id: string; createdAt: number }> {
    const r = await this.rpc.call<{ sdpAnswer: string; id: string; createdAt: number; sessionId: string }>(
      'publishVideo',
      {
        sdpOffer: sdpOffer(),
        doLoopback: false,
        hasAudio: true,
        hasVideo: true,
        audioActive: true,
        videoActive: true,
        typeOfVideo: 'CAMERA',
        frameRate: 30,
        videoDimensions: '{"width":640,"height":480}',
        ...extra,
      },
    );
    this.streamId = r.id;
    return r;
  }

  subscribe(streamId: string): Promise<{ sdpAnswer: string; sessionId: string }> {
    return this.rpc.call('receiveVideoFrom', { sender: streamId, sdpOffer: sdpOffer() });
  }

  /**
   * Sends a signal to itself and waits for it: every notification the server sent before this
   * call has then arrived (one socket, in order), so an absence can be asserted.
   */
  async sync(): Promise<void> {
    const tag = `sync-${Math.random().toString(36).slice(2)}`;
    await this.rpc.call('sendMessage', { message: JSON.stringify({ to: [this.id], data: tag, type: 'signal:sync' }) });
    await this.rpc.waitFor('sendMessage', (p) => p.data === tag);
  }

  leave(): Promise<unknown> {
    return this.rpc.call('leaveRoom', {});
  }
}

/** Objects left on the emulators (0 once every session has ended and its media was released). */
export function leftovers(emus: KmsEmulator[]): number {
  return emus.reduce((n, e) => n + e.stats().pipelines + e.stats().objects, 0);
}
