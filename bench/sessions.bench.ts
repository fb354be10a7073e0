// Session REST throughput and latency, measured against a baseline in the same run:
//  1. GET /api/sessions/<id> (a session with 2 connections, one publishing, one subscribed) versus a
//     bare route behind the same global Basic-auth guard: our own overhead as a ratio (target ≥ 0.95).
//  2. POST /api/sessions and POST /api/tokens latency, p50/p99.
// Plain HTTP on 127.0.0.1 with an emulated media server; the runs alternate to cancel drift. < 60 s.
// Size: BENCH_SESSIONS_PAIRS alternating 2 s pairs (default 6; 3 with BENCH_QUICK=1).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/config.loader.js';
import { startKmsEmulator } from '../src/kms-emulator/index.js';
import { MediaServersService } from '../src/media-servers/media-servers.service.js';
import { startServer } from '../src/server/bootstrap.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { VIDEO } from '../test/support/fixtures.js';
import { report, size } from './report.js';

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

@Controller('bench')
class BareController {
  /** The same Session JSON, built once: the bare route pays for guard, routing and serialisation only. */
  static payload: Record<string, unknown> = {};

  @Get('bare')
  bare() {
    return BareController.payload;
  }
}

@Module({ controllers: [BareController] })
class BenchModule {}

const AUTH = `Basic ${Buffer.from('OPENVIDUAPP:MY_SECRET').toString('base64')}`;
const SECONDS = 5;
const PAIRS = size('SESSIONS_PAIRS', 6, 3);
const TARGET = 0.95;

async function run(url: string, extra: Record<string, unknown> = {}, duration = SECONDS): Promise<Result> {
  const r = await autocannon({
    url,
    connections: 10,
    duration,
    workers: 1,
    headers: { authorization: AUTH },
    ...extra,
  });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ov-bench-'));
  const emu = await startKmsEmulator({ host: '127.0.0.1' });
  const loaded = loadConfig({
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_SSL_ENABLED: 'false',
    SERVER_DATA_DIR: join(dir, 'data'),
    KMS_URIS: JSON.stringify([emu.uri]),
    // POST /api/sessions runs for seconds at full speed: more sessions than the default cap.
    OPENVIDU_SESSIONS_MAX: '1000000',
  });
  const { app, url } = await startServer(loaded, {
    module: AppModule.forRoot(loaded, { imports: [BenchModule] }),
  });
  try {
    const pool = app.get(MediaServersService);
    for (let i = 0; pool.connectedCount() === 0; i++) {
      if (i > 500) throw new Error('media server did not connect');
      await new Promise((r) => setTimeout(r, 10));
    }
    const sessions = app.get(SessionsService);
    const s = sessions.createSession();
    const token = (role: 'PUBLISHER' | 'SUBSCRIBER') => sessions.generateToken(s.sessionId, { role, data: 'd' }).token;
    const a = sessions.join(s.sessionId, { token: token('PUBLISHER'), platform: 'Chrome', clientData: 'a' });
    const b = sessions.join(s.sessionId, { token: token('SUBSCRIBER'), platform: 'Firefox', clientData: 'b' });
    const stream = sessions.publish(a, { ...VIDEO });
    sessions.subscribe(b, stream.streamId);
    BareController.payload = s.toJson();

    const bareUrl = `${url}/bench/bare`;
    const sessionUrl = `${url}/api/sessions/${s.sessionId}`;
    await run(bareUrl, {}, 2); // warm-up
    await run(sessionUrl, {}, 2);
    // Short alternating runs: a load change on the machine hits both sides alike. The client runs in
    // a worker thread; the main thread's event-loop utilisation gives the server's own time per request.
    const bare = { rps: 0, us: 0 };
    const get = { rps: 0, us: 0 };
    const ratios: number[] = [];
    const serverRatios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const pair = [];
      for (const u of [bareUrl, sessionUrl]) {
        const elu = performance.eventLoopUtilization();
        const r = await run(u, {}, 2);
        const busyMs = performance.eventLoopUtilization(elu).active;
        pair.push({ rps: r.requests.average, us: (busyMs * 1000) / r.requests.total });
      }
      const [b, g] = pair;
      bare.rps += b.rps / PAIRS;
      bare.us += b.us / PAIRS;
      get.rps += g.rps / PAIRS;
      get.us += g.us / PAIRS;
      ratios.push(g.rps / b.rps);
      serverRatios.push(b.us / g.us);
    }
    // The median of the per-pair ratios shrugs off a burst of load from elsewhere on the machine.
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const ratio = median(ratios);
    const serverRatio = median(serverRatios);

    const post = { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' } };
    const create = await run(`${url}/api/sessions`, { ...post, body: '{}' });
    const tokens = await run(`${url}/api/tokens`, {
      ...post,
      body: JSON.stringify({ session: s.sessionId, role: 'PUBLISHER', data: '', kurentoOptions: {} }),
    });

    const line = (name: string, x: { rps: number; us: number }) =>
      console.log(`${name} ${x.rps.toFixed(0)} req/s, server time ${x.us.toFixed(0)} µs/request`);
    line('GET /api/sessions/<id> (2 connections):', get);
    line('bare route, same guard:                 ', bare);
    console.log(
      `throughput ratio (median of ${PAIRS} pairs): ${ratio.toFixed(3)} (target >= ${TARGET}) ${ratio >= TARGET ? 'OK' : 'BELOW TARGET'}`,
    );
    console.log(`server-time ratio (bare/GET, client cost excluded): ${serverRatio.toFixed(3)}`);
    console.log(`POST /api/sessions latency: p50 ${create.latency.p50} ms, p99 ${create.latency.p99} ms`);
    console.log(`POST /api/tokens   latency: p50 ${tokens.latency.p50} ms, p99 ${tokens.latency.p99} ms`);
    report('sessions', {
      figure: `REST overhead: GET /api/sessions/<id> throughput (median of ${PAIRS} alternating pairs)`,
      value: `${get.rps.toFixed(0)} req/s`,
      baseline: `bare Nest route, same guard and body: ${bare.rps.toFixed(0)} req/s`,
      ratio,
      target: `≥ ${TARGET} of the bare route`,
      met: ratio >= TARGET,
    });
    report('sessions', {
      figure: 'REST overhead: server time per request (event-loop busy time)',
      value: `${get.us.toFixed(0)} µs`,
      baseline: `bare route: ${bare.us.toFixed(0)} µs`,
      ratio: serverRatio,
      target: `≥ ${TARGET} (bare/ours)`,
      met: serverRatio >= TARGET,
    });
    report('sessions', {
      figure: 'POST /api/sessions latency',
      value: `p50 ${create.latency.p50} ms, p99 ${create.latency.p99} ms (${create.requests.average.toFixed(0)} req/s)`,
    });
    report('sessions', {
      figure: 'POST /api/tokens latency',
      value: `p50 ${tokens.latency.p50} ms, p99 ${tokens.latency.p99} ms (${tokens.requests.average.toFixed(0)} req/s)`,
    });
  } finally {
    await app.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
