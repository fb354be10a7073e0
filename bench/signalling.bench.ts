// Signalling at scale: 1,000 participants (500 sessions × 2) join and publish over /openvidu against
// 4 emulated media servers, with the server in its own process (dist/src/main.js) so its RSS and CPU
// are its own. Reported: total time, server CPU per join, server RSS, balance of streams across the
// media servers (max/min), and the ratio to a baseline measured in the same run: the same number of
// sockets doing the same number of bare `ping` round trips (target ≤ 3×).
// Size: BENCH_SIGNALLING_SESSIONS (default 500 sessions of 2; 100 with BENCH_QUICK=1).
// Profile the server: BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (node dist/bench/signalling.bench.js).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKmsEmulator, type KmsEmulator } from '../src/kms-emulator/index.js';
import { RpcClient, sdpOffer } from '../test/support/rpc.js';
import { report, size } from './report.js';

const SESSIONS = size('SIGNALLING_SESSIONS', 500, 100);
const PER_SESSION = 2;
/** Sessions set up at once: 100 participants in flight, as many browsers joining together. */
const CONCURRENCY = 50;
const TARGET_RATIO = 3;
const TARGET_CPU_MS = 2;
const TARGET_RSS_MB = 150;
const SECRET = 'BENCH_SECRET';
const AUTH = `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')}`;
/** Keep-alive REST sockets, renewed per phase: an idle one the server just timed out would reset. */
let agent = new Agent({ keepAlive: true, maxSockets: 32 });

const LIMIT_S = 60 + Math.ceil(SESSIONS / 20);
const deadline = setTimeout(() => {
  console.error(`signalling bench: still running after ${LIMIT_S} s, giving up`);
  process.exit(1);
}, LIMIT_S * 1000);
deadline.unref();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A keep-alive socket the server closed as idle just as it was reused is retried once on a new one. */
async function rest<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await rest1<T>(base, method, path, body);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    return rest1<T>(base, method, path, body);
  }
}

function rest1<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { authorization: AUTH };
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': `${payload.length}` });
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve((text ? JSON.parse(text) : {}) as T);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `n` jobs with at most `limit` at once. */
async function pool(n: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function startApp(
  emus: KmsEmulator[],
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; ws: string }> {
  const port = await freePort();
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
  // BENCH_SERVER_NODE_ARGS passes flags to the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: String(port),
      SERVER_SSL_ENABLED: 'false',
      SERVER_DATA_DIR: dataDir,
      OPENVIDU_SECRET: SECRET,
      OPENVIDU_PRO_CLUSTER: 'true',
      KMS_URIS: JSON.stringify(emus.map((e) => e.uri)),
      LOGGING_LEVEL_ROOT: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const servers = await rest<{ content: { connected: boolean }[] }>(url, 'GET', '/pro/media-servers').catch(
      () => null,
    );
    if (servers?.content.filter((s) => s.connected).length === emus.length) break;
    if (i > 400) throw new Error('media servers did not connect');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, url, ws: `ws://127.0.0.1:${port}/openvidu` };
}

/** Baseline: the same sockets and the same number of round trips, as bare pings. */
async function baseline(ws: string): Promise<number> {
  const clients: RpcClient[] = [];
  const t0 = performance.now();
  await pool(SESSIONS, CONCURRENCY, async () => {
    for (let k = 0; k < PER_SESSION; k++) {
      const c = await RpcClient.connect(ws);
      clients.push(c);
      await c.call('ping', { interval: 60_000 });
      await c.call('ping', {});
    }
  });
  const ms = performance.now() - t0;
  await Promise.all(clients.map((c) => c.close()));
  return ms;
}

