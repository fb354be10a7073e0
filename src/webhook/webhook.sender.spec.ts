import { afterEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebhookSender, type WebhookHttp, type WebhookTuning } from './webhook.sender.js';

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

/** A scripted receiver: each post waits until the test answers it with a status or an error. */
class FakeHttp implements WebhookHttp {
  readonly posts: { endpoint: string; headers: Headers; body: string; signal: AbortSignal; at: number }[] = [];
  private readonly answers: { resolve: (status: number) => void; reject: (e: Error) => void }[] = [];
  closed = false;

  post(endpoint: string, headers: Headers, body: string, signal: AbortSignal): Promise<number> {
    this.posts.push({ endpoint, headers, body, signal, at: Date.now() });
    return new Promise<number>((resolve, reject) => {
      this.answers.push({ resolve, reject });
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }

  /** Answers the oldest post still waiting. */
  answer(status: number | Error): void {
    const next = this.answers.shift();
    assert.ok(next, 'a post is waiting');
    if (typeof status === 'number') next.resolve(status);
    else next.reject(status);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Lets the sender's promise chain run (setImmediate is not mocked). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

void describe('WebhookSender with mock timers', () => {
  let sender: WebhookSender | null = null;
  afterEach(() => {
    sender?.close();
    sender = null;
    mock.timers.reset();
  });

  function start(tuning: Partial<WebhookTuning> = {}) {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const http = new FakeHttp();
    const log = new Log();
    sender = new WebhookSender({ ...TUNING, initialDelayMs: 100, ...tuning }, log, http);
    sender.setTarget({ endpoint: 'http://receiver/hook', headers: [['Authorization', 'Basic x']] });
    return { http, log, sender };
  }

  void it('retries after initial-delay, doubling each time, with the same X-Event-Id, until a 2xx', async () => {
    const { http, sender } = start({ maxAttempts: 4 });
    sender.enqueue('sessionCreated', '{"a":1}');
    await settle();
    assert.equal(http.posts.length, 1);
    http.answer(500);
    await settle();
    mock.timers.tick(99);
    await settle();
    assert.equal(http.posts.length, 1, 'nothing before initial-delay');
    mock.timers.tick(1);
    await settle();
    assert.equal(http.posts.length, 2);
    http.answer(new Error('ECONNRESET'));
    await settle();
    mock.timers.tick(199);
    await settle();
    assert.equal(http.posts.length, 2, 'the second wait is twice the first');
    mock.timers.tick(1);
    await settle();
    assert.equal(http.posts.length, 3);
    http.answer(204);
    await settle();
    assert.deepEqual(sender.counters, { delivered: 1, dropped: 0, failed: 0, retries: 2 });
    assert.deepEqual(
      http.posts.map((p) => p.at - 1_000_000),
      [0, 100, 300],
    );
    const ids = http.posts.map((p) => p.headers.get('x-event-id'));
    assert.ok(ids[0]);
    assert.deepEqual(ids, [ids[0], ids[0], ids[0]]);
    const h = http.posts[0].headers;
    assert.equal(h.get('authorization'), 'Basic x');
    assert.equal(h.get('content-type'), 'application/json');
    assert.equal(http.posts[0].body, '{"a":1}');
    assert.equal(sender.queued, 0);
  });

  void it('max-attempts=0 sends once and goes straight on with the next event', async () => {
    const { http, sender, log } = start({ maxAttempts: 0 });
    sender.enqueue('a', '{}');
    sender.enqueue('b', '{}');
    await settle();
    http.answer(503);
    await settle();
    assert.equal(http.posts.length, 2, 'b is sent without waiting for any backoff');
    assert.notEqual(http.posts[0].headers.get('x-event-id'), http.posts[1].headers.get('x-event-id'));
    http.answer(200);
    await settle();
    mock.timers.tick(60_000);
    await settle();
    assert.equal(http.posts.length, 2, 'a is never sent again');
    assert.deepEqual(sender.counters, { delivered: 1, dropped: 0, failed: 1, retries: 0 });
    assert.ok(
      log.lines.some((l) => l === 'error Webhook event a dropped after 1 attempt(s) to http://receiver/hook: HTTP 503'),
    );
  });

  void it('an attempt without an answer within the timeout is aborted and retried', async () => {
    const { http, sender, log } = start({ timeoutMs: 1000, maxAttempts: 2 });
    sender.enqueue('a', '{}');
    await settle();
    mock.timers.tick(999);
    await settle();
    assert.equal(http.posts[0].signal.aborted, false);
    mock.timers.tick(1);
    await settle();
    assert.equal(http.posts[0].signal.aborted, true);
    assert.ok(
      log.lines.some(
        (l) => l.startsWith('warn') && l.includes('failed (no answer within 1000 ms); retrying in 100 ms'),
      ),
    );
    mock.timers.tick(100);
    await settle();
    assert.equal(http.posts.length, 2);
  });

  void it('the backoff stops growing at 60 s', async () => {
    const { http, sender } = start({ maxAttempts: 20, initialDelayMs: 20_000 });
    sender.enqueue('a', '{}');
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await settle();
      const from = Date.now();
      http.answer(500);
      await settle();
      let waited = 0;
      while (http.posts.length === i + 1) {
        mock.timers.tick(1000);
        waited += 1000;
        await settle();
        assert.ok(waited <= 120_000, 'retried within two minutes');
      }
      waits.push(http.posts[i + 1].at - from);
    }
    assert.deepEqual(waits, [20_000, 40_000, 60_000, 60_000]);
  });

  void it('the queue holds queue-size events, the one in flight included, and accepts again once one is out', async () => {
    const { http, sender, log } = start({ queueSize: 3 });
    assert.equal(sender.enqueue('e1', '{}'), true);
    await settle();
    assert.equal(sender.enqueue('e2', '{}'), true);
    assert.equal(sender.enqueue('e3', '{}'), true);
    assert.equal(sender.enqueue('e4', '{}'), false);
    assert.equal(sender.enqueue('e5', '{}'), false);
    assert.equal(sender.queued, 3);
    http.answer(200);
    await settle();
    assert.equal(sender.enqueue('e6', '{}'), true);
    assert.deepEqual(
      log.lines.filter((l) => l.startsWith('warn')),
      [
        'warn Webhook queue full (3 events): dropped 1 event(s), latest e4',
        'warn Webhook queue accepting again; 1 more event(s) were dropped meanwhile',
      ],
    );
    assert.equal(sender.counters.dropped, 2);
  });

  void it('a new target cuts a backoff wait short and gets the retry', async () => {
    const { http, sender } = start({ initialDelayMs: 30_000 });
    sender.enqueue('a', '{}');
    await settle();
    http.answer(500);
    await settle();
    sender.setTarget({ endpoint: 'http://other/hook', headers: [] });
    await settle();
    assert.equal(http.posts.length, 2);
    assert.equal(http.posts[1].endpoint, 'http://other/hook');
    assert.equal(http.posts[1].headers.get('authorization'), null, 'the old headers do not follow');
    assert.equal(http.posts[1].headers.get('x-event-id'), http.posts[0].headers.get('x-event-id'));
  });

  void it('close() during a backoff releases the timer, the connections and a pending drain', async () => {
    const { http, sender } = start({ initialDelayMs: 30_000 });
    sender.enqueue('a', '{}');
    await settle();
    http.answer(500);
    await settle();
    let drained = false;
    void sender.drain(120_000).then(() => (drained = true));
    sender.close();
    await settle();
    assert.equal(drained, true);
    assert.equal(http.closed, true);
    mock.timers.tick(60_000);
    await settle();
    assert.equal(http.posts.length, 1, 'no retry after close');
  });
});

void describe('WebhookSender timers (real clock)', () => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  void it('holds no timer once idle, and none after close() cut a backoff short', async () => {
    const before = timeouts();
    const http = new FakeHttp();
    const sender = new WebhookSender({ ...TUNING, initialDelayMs: 60_000 }, new Log(), http);
    sender.setTarget({ endpoint: 'http://receiver/hook', headers: [] });
    sender.enqueue('a', '{}');
    await settle();
    assert.equal(timeouts(), before + 1, 'the request timeout');
    http.answer(204);
    await settle();
    assert.equal(timeouts(), before, 'idle: nothing left');
    sender.enqueue('b', '{}');
    await settle();
    http.answer(500);
    await settle();
    assert.equal(timeouts(), before + 1, 'the backoff');
    sender.close();
    assert.equal(timeouts(), before);
  });
});
