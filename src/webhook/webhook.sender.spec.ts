import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebhookSender, type WebhookTuning } from './webhook.sender.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

class Log {
  readonly lines: string[] = [];
  log = (m: unknown) => this.lines.push(`log ${String(m)}`);
  warn = (m: unknown) => this.lines.push(`warn ${String(m)}`);
  error = (m: unknown) => this.lines.push(`error ${String(m)}`);
}

const TUNING: WebhookTuning = { queueSize: 100, timeoutMs: 5000, maxAttempts: 5, initialDelayMs: 5 };

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

void describe('WebhookSender', () => {
  let server: Server | null = null;
  let sender: WebhookSender | null = null;

  async function serve(handler: Handler): Promise<string> {
    let n = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => handler(req, res, ++n));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  }

  afterEach(async () => {
    sender?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
    sender = null;
  });

  void it('retries an attempt that gets no answer within the timeout', async () => {
    const url = await serve((_req, res, n) => {
      if (n > 1) res.writeHead(204).end(); // the first request is never answered
    });
    const log = new Log();
    sender = new WebhookSender({ ...TUNING, timeoutMs: 300 }, log);
    sender.setTarget({ endpoint: url, headers: [] });
    sender.enqueue('sessionCreated', '{}');
    await until(() => sender!.counters.delivered === 1, 'delivery');
    // At least the unanswered attempt was retried (a loaded machine may time out a later one too).
    assert.ok(sender.counters.retries >= 1);
    assert.ok(log.lines.some((l) => l.startsWith('warn') && l.includes('no answer within 300 ms')));
  });

  void it('gives an event up after max-attempts, logs it, and goes on with the next', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(String(req.headers['x-n']));
      res.writeHead(500).end();
    });
    const log = new Log();
    sender = new WebhookSender({ ...TUNING, maxAttempts: 3 }, log);
    sender.setTarget({ endpoint: url, headers: [['X-N', '1']] });
    sender.enqueue('a', '{}');
    sender.enqueue('b', '{}');
    await until(() => sender!.counters.failed === 2, 'both events given up');
    assert.equal(seen.length, 6);
    assert.ok(log.lines.some((l) => l.startsWith('error') && l.includes('a dropped after 3 attempt(s)')));
    assert.equal(sender.queued, 0);
  });

  void it('network errors are retried like non-2xx answers', async () => {
    const log = new Log();
    sender = new WebhookSender({ ...TUNING, maxAttempts: 2 }, log);
    // A port that was just free: connection refused.
    const url = await serve(() => undefined);
    await new Promise<void>((r) => server!.close(() => r()));
    server = null;
    sender.setTarget({ endpoint: url, headers: [] });
    sender.enqueue('x', '{}');
    await until(() => sender!.counters.failed === 1, 'the event given up');
    assert.equal(sender.counters.retries, 1);
    assert.ok(log.lines.some((l) => l.includes('ECONNREFUSED')));
  });

  void it('a full queue refuses events with one log line per burst', () => {
    const log = new Log();
    sender = new WebhookSender({ ...TUNING, queueSize: 2 }, log);
    // No target yet: nothing is sent, the queue only fills.
    assert.equal(sender.enqueue('e1', '{}'), true);
    assert.equal(sender.enqueue('e2', '{}'), true);
    for (let i = 0; i < 10; i++) assert.equal(sender.enqueue(`x${i}`, '{}'), false);
    assert.equal(sender.counters.dropped, 10);
    const warns = log.lines.filter((l) => l.startsWith('warn'));
    assert.deepEqual(warns, ['warn Webhook queue full (2 events): dropped 1 event(s), latest x0']);
  });

  void it('close() aborts the request in flight and releases everything', async () => {
    let aborted = false;
    let received = false;
    const url = await serve((req) => {
      received = true;
      req.socket.on('close', () => (aborted = true));
    });
    const log = new Log();
    sender = new WebhookSender(TUNING, log);
    sender.setTarget({ endpoint: url, headers: [] });
    sender.enqueue('held', '{}');
    await until(() => received, 'the request');
    sender.close();
    await until(() => aborted, 'the held request to be cut');
    assert.equal(sender.enqueue('late', '{}'), false);
    assert.ok(log.lines.some((l) => l.includes('stopped with 1 undelivered event(s)')));
  });

  void it('sends an event once when maxAttempts is 0, and keeps its X-Event-Id across retries', async () => {
    const seen: Array<{ n: number; id: string | undefined }> = [];
    const url = await serve((req, res, n) => {
      seen.push({ n, id: req.headers['x-event-id'] as string | undefined });
      res.writeHead(n <= 2 ? 500 : 204).end();
    });
    sender = new WebhookSender({ ...TUNING, maxAttempts: 0 }, new Log());
    sender.setTarget({ endpoint: url, headers: [] });
    sender.enqueue('sessionCreated', '{}');
    await until(() => sender!.counters.failed === 1, 'the event given up after one attempt');
    assert.equal(seen.length, 1);
    sender.setTuning({ ...TUNING, maxAttempts: 3 });
    sender.enqueue('participantJoined', '{}');
    await until(() => sender!.counters.delivered === 1, 'the retried event delivered');
    assert.equal(seen.length, 3);
    assert.equal(seen[1].id, seen[2].id, 'a retry carries the same id');
    assert.notEqual(seen[0].id, seen[1].id, 'another event, another id');
  });
});