/** 500 sessions: REST session + 2 tokens, then per participant connect, joinRoom, publishVideo. */
async function joinAndPublish(url: string, ws: string, clients: RpcClient[], sessions = SESSIONS): Promise<number> {
  const offer = sdpOffer();
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const t0 = performance.now();
  await pool(sessions, CONCURRENCY, async () => {
    const { id: session } = await rest<{ id: string }>(url, 'POST', '/api/sessions', {});
    for (let k = 0; k < PER_SESSION; k++) {
      const { token } = await rest<{ token: string }>(url, 'POST', '/api/tokens', { session, role: 'PUBLISHER' });
      const c = await RpcClient.connect(ws);
      clients.push(c);
      await c.call('joinRoom', { token, session, platform: 'bench', metadata: '', secret: '', recorder: false });
      await c.call('publishVideo', {
        sdpOffer: offer,
        doLoopback: false,
        hasAudio: true,
        hasVideo: true,
        audioActive: true,
        videoActive: true,
        typeOfVideo: 'CAMERA',
        frameRate: 30,
        videoDimensions: '{"width":640,"height":480}',
      });
    }
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const emus = await Promise.all([0, 1, 2, 3].map(() => startKmsEmulator({ host: '127.0.0.1' })));
  const dataDir = mkdtempSync(join(tmpdir(), 'ov-bench-signalling-'));
  const { child, url, ws } = await startApp(emus, dataDir);
  const clients: RpcClient[] = [];
  try {
    const idle = memory(child.pid!);
    // Warm-up (JIT, sockets, kurento-client) outside the measured runs.
    await joinAndPublish(url, ws, clients, 100);
    await leaveAll(clients.splice(0));
    await waitEmpty(emus);
    const base1 = await baseline(ws);
    const cpu0 = cpuSeconds(child.pid!);
    const real = await joinAndPublish(url, ws, clients);
    const cpuMsPerJoin = ((cpuSeconds(child.pid!) - cpu0) * 1000) / (SESSIONS * PER_SESSION);
    const loaded = memory(child.pid!);
    const servers = await rest<{ content: { id: string; load: number }[] }>(url, 'GET', '/pro/media-servers?load=true');
    const streams = servers.content.map((s) => s.load);
    const endpoints = emus.map((e) => e.stats().endpoints);
    await leaveAll(clients.splice(0));
    const released = await waitEmpty(emus);
    const base2 = await baseline(ws);
    const base = (base1 + base2) / 2;
    const participants = SESSIONS * PER_SESSION;
    console.log(
      `participants: ${participants} (${SESSIONS} sessions x ${PER_SESSION}), ${CONCURRENCY} sessions at once`,
    );
    console.log(`join + publish (incl. REST session/token): ${real.toFixed(0)} ms`);
    console.log(`  ${((participants / real) * 1000).toFixed(0)} participants/s`);
    console.log(`server CPU per join+publish: ${cpuMsPerJoin.toFixed(2)} ms (target <= ${TARGET_CPU_MS} ms)`);
    console.log(
      `baseline, ${participants} sockets x 2 bare pings: ${base.toFixed(0)} ms (runs ${base1.toFixed(0)}, ${base2.toFixed(0)})`,
    );
    console.log(`ratio join+publish / baseline: ${(real / base).toFixed(2)}`);
    console.log(
      `server RSS: idle ${idle.rss.toFixed(0)} MB, with ${participants} publishing ${loaded.rss.toFixed(0)} MB, peak ${loaded.peak.toFixed(0)} MB`,
    );
    console.log(
      `streams per media server (load): ${streams.join(', ')}  max/min ${(Math.max(...streams) / Math.min(...streams)).toFixed(2)}`,
    );
    console.log(`endpoints per emulator: ${endpoints.join(', ')}  (sum ${endpoints.reduce((a, b) => a + b, 0)})`);
    console.log(`all media released after everyone left: ${released ? 'yes' : 'NO'}`);
    const ratio = real / base;
    const k = participants.toLocaleString('en');
    report('signalling', {
      figure: `${k} participants join+publish (REST session/token, joinRoom, publishVideo), 4 emulated media servers`,
      value: `${real.toFixed(0)} ms (${((participants / real) * 1000).toFixed(0)} participants/s)`,
      baseline: `same sockets, 2 bare pings each: ${base.toFixed(0)} ms`,
      ratio,
      target: `≤ ${TARGET_RATIO}× baseline`,
      met: ratio <= TARGET_RATIO,
    });
    report('signalling', {
      figure: 'server CPU per join+publish',
      value: `${cpuMsPerJoin.toFixed(2)} ms`,
      target: `≤ ${TARGET_CPU_MS} ms`,
      met: cpuMsPerJoin <= TARGET_CPU_MS,
    });
    report('signalling', {
      figure: `server RSS with ${k} publishing`,
      value: `${loaded.rss.toFixed(0)} MB (peak ${loaded.peak.toFixed(0)} MB)`,
      baseline: `idle: ${idle.rss.toFixed(0)} MB`,
      ratio: loaded.rss / idle.rss,
      target: participants === 1000 ? `≤ ${TARGET_RSS_MB} MB` : '',
      met: participants === 1000 ? loaded.rss <= TARGET_RSS_MB : undefined,
    });
    report('signalling', {
      figure: 'streams per media server, max/min',
      value: `${(Math.max(...streams) / Math.min(...streams)).toFixed(2)} (${streams.join('/')})`,
    });
    report('signalling', {
      figure: 'media released on every media server after everyone left',
      value: released ? 'yes' : 'no',
      target: 'yes',
      met: released,
    });
    // Shutdown under load: SIGTERM with 200 participants publishing; it must release their media.
    await joinAndPublish(url, ws, clients, 100);
    const t0 = performance.now();
    const code = await stop(child);
    const stopMs = performance.now() - t0;
    const left = emus.reduce((n, e) => n + e.stats().pipelines + e.stats().objects, 0);
    console.log(`SIGTERM with 200 publishing: exited in ${stopMs.toFixed(0)} ms, code ${code}, media left: ${left}`);
    report('signalling', {
      figure: 'SIGTERM with 200 publishing',
      value: `exit ${code} in ${stopMs.toFixed(0)} ms, ${left} media objects left`,
      target: 'exit 0, nothing left',
      met: code === 0 && left === 0,
    });
  } finally {
    await stop(child);
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(emus.map((e) => e.close()));
    agent.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  child.kill('SIGTERM');
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Everyone leaves as openvidu-browser's disconnect() does: leaveRoom, then the socket closes. */
async function leaveAll(clients: RpcClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.call('leaveRoom', {}).then(() => c.close())));
}

/** True once no emulator holds a pipeline (every session closed and released), false after 10 s. */
async function waitEmpty(emus: KmsEmulator[]): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (emus.every((e) => e.stats().pipelines === 0 && e.stats().objects === 0)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

main().then(
  () => clearTimeout(deadline),
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
    clearTimeout(deadline);
  },
);
