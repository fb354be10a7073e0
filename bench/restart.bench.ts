// How long POST /pro/restart takes to apply, against a GET /pro/config baseline measured in the same run
// on the same keep-alive connection, plus the restart-under-load numbers (50 clients, restart changes the
// secret). The built server runs in its own process with a real config file and a KMS emulator.
// Run: npm run bench -- restart   (or: node dist/bench/restart.bench.js [trials])
// Size: BENCH_RESTART_TRIALS (default 200; 50 with BENCH_QUICK=1), or the first argument.
import { mkdirSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { startEmulator } from '../test/support/emulators.js';
import { basic, tempDir } from '../test/support/fixtures.js';
import { call } from '../test/support/http.js';
import { killServer, spawnServer } from '../test/support/process.js';
import { report, size } from './report.js';

const TRIALS = process.argv[2] ? Number(process.argv[2]) : size('RESTART_TRIALS', 200, 50);
const CLIENTS = 50;
const LOAD_MS = 3000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function timed(n: number, fn: (i: number) => Promise<number>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const status = await fn(i);
    times.push(performance.now() - t);
    if (status !== 200) throw new Error(`unexpected status ${status}`);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('bench: over 55 s, giving up');
    process.exit(1);
  }, 55_000);
  const emu = await startEmulator();
  const tmp = tempDir('bench-restart');
  mkdirSync(join(tmp.dir, 'data'));
  const server = spawnServer({
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_DATA_DIR: join(tmp.dir, 'data'),
    KMS_URIS: JSON.stringify([emu.uri]),
    OPENVIDU_CONFIG_FILE: join(tmp.dir, 'application.properties'),
    OPENVIDU_SECRET: 'bench-0',
  });
  try {
    const url = await server.ready;
    let auth = basic('bench-0');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 20; i++) await call(url, 'GET', '/pro/config', { auth, agent }); // warm-up

    const get = await timed(TRIALS, async () => (await call(url, 'GET', '/pro/config', { auth, agent })).status);
    const restart = await timed(TRIALS, async (i) => {
      const body = { 'openvidu.cdr': i % 2 === 0, 'openvidu.streams.video.max-recv-bandwidth': 500 + i };
      return (await call(url, 'POST', '/pro/restart', { auth, agent, body })).status;
    });
    agent.destroy();
    console.log(`GET /pro/config (baseline)   p50 ${fmt(get.p50)}  p99 ${fmt(get.p99)}   (${TRIALS} trials)`);
    console.log(`POST /pro/restart (persisted) p50 ${fmt(restart.p50)}  p99 ${fmt(restart.p99)}`);
    console.log(
      `ratio restart/baseline        p50 ${(restart.p50 / get.p50).toFixed(1)}x  p99 ${(restart.p99 / get.p99).toFixed(1)}x`,
    );
    report('restart', {
      figure: `POST /pro/restart (persisted), ${TRIALS} trials`,
      value: `p50 ${fmt(restart.p50)}, p99 ${fmt(restart.p99)}`,
      baseline: `GET /pro/config: p50 ${fmt(get.p50)}, p99 ${fmt(get.p99)}`,
      ratio: restart.p50 / get.p50,
    });

    // Restart under load: 50 keep-alive clients on GET /pro/config, a restart that changes the secret at 1 s.
    const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    const counts = { ok: 0, expected401: 0, failed: 0 };
    let stop = false;
    let switched = false;
    const clients = agents.map(async (a) => {
      while (!stop) {
        const used = auth;
        try {
          const res = await call(url, 'GET', '/pro/config', { auth: used, agent: a });
          if (res.status === 200) counts.ok++;
          else if (res.status === 401 && used !== auth) counts.expected401++;
          else counts.failed++;
        } catch {
          counts.failed++;
        }
      }
    });
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const tr = performance.now();
    const res = await call(url, 'POST', '/pro/restart', { auth, body: { 'openvidu.secret': 'bench-1' } });
    const restartUnderLoad = performance.now() - tr;
    auth = basic('bench-1');
    switched = res.status === 200;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, LOAD_MS - (performance.now() - t0))));
    stop = true;
    await Promise.all(clients);
    const elapsed = (performance.now() - t0) / 1000;
    for (const a of agents) a.destroy();
    console.log(
      `restart under load (${CLIENTS} clients, ${elapsed.toFixed(1)} s): ${counts.ok} requests served ` +
        `(${(counts.ok / elapsed).toFixed(0)}/s), ${counts.failed} failed, ${counts.expected401} expected 401s ` +
        `(old secret in flight), restart ${switched ? 'applied' : `FAILED ${res.status}`} in ${fmt(restartUnderLoad)}`,
    );
    report('restart', {
      figure: `restart changing the secret under load (${CLIENTS} keep-alive clients)`,
      value: `${counts.ok} served (${(counts.ok / elapsed).toFixed(0)}/s), ${counts.failed} failed, restart in ${fmt(restartUnderLoad)}`,
      target: 'no request fails; restart applied',
      met: switched && counts.failed === 0,
    });
    if (!switched || counts.failed) process.exitCode = 1;
  } finally {
    await killServer(server, 'SIGTERM');
    await emu.close();
    tmp.remove();
    clearTimeout(deadline);
  }
}

await main();
