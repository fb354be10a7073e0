// Throughput of the KMS emulator for create(MediaPipeline) + create(WebRtcEndpoint) + invoke(processOffer) +
// release cycles, against a baseline measured in the same run: a bare `ws` server that only parses and
// stringifies JSON. Each server runs alone in a worker thread (one core); the clients share the main thread.
// Run: node dist/bench/kms-emulator.bench.js [clients] [seconds]
// Size: BENCH_EMULATOR_CLIENTS (default 32), BENCH_EMULATOR_SECONDS (default 4; 2 with BENCH_QUICK=1).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import { startKmsEmulator } from '../src/kms-emulator/index.js';
import { BROWSER_OFFER as OFFER } from '../test/support/sdp.js';
import { report, size } from './report.js';

type Kind = 'emulator' | 'echo';

// ---- server side (worker thread) ----

async function serve(kind: Kind): Promise<void> {
  if (kind === 'emulator') {
    const emu = await startKmsEmulator();
    parentPort!.postMessage({ port: emu.port });
    parentPort!.once('message', () => void emu.close().then(() => process.exit(0)));
    return;
  }
  // Baseline: the least a JSON-RPC server can do per request.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const req = JSON.parse(data.toString()) as { id: number };
      ws.send(JSON.stringify({ id: req.id, jsonrpc: '2.0', result: { sessionId: 'baseline', value: 'x/y' } }));
    });
  });
  await new Promise((r) => wss.once('listening', r));
  parentPort!.postMessage({ port: (wss.address() as { port: number }).port });
  parentPort!.once('message', () => wss.close(() => process.exit(0)));
}

// ---- client side (main thread) ----

interface PhaseResult {
  kind: Kind;
  requests: number;
  cycles: number;
  seconds: number;
  p50: number;
  p99: number;
}

class CycleClient {
  private id = 0;
  private pending: ((r: Record<string, unknown>) => void) | undefined;
  private sentAt = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly onLatency: (ms: number) => void,
  ) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { result?: Record<string, unknown>; error?: unknown };
      if (msg.error) throw new Error(`bench request failed: ${JSON.stringify(msg.error)}`);
      this.onLatency(performance.now() - this.sentAt);
      const p = this.pending;
      this.pending = undefined;
      p?.(msg.result ?? {});
    });
  }

  private call(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.sentAt = performance.now();
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }));
    });
  }

  async cycle(): Promise<void> {
    const p = (await this.call('create', { type: 'MediaPipeline', constructorParams: {}, properties: {} }))
      .value as string;
    const ep = (await this.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: p } }))
      .value as string;
    await this.call('invoke', { object: ep, operation: 'processOffer', operationParams: { offer: OFFER } });
    await this.call('release', { object: p });
  }
}

async function phase(kind: Kind, clients: number, seconds: number): Promise<PhaseResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { kind } });
  const { port } = await new Promise<{ port: number }>((r) => worker.once('message', r));
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/kurento`);
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  let measuring = false;
  let requests = 0;
  let cycles = 0;
  const latencies: number[] = [];
  const onLatency = (ms: number): void => {
    if (!measuring) return;
    requests++;
    if (latencies.length < 200_000) latencies.push(ms);
  };
  const warmupEnd = Date.now() + 500;
  const end = warmupEnd + seconds * 1000;
  let started = 0;
  const loops = sockets.map(async (ws) => {
    const c = new CycleClient(ws, onLatency);
    while (Date.now() < end) {
      if (!measuring && Date.now() >= warmupEnd) {
        measuring = true;
        started = performance.now();
      }
      await c.cycle();
      if (measuring) cycles++;
    }
  });
  await Promise.all(loops);
  const elapsed = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  const exited = new Promise((r) => worker.once('exit', r));
  worker.postMessage('stop');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  await worker.terminate();
  latencies.sort((a, b) => a - b);
  const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { kind, requests, cycles, seconds: elapsed, p50: pct(0.5), p99: pct(0.99) };
}

async function main(): Promise<void> {
  const clients = process.argv[2] ? Number(process.argv[2]) : size('EMULATOR_CLIENTS', 32, 32);
  const seconds = process.argv[3] ? Number(process.argv[3]) : size('EMULATOR_SECONDS', 4, 2);
  const baseline = await phase('echo', clients, seconds);
  const emulator = await phase('emulator', clients, seconds);
  const rps = (r: PhaseResult): number => r.requests / r.seconds;
  for (const r of [baseline, emulator]) {
    console.log(
      `${r.kind.padEnd(8)} ${rps(r).toFixed(0).padStart(7)} req/s  ${(r.cycles / r.seconds).toFixed(0).padStart(6)} cycles/s` +
        `  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.requests} requests in ${r.seconds.toFixed(1)} s)`,
    );
  }
  const ratio = rps(emulator) / rps(baseline);
  console.log(
    `SUMMARY kms-emulator: ${rps(emulator).toFixed(0)} req/s (create+create+processOffer+release, ${clients} clients, ` +
      `server on one thread) = ${(ratio * 100).toFixed(0)}% of a bare ws JSON echo (${rps(baseline).toFixed(0)} req/s); ` +
      `target >= 5000 req/s: ${rps(emulator) >= 5000 ? 'MET' : 'NOT MET'}`,
  );
  report('kms-emulator', {
    figure: `emulator throughput, create+create+processOffer+release cycles, ${clients} clients, one thread`,
    value: `${rps(emulator).toFixed(0)} req/s (p50 ${emulator.p50.toFixed(2)} ms, p99 ${emulator.p99.toFixed(2)} ms)`,
    baseline: `bare ws JSON echo: ${rps(baseline).toFixed(0)} req/s`,
    ratio,
    target: '≥ 5000 req/s',
    met: rps(emulator) >= 5000,
  });
}

if (isMainThread) {
  const guard = setTimeout(() => {
    console.error('kms-emulator bench: giving up after 28 s');
    process.exit(2);
  }, 28_000);
  guard.unref();
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  void serve((workerData as { kind: Kind }).kind);
}
