// The built server (`node dist/src/main.js`) as a child process, for what only a real process shows:
// signals, exit codes, crashes, the embedded default. Every process spawned here is killed by the caller.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { call } from './http.js';
import { until } from './poll.js';

export const MAIN_JS = fileURLToPath(new URL('../../src/main.js', import.meta.url));

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
  await until(
    '/health/ready and /health/media to answer 200',
    async () => {
      const [ready, media] = await Promise.all([call(url, 'GET', '/health/ready'), call(url, 'GET', '/health/media')]);
      return ready.status === 200 && media.status === 200;
    },
    15_000,
  );
}
