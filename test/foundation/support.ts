// Shared helpers for the foundation e2e specs: real HTTPS calls, an in-process app, the built server
// spawned as a child process, temp dirs and free ports. Every resource made here is closed by the caller.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { AppModule } from '../../src/app.module.js';
import { loadConfig, type LoadedConfig } from '../../src/config/config.loader.js';
import { startServer } from '../../src/server/bootstrap.js';
import { startKmsEmulator } from '../../src/kms-emulator/index.js';

export const USER = 'OPENVIDUAPP';
export const MAIN_JS = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export function basic(secret: string, user = USER): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  socket: Socket;
  json<T = Record<string, unknown>>(): T;
}

export interface CallOptions {
  auth?: string;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Keep-alive agent to reuse connections; by default every call opens its own connection. */
  agent?: Agent;
}

/** One HTTPS request against the self-signed server (certificate not verified, as curl -k). */
export function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload =
      typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
        ? Buffer.from(opts.body)
        : Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, base),
      { method, headers, agent: opts.agent ?? false, rejectUnauthorized: false },
      (res) => {
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          // A live event stream never ends: the status and headers are the answer.
          res.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: '',
            socket: req.socket as Socket,
            json: () => ({}) as never,
          });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            socket: req.socket as Socket,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `ov-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface Emulator {
  uri: string;
  close(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  const emu = await startKmsEmulator({ host: '127.0.0.1', port: 0 });
  return { uri: emu.uri, close: () => emu.close() };
}

/** Environment for a server on 127.0.0.1 with an ephemeral port, its own data dir and a real KMS. */
export function baseEnv(dataDir: string, kmsUri: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_DATA_DIR: dataDir,
    KMS_URIS: JSON.stringify([kmsUri]),
    ...extra,
  };
}

export interface InProcessServer {
  app: INestApplication;
  url: string;
  loaded: LoadedConfig;
}

/** Boots the real AppModule in this process (HTTPS unless the env says otherwise). */
export async function bootApp(
  env: Record<string, string>,
  extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {},
): Promise<InProcessServer> {
  const loaded = loadConfig(env);
  if (loaded.errors.length) throw new Error(`bad test config: ${loaded.errors.join('; ')}`);
  const { app, url } = await startServer(loaded, { module: AppModule.forRoot(loaded, extra) });
  return { app, url, loaded };
}

export interface SpawnedServer {
  proc: ChildProcess;
  /** Resolves with the URL logged at boot, or rejects with the output if the process ends first. */
  ready: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

/** Runs the built server (`node dist/src/main.js`) with exactly the given environment. */
export function spawnServer(env: Record<string, string>, opts: { uid?: number; gid?: number } = {}): SpawnedServer {
  const proc = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: opts.uid,
    gid: opts.gid,
  });
  let out = '';
  let err = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (https?:\/\/[^"\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    void exit.then(({ code, signal }) =>
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${err}\n${out.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  return { proc, ready, exit, stdout: () => out, stderr: () => err };
}

/** Kills a spawned server (if still running) and waits for it to go. */
export async function killServer(s: SpawnedServer, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill(signal);
  await s.exit;
}

/** Ready and with a media server connected, which may complete just after the listener opens. */
export async function waitReady(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    const [ready, media] = await Promise.all([call(url, 'GET', '/health/ready'), call(url, 'GET', '/health/media')]);
    if (ready.status === 200 && media.status === 200) return;
    if (i >= 150) throw new Error('/health/ready or /health/media did not become 200');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
