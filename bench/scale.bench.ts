// Scale curve: for each size N (participants), a fresh server process and 4 emulated media servers,
// each in its own process, and this process as the load client. N participants join in 2-person
// sessions and publish; in half of the sessions both also subscribe to each other. Reported per
// size: join time, participants/s, server CPU per join, RSS with everyone in and per participant,
// the longest event-loop stall during the burst (the server's own nodejs_eventloop_lag_max_seconds,
// reset at each /metrics read), the latency of the list routes and of GET /api/sessions/<id> with
// everyone in (and the longest stall while they ran), and RSS after everyone left and the process
// idled, against the idle RSS of the same process before the burst (target: within 50%). Between
// consecutive sizes: the ratio of each figure.
// Sizes: BENCH_SCALE_SIZES (default 500,1000,2000, a quick subset; 500,1000 with BENCH_QUICK=1; the
// whole curve: BENCH_SCALE_SIZES=500,1000,2000,4000,8000,16000);
// BENCH_SCALE_SETTLE_S seconds idle after leaving (default 30); BENCH_SCALE_LIST_REQUESTS per route
// (default 20); BENCH_SERVER_NODE_ARGS flags for the server; BENCH_SCALE_IDLE_GC=false turns the
// server's idle GC off (to measure what it is worth); MALLOC_* variables are passed to the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnEmulator, type EmulatorProcess } from '../test/support/emulators.js';
import { VIDEO } from '../test/support/fixtures.js';
import { RpcClient, sdpOffer } from '../test/support/rpc.js';
import { report, size, sizes } from './report.js';
import { BenchHttp, cpuSeconds, memory, pool, startServerProcess } from './support.js';

const SIZES = sizes('SCALE_SIZES', [500, 1000, 2000], [500, 1000]);
const SETTLE_S = size('SCALE_SETTLE_S', 30, 30);
const LIST_REQUESTS = size('SCALE_LIST_REQUESTS', 20, 10);
/** Sessions being set up at once (2 participants each). */
const CONCURRENCY = 50;
const api = new BenchHttp();

const limitS = SIZES.reduce((n, s) => n + 90 + SETTLE_S + s / 40, 0);
const deadline = setTimeout(() => {
  console.error(`scale bench: still running after ${limitS.toFixed(0)} s, giving up`);
  process.exit(1);
}, limitS * 1000);
deadline.unref();

/** The server's longest event-loop stall (ms) since the previous call: prom-client resets it on each read. */
async function maxLagMs(url: string): Promise<number> {
  const text = (await api.call(url, 'GET', '/metrics')).text;
  const m = /^nodejs_eventloop_lag_max_seconds\s+(\S+)/m.exec(text);
  return m ? Number(m[1]) * 1000 : NaN;
}

/** n participants in n/2 sessions; in every other session both subscribe to each other. */
async function burst(url: string, ws: string, n: number, clients: RpcClient[]): Promise<string[]> {
  const offer = sdpOffer();
  api.renew();
  const ids: string[] = [];
  await pool(Math.ceil(n / 2), CONCURRENCY, async (i) => {
    const { id: session } = await api.json<{ id: string }>(url, 'POST', '/api/sessions', {});
    ids.push(session);
    const pair: { c: RpcClient; streamId: string }[] = [];
    for (let k = 0; k < 2; k++) {
      const { token } = await api.json<{ token: string }>(url, 'POST', '/api/tokens', { session, role: 'PUBLISHER' });
      const c = await RpcClient.connect(ws);
      clients.push(c);
      await c.call('joinRoom', { token, session, platform: 'bench', metadata: '', secret: '', recorder: false });
      const { id } = await c.call<{ id: string }>('publishVideo', { sdpOffer: offer, doLoopback: false, ...VIDEO });
      pair.push({ c, streamId: id });
    }
    if (i % 2 === 0) {
      await pair[0].c.call('receiveVideoFrom', { sender: pair[1].streamId, sdpOffer: offer });
      await pair[1].c.call('receiveVideoFrom', { sender: pair[0].streamId, sdpOffer: offer });
    }
  });
  return ids;
}

async function latency(url: string, path: string): Promise<{ p50: number; p99: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < LIST_REQUESTS; i++) {
    const t0 = performance.now();
    const r = await api.call(url, 'GET', path);
    times.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    bytes = r.text.length;
  }
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: pct(0.5), p99: pct(0.99), bytes };
}

