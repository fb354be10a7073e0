import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MediaServersService } from './media-servers.service.js';

/** Connected and registered media servers: without a connected one no session can start. */
@Injectable()
export class MediaServersHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(MediaServersService) private readonly pool: MediaServersService,
  ) {}

  private counts() {
    return { connected: this.pool.connectedCount(), registered: this.pool.size };
  }

  /** Down while none is connected (`/health/media`). */
  check() {
    const indicator = this.health.check('mediaServers');
    const details = this.counts();
    return details.connected > 0 ? indicator.up(details) : indicator.down(details);
  }

  /** Always up, the counts in its details (`/health/ready`, which must not depend on them). */
  details() {
    return this.health.check('mediaServers').up(this.counts());
  }
}
