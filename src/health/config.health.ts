import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ConfigService } from '../config/config.service.js';

/** Ready means the configuration is loaded and no /pro/restart is being applied. */
@Injectable()
export class ConfigHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(ConfigService) private readonly config: ConfigService,
  ) {}

  check() {
    const indicator = this.health.check('config');
    return this.config.restarting ? indicator.down({ restarting: true }) : indicator.up();
  }
}
