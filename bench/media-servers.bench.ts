// Media-server pool figures (issue 4), all against in-process emulators on 127.0.0.1:
//  1. detection time of a down and of a hung server, and reconnection time (median, max; 20 trials each),
//     measured from the fault to the pool's media-server.* event, default liveness (200 ms / 600 ms);
//  2. burst placement: 1,000 sessions at once over 4 servers, max/min load per strategy;
//  3. GET /pro/media-servers?load=true latency with 10 servers and 1,000 hosted sessions, against
//     GET /health/live in the same run (ratio). Stops by itself in well under 60 s.
// Size: BENCH_MEDIA_SERVERS_TRIALS fault trials (default 20; 8 with BENCH_QUICK=1).
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { LOAD_STRATEGIES } from '../src/config/config.schema.js';
import { loadConfig } from '../src/config/config.loader.js';
import { type KmsEmulator, startKmsEmulator } from '../src/kms-emulator/index.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  type MediaServerEvent,
} from '../src/media-servers/media-server.events.js';
import { MediaServersService } from '../src/media-servers/media-servers.service.js';
import type { HostedSession } from '../src/media-servers/placement.js';
import { startServer } from '../src/server/bootstrap.js';
import { report, size } from './report.js';

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SECRET = 'BENCH_SECRET';
const AUTH = `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')}`;
const TRIALS = size('MEDIA_SERVERS_TRIALS', 20, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Booted {
  app: INestApplication;
  url: string;
  pool: MediaServersService;
  bus: EventEmitter2;
  close(): Promise<void>;
}

async function boot(uris: string[], env: Record<string, string> = {}): Promise<Booted> {
  const dir = mkdtempSync(join(tmpdir(), 'ov-ms-bench-'));
  const loaded = loadConfig({
    SERVER_ADDRESS: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_SSL_ENABLED: 'false',
    SERVER_DATA_DIR: dir,
    OPENVIDU_SECRET: SECRET,
    OPENVIDU_PRO_CLUSTER: 'true',
    KMS_URIS: JSON.stringify(uris),
    ...env,
  });
  const { app, url } = await startServer(loaded);
  const pool = app.get(MediaServersService);
  const deadline = Date.now() + 5000;
  while (pool.connectedCount() < uris.length && Date.now() < deadline) await sleep(10);
  return {
    app,
    url,
    pool,
    bus: app.get(EventEmitter2),
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ms from `fault()` to the pool emitting `event` for `uri`. */
function timeTo(b: Booted, event: string, uri: string, fault: () => unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    let t0 = 0;
    const timer = setTimeout(() => reject(new Error(`${event} not seen within 5 s`)), 5000);
    const on = (e: MediaServerEvent) => {
      if (e.uri !== uri) return;
      clearTimeout(timer);
      b.bus.off(event, on);
      resolve(performance.now() - t0);
    };
    b.bus.on(event, on);
    t0 = performance.now();
    void fault();
  });
}

function medianMax(xs: number[]): { median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, max: s[s.length - 1] };
}

function stats(xs: number[]): string {
  const { median, max } = medianMax(xs);
  return `median ${median.toFixed(0)} ms, max ${max.toFixed(0)} ms (n=${xs.length})`;
}

function reportFault(figure: string, xs: number[]): void {
  const { median, max } = medianMax(xs);
  report('media-servers', {
    figure,
    value: `median ${median.toFixed(0)} ms, max ${max.toFixed(0)} ms (n=${xs.length})`,
    target: '≤ 1000 ms',
    met: max <= 1000,
  });
}

async function detection(b: Booted, emu: KmsEmulator): Promise<void> {
  const down: number[] = [];
  const downBack: number[] = [];
  const hang: number[] = [];
  const hangBack: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    down.push(await timeTo(b, MEDIA_SERVER_DISCONNECTED, emu.uri, () => emu.down()));
    await sleep(50 + (i % 5) * 37); // vary the phase against the probe's 200 ms period
    downBack.push(await timeTo(b, MEDIA_SERVER_CONNECTED, emu.uri, () => emu.up()));
    await sleep(50 + (i % 5) * 37);
  }
  for (let i = 0; i < TRIALS; i++) {
    hang.push(await timeTo(b, MEDIA_SERVER_DISCONNECTED, emu.uri, () => emu.hang(true)));
    await sleep(50 + (i % 5) * 37);
    hangBack.push(await timeTo(b, MEDIA_SERVER_CONNECTED, emu.uri, () => emu.hang(false)));
    await sleep(50 + (i % 5) * 37);
  }
  console.log(`down detected:           ${stats(down)}   (goal ≤ 1000 ms)`);
  console.log(`hang detected:           ${stats(hang)}   (goal ≤ 1000 ms)`);
  console.log(`reconnected after down:  ${stats(downBack)}   (goal ≤ 1000 ms)`);
  console.log(`reconnected after hang:  ${stats(hangBack)}   (goal ≤ 1000 ms)`);
  reportFault('down media server detected (default liveness 200 ms / 600 ms)', down);
  reportFault('hung media server detected', hang);
  reportFault('reconnected after down', downBack);
  reportFault('reconnected after hang', hangBack);
}

