import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { webhookBody, type CdrRecord } from '../cdr/cdr-events.js';
import { ConfigFileRepository } from '../config/config-file.repository.js';
import { loadConfig } from '../config/config.loader.js';
import { CONFIG_UPDATED, OpenViduConfigService, type ConfigUpdatedEvent } from '../config/config.service.js';
import type { WebhookCounters, WebhookQueue, WebhookTarget, WebhookTuning } from './webhook.sender.js';
import { WebhookService, type WebhookSenderFactory } from './webhook.service.js';

/** Records what the service asks of its sender. */
class FakeSender implements WebhookQueue {
  readonly enqueued: { event: string; body: string }[] = [];
  readonly targets: (WebhookTarget | null)[] = [];
  readonly tunings: WebhookTuning[] = [];
  readonly drains: number[] = [];
  closed = false;
  readonly counters: WebhookCounters = { delivered: 0, dropped: 0, failed: 0, retries: 0 };

  constructor(
    tuning: WebhookTuning,
    readonly logger: LoggerService,
  ) {
    this.tunings.push(tuning);
  }

  get queued(): number {
    return this.enqueued.length;
  }
  setTarget(target: WebhookTarget | null): void {
    this.targets.push(target);
  }
  setTuning(tuning: WebhookTuning): void {
    this.tunings.push(tuning);
  }
  enqueue(event: string, body: string): boolean {
    this.enqueued.push({ event, body });
    return true;
  }
  drain(maxWaitMs: number): Promise<void> {
    this.drains.push(maxWaitMs);
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ov-webhook-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const ENABLED = {
  OPENVIDU_WEBHOOK: 'true',
  OPENVIDU_WEBHOOK_ENDPOINT: 'http://127.0.0.1:7777/hook',
  OPENVIDU_WEBHOOK_HEADERS: JSON.stringify(['Authorization: Basic abc', 'X-Custom: a: b']),
  OPENVIDU_WEBHOOK_EVENTS: JSON.stringify(['sessionCreated', 'participantJoined']),
  OPENVIDU_WEBHOOK_QUEUE_SIZE: '7',
  OPENVIDU_WEBHOOK_TIMEOUT: '1234',
  OPENVIDU_WEBHOOK_RETRY_MAX_ATTEMPTS: '3',
  OPENVIDU_WEBHOOK_RETRY_INITIAL_DELAY: '50',
};

function sut(env: Record<string, string>) {
  const events = new EventEmitter2();
  const config = new OpenViduConfigService(
    loadConfig({ OPENVIDU_CONFIG_FILE: join(dir, `app-${files++}.properties`), ...env }),
    new ConfigFileRepository(),
    events,
  );
  let sender: FakeSender | undefined;
  const factory: WebhookSenderFactory = (tuning, logger) => (sender = new FakeSender(tuning, logger));
  const service = new WebhookService(config, factory);
  // What @OnAppEvent(CONFIG_UPDATED) does in the application.
  events.on(CONFIG_UPDATED, (e: ConfigUpdatedEvent) => service.onConfigUpdated(e));
  assert.ok(sender);
  return { config, service, sender };
}

const record = (name: CdrRecord['name'], sessionId = 's1'): CdrRecord => ({
  name,
  payload: { sessionId, timestamp: 1000 },
});

void describe(WebhookService.name, () => {
  void it('builds its sender once, with the configured tuning, endpoint and headers', () => {
    const { service, sender } = sut(ENABLED);
    assert.equal(service.sender, sender);
    assert.deepEqual(sender.tunings.at(-1), { queueSize: 7, timeoutMs: 1234, maxAttempts: 3, initialDelayMs: 50 });
    assert.deepEqual(sender.targets, [
      {
        endpoint: 'http://127.0.0.1:7777/hook',
        headers: [
          ['Authorization', 'Basic abc'],
          ['X-Custom', 'a: b'],
        ],
      },
    ]);
  });

  void it('sends only the CDR events named in openvidu.webhook.events, body = CDR object + "event"', () => {
    const { service, sender } = sut(ENABLED);
    for (const name of ['sessionCreated', 'participantLeft', 'recordingStarted', 'participantJoined'] as const) {
      service.onCdrEvent(record(name));
    }
    assert.deepEqual(
      sender.enqueued.map((e) => e.event),
      ['sessionCreated', 'participantJoined'],
    );
    assert.equal(sender.enqueued[0].body, webhookBody(record('sessionCreated')));
    assert.deepEqual(JSON.parse(sender.enqueued[0].body), {
      sessionId: 's1',
      timestamp: 1000,
      event: 'sessionCreated',
    });
  });

  void it('sends nothing and sets no target while openvidu.webhook is false', () => {
    const { service, sender } = sut({ ...ENABLED, OPENVIDU_WEBHOOK: 'false' });
    service.onCdrEvent(record('sessionCreated'));
    assert.deepEqual(sender.enqueued, []);
    assert.deepEqual(sender.targets, []);
  });

  void it('a reload retargets the same sender and applies the new event filter to new events', async () => {
    const { config, service, sender } = sut(ENABLED);
    service.onCdrEvent(record('sessionCreated'));
    await config.restart({
      'openvidu.webhook.endpoint': 'http://127.0.0.1:8888/other',
      'openvidu.webhook.headers': ['X-Second: 2'],
      'openvidu.webhook.events': ['sessionDestroyed'],
    });
    assert.equal(service.sender, sender, 'what is queued stays queued, for the new target');
    assert.deepEqual(sender.targets.at(-1), { endpoint: 'http://127.0.0.1:8888/other', headers: [['X-Second', '2']] });
    service.onCdrEvent(record('sessionCreated', 's2'));
    service.onCdrEvent(record('sessionDestroyed', 's2'));
    assert.deepEqual(
      sender.enqueued.map((e) => `${e.event} ${(JSON.parse(e.body) as { sessionId: string }).sessionId}`),
      ['sessionCreated s1', 'sessionDestroyed s2'],
    );
  });

  void it('a reload that disables the webhook stops new events but keeps the target, so the queue drains', async () => {
    const { config, service, sender } = sut(ENABLED);
    const targets = sender.targets.length;
    await config.restart({ 'openvidu.webhook': false });
    assert.equal(sender.targets.length, targets, 'no new target, and the old one is not cleared');
    assert.equal(sender.closed, false);
    service.onCdrEvent(record('sessionCreated'));
    assert.deepEqual(sender.enqueued, []);
    await config.restart({ 'openvidu.webhook': true });
    service.onCdrEvent(record('sessionCreated'));
    assert.equal(sender.enqueued.length, 1);
  });

  void it('a reload of keys it does not own leaves the sender alone', async () => {
    const { config, sender } = sut(ENABLED);
    const before = { targets: sender.targets.length, tunings: sender.tunings.length };
    await config.restart({ 'openvidu.cdr': true });
    assert.deepEqual({ targets: sender.targets.length, tunings: sender.tunings.length }, before);
  });

  void it('shutdown gives the queue openvidu.webhook.timeout to drain, then closes the sender', async () => {
    const { service, sender } = sut(ENABLED);
    await service.beforeApplicationShutdown();
    assert.deepEqual(sender.drains, [1234]);
    assert.equal(sender.closed, false);
    service.onApplicationShutdown();
    assert.equal(sender.closed, true);
  });
});
