// Real coturn and Redis (Debian's `coturn` and `redis-server`, installed by .ci/run) for the TURN
// tests: each started on 127.0.0.1 with ports of its own and stopped by the test.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { freePort } from './fixtures.js';

/** Starts `command`, resolves when a line of its output matches `ready`; its output is kept for errors. */
async function startUntil(command: string, args: string[], ready: RegExp, timeoutMs = 15_000): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} not ready within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      if (lines.push(line) > 200) lines.shift();
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${e.message} (installed by .ci/run with apt-get)`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${lines.slice(-20).join('\n')}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export interface RedisServer {
  port: number;
  /** A client on database `db`, closed by `close()`. */
  client(db: number): Redis;
  close(): Promise<void>;
}

export async function startRedis(password: string): Promise<RedisServer> {
  const port = await freePort();
  const child = await startUntil(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password],
    /Ready to accept connections/,
  );
  const clients: Redis[] = [];
  return {
    port,
    client(db) {
      const c = new Redis({
        host: '127.0.0.1',
        port,
        password,
        db,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients.splice(0)) c.disconnect();
      await stop(child);
    },
  };
}

export interface Coturn {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** A random loopback address: openvidu-browser always dials port 3478, so parallel runs need their own host. */
export function randomLoopback(): string {
  const n = () => 1 + Math.floor(Math.random() * 250);
  return `127.${n()}.${n()}.${n()}`;
}

/**
 * coturn on 127.0.0.1 (or `host`) with long-term credentials, either from a Redis user database (what
 * docker-compose.yml runs) or from a shared secret (`use-auth-secret`).
 */
export async function startCoturn(
  auth: { redis: { port: number; password: string; dbname: string } } | { sharedSecret: string },
  opts: { realm?: string; host?: string; port?: number } = {},
): Promise<Coturn> {
  const realm = opts.realm ?? 'openvidu';
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  // A relay port range of its own, so parallel test files do not share one.
  const minPort = 49152 + Math.floor(Math.random() * 150) * 100;
  const args = [
    '-n',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    `--listening-ip=${host}`,
    `--relay-ip=${host}`,
    `--listening-port=${port}`,
    `--min-port=${minPort}`,
    `--max-port=${minPort + 99}`,
    `--realm=${realm}`,
    '--fingerprint',
    '--allow-loopback-peers',
    '--log-file=stdout',
    '--simple-log',
    `--pidfile=/tmp/turnserver-${host}-${port}.pid`,
  ];
  let ready: RegExp;
  if ('redis' in auth) {
    const r = auth.redis;
    args.push('--lt-cred-mech', `--redis-userdb=ip=127.0.0.1 port=${r.port} dbname=${r.dbname} password=${r.password}`);
    ready = /Redis DB sync connection success/;
  } else {
    args.push('--use-auth-secret', `--static-auth-secret=${auth.sharedSecret}`);
    ready = /IO method \(admin thread\)/;
  }
  const child = await startUntil('turnserver', args, ready);
  return { host, port, close: () => stop(child) };
}

/**
 * Whether coturn lets `username`/`password` allocate a relay and carry data through it: coturn's own
 * test client (turnutils_uclient, two clients relaying to each other) exits 0 only then.
 */
export function turnRelays(port: number, username: string, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      'turnutils_uclient',
      [
        '-y',
        '-c',
        '-n',
        '1',
        '-m',
        '1',
        '-l',
        '10',
        '-u',
        username,
        '-w',
        password,
        '-p',
        String(port),
        '-L',
        '127.0.0.1',
        '127.0.0.1',
      ],
      { timeout: 20_000 },
      (err) => resolve(!err),
    );
  });
}
