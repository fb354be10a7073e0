// Soak (`npm run soak`, not in CI): SOAK_MINUTES (default 10) of churn against the real app and two
// emulators — sessions created, joined, published, subscribed, signalled and left by SOAK_WORKERS
// (default 8) loops at once — then prints RSS growth and event-loop lag as JSON.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSession, createToken } from '../support/api.js';
import { boot } from '../support/boot.js';
import { rest } from '../support/http.js';
import { Peer } from '../support/rpc.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 8);
const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const h = await boot({ KMS_REQUEST_TIMEOUT: '3000', OPENVIDU_SESSIONS_GARBAGE_INTERVAL: '0' }, 2);
  let joins = 0;
  let failures = 0;
  let stop = false;
  const cycle = async () => {
    const s = await createSession(h.url);
    const a = await Peer.join(h, s, await createToken(h.url, s), 'soak-a');
    const b = await Peer.join(h, s, await createToken(h.url, s), 'soak-b');
    try {
      await a.publish();
      await b.subscribe(a.streamId);
      await b.sync();
      joins += 2;
      await b.leave();
      await a.leave();
    } finally {
      await a.rpc.close();
      await b.rpc.close();
    }
  };
  const worker = async () => {
    while (!stop) await cycle().catch(() => failures++);
  };
  // Warm-up, then the baseline.
  const warm = Date.now() + 20_000;
  const warmers = Array.from({ length: WORKERS }, async () => {
    while (Date.now() < warm) await cycle().catch(() => failures++);
  });
  await Promise.all(warmers);
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const samples: Array<{ minute: number; rssMiB: number; heapMiB: number; joins: number }> = [];
  const end = Date.now() + MINUTES * 60_000;
  const started = Date.now();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    samples.push({
      minute: Math.round((Date.now() - started) / 6000) / 10,
      rssMiB: mib(m.rss),
      heapMiB: mib(m.heapUsed),
      joins,
    });
  }, 30_000);
  const workers = Array.from({ length: WORKERS }, () => worker());
  while (Date.now() < end) await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(workers);
  clearInterval(sampler);
  lag.disable();
  await new Promise((r) => setTimeout(r, 2000));
  global.gc?.();
  const rssEnd = process.memoryUsage().rss;
  const left = (await rest(h.url, 'GET', '/api/sessions')).json<{ numberOfElements: number }>().numberOfElements;
  await h.close();
  const report = {
    minutes: MINUTES,
    workers: WORKERS,
    joins,
    failures,
    sessionsLeft: left,
    rssStartMiB: mib(rssStart),
    rssEndMiB: mib(rssEnd),
    rssGrowthMiB: mib(rssEnd - rssStart),
    rssMaxMiB: Math.max(...samples.map((s) => s.rssMiB), mib(rssEnd)),
    lagMs: {
      p50: Math.round(lag.percentile(50) / 1e5) / 10,
      p99: Math.round(lag.percentile(99) / 1e5) / 10,
      max: Math.round(lag.max / 1e5) / 10,
    },
    samples,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