async function burst(emus: KmsEmulator[]): Promise<void> {
  for (const strategy of LOAD_STRATEGIES) {
    const b = await boot(
      emus.map((e) => e.uri),
      { OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: strategy },
    );
    try {
      await sleep(1100); // one default sampling period, so cpu/mediaObjects start from real figures
      const t0 = performance.now();
      const placements = Array.from({ length: 1000 }, (_, i) => b.pool.place(`burst_${i}`));
      const us = ((performance.now() - t0) * 1000) / placements.length;
      const loads = b.pool.list().map((s) => s.load);
      const counts = b.pool.list().map((s) => placements.filter((p) => p.mediaServerId === s.id).length);
      report('media-servers', {
        figure: `burst placement, 1,000 sessions over 4 servers, strategy ${strategy}`,
        value: `max/min sessions ${(Math.max(...counts) / Math.min(...counts)).toFixed(3)} (${counts.join('/')}), place() ${us.toFixed(1)} µs`,
      });
      console.log(
        `burst ${strategy.padEnd(12)} loads ${loads.map((l) => l.toFixed(1)).join('/')}  max/min ${(
          Math.max(...loads) / Math.min(...loads)
        ).toFixed(3)}  sessions ${counts.join('/')}  place() ${us.toFixed(1)} µs`,
      );
      for (const p of placements) p.release();
    } finally {
      await b.close();
    }
  }
}

class BenchSession implements HostedSession {
  constructor(readonly sessionId: string) {}
  streamCount(): number {
    return 3;
  }
  toJson(): Record<string, unknown> {
    return { sessionId: this.sessionId };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function routeLatency(b: Booted): Promise<void> {
  for (let i = 0; i < 1000; i++) b.pool.place(`lat_${i}`).attach(new BenchSession(`lat_${i}`));
  const run = async (path: string) => {
    const r = await autocannon({
      url: `${b.url}${path}`,
      connections: 10,
      duration: 3,
      headers: { authorization: AUTH },
    });
    if (r.non2xx || r.errors) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r;
  };
  await run('/health/live'); // warm-up
  const live: Result[] = [];
  const load: Result[] = [];
  for (let i = 0; i < 2; i++) {
    live.push(await run('/health/live'));
    load.push(await run('/pro/media-servers?load=true'));
  }
  const avg = (rs: Result[], f: (r: Result) => number) => rs.reduce((n, r) => n + f(r), 0) / rs.length;
  const line = (name: string, rs: Result[]) =>
    `${name} p50 ${avg(rs, (r) => r.latency.p50).toFixed(2)} ms, p99 ${avg(rs, (r) => r.latency.p99).toFixed(2)} ms, ` +
    `${avg(rs, (r) => r.requests.average).toFixed(0)} req/s`;
  console.log(line('GET /health/live                 ', live));
  console.log(line('GET /pro/media-servers?load=true ', load));
  console.log(
    `ratio (media-servers / live): latency ${(avg(load, (r) => r.latency.average) / avg(live, (r) => r.latency.average)).toFixed(2)}, ` +
      `throughput ${(avg(load, (r) => r.requests.average) / avg(live, (r) => r.requests.average)).toFixed(2)}  ` +
      `(10 servers, 1,000 hosted sessions)`,
  );
  const ms = (rs: Result[]) =>
    `p50 ${avg(rs, (r) => r.latency.p50).toFixed(2)} ms, p99 ${avg(rs, (r) => r.latency.p99).toFixed(2)} ms`;
  report('media-servers', {
    figure: 'GET /pro/media-servers?load=true, 10 servers, 1,000 hosted sessions',
    value: `${ms(load)}, ${avg(load, (r) => r.requests.average).toFixed(0)} req/s`,
    baseline: `GET /health/live: ${ms(live)}, ${avg(live, (r) => r.requests.average).toFixed(0)} req/s`,
    ratio: avg(load, (r) => r.requests.average) / avg(live, (r) => r.requests.average),
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const emus = await Promise.all(Array.from({ length: 10 }, () => startKmsEmulator({ host: '127.0.0.1' })));
  try {
    const b = await boot(emus.map((e) => e.uri));
    try {
      if (b.pool.connectedCount() !== 10) throw new Error('not every emulator connected');
      await detection(b, emus[0]);
      await routeLatency(b);
    } finally {
      await b.close();
    }
    await burst(emus.slice(0, 4));
  } finally {
    await Promise.all(emus.map((e) => e.close()));
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
