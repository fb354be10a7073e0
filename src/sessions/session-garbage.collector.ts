import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import { CONFIG_UPDATED, OpenViduConfigService, type ConfigUpdatedEvent } from '../config/config.service.js';
import { SessionsService } from './sessions.service.js';

/**
 * Ghost sessions (OpenVidu 2.13's OPENVIDU_SESSIONS_GARBAGE_*): every `interval` seconds, removes
 * sessions created through REST that nobody joined within `threshold` seconds. `interval` 0 (the
 * default, as 2.11 had no collector) turns it off.
 */
@Injectable()
export class SessionGarbageCollector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionGarbageCollector.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  onApplicationBootstrap(): void {
    this.setup();
  }

  @OnAppEvent(CONFIG_UPDATED)
  onConfigUpdated(e: ConfigUpdatedEvent): void {
    if (e.changed.some((k) => k.startsWith('openvidu.sessions.garbage.'))) this.setup();
  }

  onApplicationShutdown(): void {
    this.teardown();
  }

  /** One pass; returns the removed session ids. */
  collect(now = Date.now()): string[] {
    const thresholdMs = this.config.get('openvidu.sessions.garbage.threshold') * 1000;
    const removed = this.sessions.removeIdleSessions(now - thresholdMs);
    if (removed.length) {
      this.logger.log(`Removed ${removed.length} session(s) nobody joined: ${removed.join(', ')}`);
    }
    return removed;
  }

  private setup(): void {
    this.teardown();
    const interval = this.config.get('openvidu.sessions.garbage.interval');
    if (interval <= 0) return;
    this.timer = setInterval(() => this.collect(), interval * 1000);
    this.timer.unref();
  }

  private teardown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