async function waitEmpty(emus: EmulatorProcess[]): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    const stats = await Promise.all(emus.map((e) => e.stats()));
    if (stats.every((s) => s.pipelines === 0 && s.objects === 0)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

interface Point {
  n: number;
  joinMs: number;
  cpuMsPerJoin: number;
  idleRss: number;
  loadedRss: number;
  rssPerParticipantKb: number;
  afterRss: number;
  lagBurst: number;
  lagList: number;
  list: number;
  one: number;
  servers: number;
  listP99: number;
  serversP99: number;
  bytes: number;
  released: boolean;
}

async function measure(n: number): Promise<Point> {
  // Emulators in processes of their own, so their CPU is not the server's nor the client's.
  const emus = await Promise.all([0, 1, 2, 3].map(() => spawnEmulator()));
  const dataDir = mkdtempSync(join(tmpdir(), 'ov-bench-scale-'));
  const { child, url, ws } = await startServerProcess(
    api,
    emus.map((e) => e.uri),
    dataDir,
    {
      // Every participant comes from this one loopback address, and the largest size passes the
      // default caps on sockets and sessions.
      WS_MAXSESSIONS: '100000',
      WS_MAXSESSIONSPERADDRESS: '100000',
      OPENVIDU_SESSIONS_MAX: '100000',
      SERVER_IDLE_GC: process.env.BENCH_SCALE_IDLE_GC === 'false' ? 'false' : 'true',
      // glibc allocator tuning (MALLOC_ARENA_MAX, MALLOC_TRIM_THRESHOLD_…) reaches the server as given.
      ...Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('MALLOC_') && !!e[1]),
      ),
    },
  );
  const clients: RpcClient[] = [];
  try {
    // Warm-up (JIT, sockets) outside the measured burst, then the idle figure of this same process.
    await burst(url, ws, 100, clients);
    await Promise.all(clients.splice(0).map((c) => c.call('leaveRoom', {}).then(() => c.close())));
    await waitEmpty(emus);
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = memory(child.pid!).rss;
    await maxLagMs(url);
    const cpu0 = cpuSeconds(child.pid!);
    const t0 = performance.now();
    const ids = await burst(url, ws, n, clients);
    const joinMs = performance.now() - t0;
    const cpuMsPerJoin = ((cpuSeconds(child.pid!) - cpu0) * 1000) / n;
    const lagBurst = await maxLagMs(url);
    const loadedRss = memory(child.pid!).rss;
    const list = await latency(url, '/api/sessions');
    const servers = await latency(url, '/pro/media-servers?sessions=true');
    const one = await latency(url, `/api/sessions/${ids[ids.length >> 1]}`);
    const lagList = await maxLagMs(url);
    await Promise.all(clients.splice(0).map((c) => c.call('leaveRoom', {}).then(() => c.close())));
    const released = await waitEmpty(emus);
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    const afterRss = memory(child.pid!).rss;
    return {
      n,
      joinMs,
      cpuMsPerJoin,
      idleRss,
      loadedRss,
      rssPerParticipantKb: ((loadedRss - idleRss) * 1024) / n,
      afterRss,
      lagBurst,
      lagList,
      list: list.p50,
      listP99: list.p99,
      servers: servers.p50,
      serversP99: servers.p99,
      one: one.p50,
      bytes: list.bytes,
      released,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    await Promise.all(emus.map((e) => e.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const points: Point[] = [];
  for (const n of SIZES) {
    const p = await measure(n);
    points.push(p);
    const prev = points.length > 1 ? points[points.length - 2] : undefined;
    const r = (f: (x: Point) => number) => (prev ? ` (×${(f(p) / f(prev)).toFixed(2)} vs ${prev.n})` : '');
    const k = n.toLocaleString('en');
    console.log(
      `N=${n}: join ${p.joinMs.toFixed(0)} ms${r((x) => x.joinMs)}, ${((n / p.joinMs) * 1000).toFixed(0)} participants/s, ` +
        `CPU ${p.cpuMsPerJoin.toFixed(2)} ms/join${r((x) => x.cpuMsPerJoin)}, RSS idle ${p.idleRss.toFixed(0)} MB, ` +
        `loaded ${p.loadedRss.toFixed(0)} MB${r((x) => x.loadedRss)} (${p.rssPerParticipantKb.toFixed(1)} KB/participant), ` +
        `after leaving + ${SETTLE_S} s ${p.afterRss.toFixed(0)} MB; max lag burst ${p.lagBurst.toFixed(0)} ms${r((x) => x.lagBurst)}, ` +
        `lists ${p.lagList.toFixed(0)} ms; GET /api/sessions p50 ${p.list.toFixed(1)} p99 ${p.listP99.toFixed(1)} ms${r((x) => x.list)} ` +
        `(${(p.bytes / 1e6).toFixed(2)} MB), /pro/media-servers?sessions=true p50 ${p.servers.toFixed(1)} p99 ${p.serversP99.toFixed(1)} ms, ` +
        `/api/sessions/<id> p50 ${p.one.toFixed(1)} ms; media released: ${p.released ? 'yes' : 'NO'}`,
    );
    report('scale', {
      figure: `N=${k}: join+publish(+subscribe) time, participants/s`,
      value: `${p.joinMs.toFixed(0)} ms, ${((n / p.joinMs) * 1000).toFixed(0)}/s`,
      baseline: prev ? `N=${prev.n}: ${prev.joinMs.toFixed(0)} ms` : '',
      ratio: prev ? p.joinMs / prev.joinMs : undefined,
      target: '≥ 500 participants/s',
      met: (n / p.joinMs) * 1000 >= 500,
    });
    report('scale', {
      figure: `N=${k}: server CPU per join`,
      value: `${p.cpuMsPerJoin.toFixed(2)} ms`,
      baseline: prev ? `N=${prev.n}: ${prev.cpuMsPerJoin.toFixed(2)} ms` : '',
      ratio: prev ? p.cpuMsPerJoin / prev.cpuMsPerJoin : undefined,
      target: '≤ 2 ms',
      met: p.cpuMsPerJoin <= 2,
    });
    report('scale', {
      figure: `N=${k}: server RSS with everyone in (per participant)`,
      value: `${p.loadedRss.toFixed(0)} MB (${p.rssPerParticipantKb.toFixed(1)} KB)`,
      baseline: `idle: ${p.idleRss.toFixed(0)} MB`,
      ratio: p.loadedRss / p.idleRss,
      target: n === 1000 ? '≤ 150 MB' : 'linear',
      met: n === 1000 ? p.loadedRss <= 150 : undefined,
    });
    report('scale', {
      figure: `N=${k}: server RSS ${SETTLE_S} s after everyone left`,
      value: `${p.afterRss.toFixed(0)} MB`,
      baseline: `idle before the burst: ${p.idleRss.toFixed(0)} MB`,
      ratio: p.afterRss / p.idleRss,
      target: '≤ 1.5× idle',
      met: p.afterRss <= p.idleRss * 1.5,
    });
    report('scale', {
      figure: `N=${k}: longest event-loop stall during the join burst`,
      value: `${p.lagBurst.toFixed(0)} ms`,
      baseline: prev ? `N=${prev.n}: ${prev.lagBurst.toFixed(0)} ms` : '',
      ratio: prev ? p.lagBurst / prev.lagBurst : undefined,
      target: '≤ 50 ms',
      met: p.lagBurst <= 50,
    });
    report('scale', {
      figure: `N=${k}: GET /api/sessions (${(p.bytes / 1e6).toFixed(2)} MB)`,
      value: `p50 ${p.list.toFixed(1)} ms, p99 ${p.listP99.toFixed(1)} ms`,
      baseline: `GET /api/sessions/<id>: p50 ${p.one.toFixed(1)} ms`,
      ratio: prev ? p.list / prev.list : undefined,
      target: n === 8000 ? 'p99 ≤ 100 ms' : '',
      met: n === 8000 ? p.listP99 <= 100 : undefined,
    });
    report('scale', {
      figure: `N=${k}: GET /pro/media-servers?sessions=true`,
      value: `p50 ${p.servers.toFixed(1)} ms, p99 ${p.serversP99.toFixed(1)} ms`,
      baseline: prev ? `N=${prev.n}: p50 ${prev.servers.toFixed(1)} ms` : '',
      ratio: prev ? p.servers / prev.servers : undefined,
      target: n === 8000 ? 'p99 ≤ 100 ms' : '',
      met: n === 8000 ? p.serversP99 <= 100 : undefined,
    });
    report('scale', {
      figure: `N=${k}: longest event-loop stall while the list routes ran`,
      value: `${p.lagList.toFixed(0)} ms`,
      target: '≤ 50 ms',
      met: p.lagList <= 50,
    });
  }
  api.close();
}

main().then(
  () => clearTimeout(deadline),
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
    clearTimeout(deadline);
  },
);
