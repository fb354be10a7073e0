import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  type LoggerService,
} from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import { CDR_EVENT, webhookBody, type CdrRecord } from '../cdr/cdr-events.js';
import { CONFIG_UPDATED, OpenViduConfigService, type ConfigUpdatedEvent } from '../config/config.service.js';
import { WebhookSender, type WebhookQueue, type WebhookTarget, type WebhookTuning } from './webhook.sender.js';

/** Builds the service's sender; a unit test provides one that records instead of posting. */
export type WebhookSenderFactory = (tuning: WebhookTuning, logger: LoggerService) => WebhookQueue;
export const WEBHOOK_SENDER_FACTORY = Symbol('WEBHOOK_SENDER_FACTORY');
export const createWebhookSender: WebhookSenderFactory = (tuning, logger) => new WebhookSender(tuning, logger);

/** `"Name: value"` → `[Name, value]` (the config schema already checked the form). */
export function parseHeader(h: string): [string, string] {
  const i = h.indexOf(': ');
  return [h.slice(0, i), h.slice(i + 2)];
}

/**
 * The 2.11 webhook (docs/openvidu-api.md §5): every CDR event named in `openvidu.webhook.events` is POSTed to
 * `openvidu.webhook.endpoint` with the configured headers. Unlike OpenVidu it never sends on the
 * caller's path: events go through WebhookSender's bounded queue with retries.
 */
@Injectable()
export class WebhookService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookService.name);
  /** One for the service's lifetime: a reload retargets it, so nothing queued is lost. */
  readonly sender: WebhookQueue;

  constructor(
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(WEBHOOK_SENDER_FACTORY) createSender: WebhookSenderFactory,
  ) {
    this.sender = createSender(this.tuning(), this.logger);
    this.apply();
  }

  @OnAppEvent(CDR_EVENT)
  onCdrEvent(record: CdrRecord): void {
    if (!this.config.get('openvidu.webhook')) return;
    if (!this.config.get('openvidu.webhook.events').includes(record.name)) return;
    this.sender.enqueue(record.name, webhookBody(record));
  }

  /** /pro/restart: the new endpoint and headers apply to what is still queued; nothing is lost. */
  @OnAppEvent(CONFIG_UPDATED)
  onConfigUpdated(e: ConfigUpdatedEvent): void {
    if (!e.changed.some((k) => k.startsWith('openvidu.webhook'))) return;
    this.apply();
    const on = this.config.get('openvidu.webhook');
    this.logger.log(
      on
        ? `Webhook now posting to ${this.config.get('openvidu.webhook.endpoint')} (${this.sender.queued} queued)`
        : `Webhook disabled${this.sender.queued ? `; delivering the ${this.sender.queued} event(s) already queued` : ''}`,
    );
  }

  /** Gives events of the shutdown itself (openviduServerStopped) a bounded chance to go out. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sender.drain(this.config.get('openvidu.webhook.timeout'));
  }

  onApplicationShutdown(): void {
    this.sender.close();
  }

  private apply(): void {
    this.sender.setTuning(this.tuning());
    // Disabling keeps the last target so the queue still drains; only new events stop.
    if (this.config.get('openvidu.webhook')) this.sender.setTarget(this.target());
  }

  private target(): WebhookTarget {
    return {
      endpoint: this.config.get('openvidu.webhook.endpoint'),
      headers: this.config.get('openvidu.webhook.headers').map(parseHeader),
    };
  }

  private tuning(): WebhookTuning {
    return {
      queueSize: this.config.get('openvidu.webhook.queue-size'),
      timeoutMs: this.config.get('openvidu.webhook.timeout'),
      maxAttempts: this.config.get('openvidu.webhook.retry.max-attempts'),
      initialDelayMs: this.config.get('openvidu.webhook.retry.initial-delay'),
    };
  }
}
