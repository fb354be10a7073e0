import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { MediaServersHealthIndicator } from '../media-servers/media-servers.health.js';
import { ConfigHealthIndicator } from './config.health.js';

/**
 * Kubernetes probes: liveness says the process answers; readiness that this process can take
 * traffic (media-server state is shown in its details but never fails it); `/health/media` is down
 * while no media server is connected, for operators who want to gate on that.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(ConfigHealthIndicator) private readonly server: ConfigHealthIndicator,
    @Inject(MediaServersHealthIndicator) private readonly mediaServers: MediaServersHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.server.check(), () => this.mediaServers.details()]);
  }

  @Get('media')
  @HealthCheck()
  media() {
    return this.health.check([() => this.mediaServers.check()]);
  }
}
