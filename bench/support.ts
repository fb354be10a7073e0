// What the process-level benches share: the server as a child process (its CPU and RSS its own), a
// keep-alive REST client that survives the server closing an idle socket, a bounded job pool, and
// /proc readings of a process's CPU time and memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { basic, freePort } from '../test/support/fixtures.js';

export const BENCH_SECRET = 'BENCH_SECRET';
const AUTH = basic(BENCH_SECRET);

/** REST over keep-alive sockets with the bench secret; `renew()` starts a phase on fresh sockets. */
export class BenchHttp {
  private agent = new Agent({ keepAlive: true, maxSockets: 32 });

  /** An idle socket the server just timed out would reset the first request of the next phase. */
  renew(): void {
    this.agent.destroy();
    this.agent = new Agent({ keepAlive: true, maxSockets: 32 });
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * One request; a keep-alive socket the server closed as idle just as it was reused (likely while a
   * loaded machine stretches a phase past the server's keep-alive timeout) is retried once on a new one.
   */
  async call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    try {
      return await this.once(base, method, path, body);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
      return this.once(base, method, path, body);
    }
  }

  /** The JSON of a 2xx answer (fails on any other status). */
  async json<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call(base, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    return (r.text ? JSON.parse(r.text) : {}) as T;
  }

  private once(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { authorization: AUTH };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': `${payload.length}` });
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, base), { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Runs `n` jobs with at most `limit` at once. */
export async function pool(n: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory now and at its peak, in MB. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * The built server (dist/src/main.js) in a process of its own, plain HTTP, Pro cluster, against
 * `kmsUris`; resolves once every media server is connected. BENCH_SERVER_NODE_ARGS passes flags to
 * it (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export async function startServerProcess(
  http: BenchHttp,
  kmsUris: string[],
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; ws: string }> {
  const port = await freePort();
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: String(port),
      SERVER_SSL_ENABLED: 'false',
      SERVER_DATA_DIR: dataDir,
      OPENVIDU_SECRET: BENCH_SECRET,
      OPENVIDU_PRO_CLUSTER: 'true',
      KMS_URIS: JSON.stringify(kmsUris),
      LOGGING_LEVEL_ROOT: 'warn',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const servers = await http
      .json<{ content: { connected: boolean }[] }>(url, 'GET', '/pro/media-servers')
      .catch(() => null);
    if (servers?.content.filter((s) => s.connected).length === kmsUris.length) break;
    if (i > 400) throw new Error('media servers did not connect');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, url, ws: `ws://127.0.0.1:${port}/openvidu` };
}
