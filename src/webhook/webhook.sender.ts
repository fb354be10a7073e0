import type { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Agent, fetch } from 'undici';

export interface WebhookTarget {
  endpoint: string;
  /** Sent as given, then `Content-Type: application/json`. */
  headers: [string, string][];
}

export interface WebhookTuning {
  queueSize: number;
  /** Per request, connect to end of body. */
  timeoutMs: number;
  /** Attempts per event, the first one included; 0 counts as 1 (send once, OpenVidu 2.11's behaviour). */
  maxAttempts: number;
  /** Wait after the first failure; doubles after each further one. */
  initialDelayMs: number;
}

/** The HTTP side of delivery, replaceable so the queue and retry logic can be tested without sockets. */
export interface WebhookHttp {
  /** One POST; resolves with the status once the body is read, rejects on a network error or abort. */
  post(endpoint: string, headers: Headers, body: string, signal: AbortSignal): Promise<number>;
  /** Releases the connections. */
  close(): Promise<void>;
}

/** undici with its own connection pool. OpenVidu's sender trusts every certificate: webhook receivers often use self-signed ones. */
export class UndiciWebhookHttp implements WebhookHttp {
  private readonly dispatcher = new Agent({ connect: { rejectUnauthorized: false } });

  async post(endpoint: string, headers: Headers, body: string, signal: AbortSignal): Promise<number> {
    const res = await fetch(endpoint, { method: 'POST', headers, body, signal, dispatcher: this.dispatcher });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

/** What WebhookService and the metrics use of a sender. */
export interface WebhookQueue {
  readonly queued: number;
  readonly counters: Readonly<WebhookCounters>;
  setTarget(target: WebhookTarget | null): void;
  setTuning(tuning: WebhookTuning): void;
  enqueue(event: string, body: string): boolean;
  drain(maxWaitMs: number): Promise<void>;
  close(): void;
}

export interface WebhookCounters {
  delivered: number;
  dropped: number;
  failed: number;
  retries: number;
}

interface Pending {
  event: string;
  body: string;
  attempts: number;
  /** Sent as `X-Event-Id`, the same on every attempt, so a receiver can drop a duplicate delivery. */
  id: string;
}

/** The header carrying an event's unique id. */
export const EVENT_ID_HEADER = 'X-Event-Id';

const MAX_BACKOFF_MS = 60_000;
const DROP_LOG_EVERY_MS = 5_000;

/**
 * Delivers webhook events one at a time, in order, from a bounded queue. Nothing here blocks the
 * caller: `enqueue` only appends. Non-2xx answers and network errors are retried with exponential
 * backoff; an event that exhausts its attempts, or that finds the queue full, is dropped with a
 * log line. The target can change at any time (config reload): queued events go to the new one.
 */
export class WebhookSender implements WebhookQueue {
  private readonly queue: Pending[] = [];
  private target: WebhookTarget | null = null;
  private running = false;
  private closed = false;
  private readonly abort = new AbortController();
  private sleepTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private idleWaiters: (() => void)[] = [];
  private droppedSinceLog = 0;
  private lastDropLog = 0;
  readonly counters: WebhookCounters = { delivered: 0, dropped: 0, failed: 0, retries: 0 };

  constructor(
    private tuning: WebhookTuning,
    private readonly logger: LoggerService,
    private readonly http: WebhookHttp = new UndiciWebhookHttp(),
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  setTarget(target: WebhookTarget | null): void {
    this.target = target;
    if (!target) return;
    // The new target may be reachable now: cut a backoff wait short.
    if (this.running) this.stopSleeping();
    else this.start();
  }

  setTuning(tuning: WebhookTuning): void {
    this.tuning = tuning;
  }

  /** Accepts the event unless the queue is full; never waits. */
  enqueue(event: string, body: string): boolean {
    if (this.closed) return false;
    if (this.queue.length >= this.tuning.queueSize) {
      this.counters.dropped++;
      this.droppedSinceLog++;
      const now = Date.now();
      if (now - this.lastDropLog >= DROP_LOG_EVERY_MS) {
        this.logger.warn(
          `Webhook queue full (${this.tuning.queueSize} events): dropped ${this.droppedSinceLog} event(s), latest ${event}`,
        );
        this.lastDropLog = now;
        this.droppedSinceLog = 0;
      }
      return false;
    }
    if (this.droppedSinceLog > 0) {
      this.logger.warn(`Webhook queue accepting again; ${this.droppedSinceLog} more event(s) were dropped meanwhile`);
      this.droppedSinceLog = 0;
    }
    this.queue.push({ event, body, attempts: 0, id: randomUUID() });
    if (!this.running) this.start();
    return true;
  }

  /** Resolves when the queue is empty, or after `maxWaitMs`. */
  async drain(maxWaitMs: number): Promise<void> {
    if (!this.queue.length && !this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((r) => this.idleWaiters.push(r)),
      new Promise<void>((r) => (timer = setTimeout(r, maxWaitMs))),
    ]);
    clearTimeout(timer);
  }

  /** Stops for good: aborts the request in flight and clears every timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.queue.length) this.logger.warn(`Webhook stopped with ${this.queue.length} undelivered event(s)`);
    this.abort.abort();
    void this.http.close().catch(() => undefined);
    this.stopSleeping();
    this.notifyIdle();
  }

  private start(): void {
    if (!this.closed && this.target && this.queue.length) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.target && this.queue.length) {
        const item = this.queue[0];
        const target = this.target;
        const error = await this.send(target, item);
        if (this.closed) break;
        if (!error) {
          this.queue.shift();
          this.counters.delivered++;
          continue;
        }
        item.attempts++;
        if (item.attempts >= Math.max(1, this.tuning.maxAttempts)) {
          this.queue.shift();
          this.counters.failed++;
          this.logger.error(
            `Webhook event ${item.event} dropped after ${item.attempts} attempt(s) to ${target.endpoint}: ${error}`,
          );
          continue;
        }
        const delay = Math.min(this.tuning.initialDelayMs * 2 ** (item.attempts - 1), MAX_BACKOFF_MS);
        this.counters.retries++;
        this.logger.warn(
          `Webhook event ${item.event} to ${target.endpoint} failed (${error}); retrying in ${delay} ms`,
        );
        await this.sleep(delay);
      }
    } finally {
      this.running = false;
      if (!this.queue.length || this.closed) this.notifyIdle();
    }
  }

  /** One POST; returns why it failed, or null on a 2xx. */
  private async send(target: WebhookTarget, item: Pending): Promise<string | null> {
    const headers = new Headers();
    for (const [name, value] of target.headers) headers.set(name, value);
    headers.set('Content-Type', 'application/json');
    headers.set(EVENT_ID_HEADER, item.id);
    // A timer of our own rather than AbortSignal.timeout, so it is cleared at once after the answer.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.tuning.timeoutMs);
    try {
      const status = await this.http.post(
        target.endpoint,
        headers,
        item.body,
        AbortSignal.any([this.abort.signal, timeout.signal]),
      );
      return status >= 200 && status < 300 ? null : `HTTP ${status}`;
    } catch (e) {
      if (timeout.signal.aborted) return `no answer within ${this.tuning.timeoutMs} ms`;
      const err = e as Error & { cause?: { code?: string } };
      return err.cause?.code ?? err.message;
    } finally {
      clearTimeout(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(() => this.stopSleeping(), ms);
    });
  }

  private stopSleeping(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
