import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MediaServersService } from './media-servers.service.js';

/** Ready only while at least one media server is connected: without one no session can start. */
@Injectable()
export class MediaServersHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(MediaServersService) private readonly pool: MediaServersService,
  ) {}

  check() {
    const indicator = this.health.check('mediaServers');
    const details = { connected: this.pool.connectedCount(), registered: this.pool.size };
    return details.connected > 0 ? indicator.up(details) : indicator.down(details);
  }
}
