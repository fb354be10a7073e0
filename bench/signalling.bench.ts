// Signalling at scale: 1,000 participants (500 sessions × 2) join and publish over /openvidu against
// 4 emulated media servers, with the server in its own process (dist/src/main.js) so its RSS and CPU
// are its own. Reported: total time, server CPU per join, server RSS, balance of streams across the
// media servers (max/min), and the ratio to a baseline measured in the same run: the same number of
// sockets doing the same number of bare `ping` round trips (target ≤ 3×).
// Size: BENCH_SIGNALLING_SESSIONS (default 500 sessions of 2; 100 with BENCH_QUICK=1).
// Profile the server: BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (node dist/bench/signalling.bench.js).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KmsEmulator } from '../src/kms-emulator/index.js';
import { startEmulators } from '../test/support/emulators.js';
import { VIDEO } from '../test/support/fixtures.js';
import { RpcClient, sdpOffer } from '../test/support/rpc.js';
import { report, size } from './report.js';
import { BenchHttp, cpuSeconds, memory, pool, startServerProcess } from './support.js';

const SESSIONS = size('SIGNALLING_SESSIONS', 500, 100);
const PER_SESSION = 2;
/** Sessions set up at once: 100 participants in flight, as many browsers joining together. */
const CONCURRENCY = 50;
const TARGET_RATIO = 3;
const TARGET_CPU_MS = 2;
const TARGET_RSS_MB = 150;
const api = new BenchHttp();

const LIMIT_S = 60 + Math.ceil(SESSIONS / 20);
const deadline = setTimeout(() => {
  console.error(`signalling bench: still running after ${LIMIT_S} s, giving up`);
  process.exit(1);
}, LIMIT_S * 1000);
deadline.unref();

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
  api.renew();
  const t0 = performance.now();
  await pool(sessions, CONCURRENCY, async () => {
    const { id: session } = await api.json<{ id: string }>(url, 'POST', '/api/sessions', {});
    for (let k = 0; k < PER_SESSION; k++) {
      const { token } = await api.json<{ token: string }>(url, 'POST', '/api/tokens', { session, role: 'PUBLISHER' });
      const c = await RpcClient.connect(ws);
      clients.push(c);
      await c.call('joinRoom', { token, session, platform: 'bench', metadata: '', secret: '', recorder: false });
      await c.call('publishVideo', { sdpOffer: offer, doLoopback: false, ...VIDEO });
    }
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const emus = await startEmulators(4);
  const dataDir = mkdtempSync(join(tmpdir(), 'ov-bench-signalling-'));
  const { child, url, ws } = await startServerProcess(
    api,
    emus.map((e) => e.uri),
    dataDir,
  );
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
    const servers = await api.json<{ content: { id: string; load: number }[] }>(
      url,
      'GET',
      '/pro/media-servers?load=true',
    );
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
    api.close();
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
