import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { OpenViduConfigService } from '../config/config.service.js';
import { LifecycleService } from './lifecycle.service.js';

/**
 * Ready means this process can serve: booted, not applying a /pro/restart, not draining for a
 * shutdown. Media servers are deliberately not part of it: with none connected the operator still
 * needs this replica behind its Service to register one (`POST /pro/media-servers`).
 */
@Injectable()
export class ConfigHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(LifecycleService) private readonly lifecycle: LifecycleService,
  ) {}

  check() {
    const indicator = this.health.check('server');
    const phase = this.lifecycle.phase;
    const restarting = this.config.restarting;
    return phase === 'serving' && !restarting ? indicator.up({ phase }) : indicator.down({ phase, restarting });
  }
}
