import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { MediaServersHealthIndicator } from '../media-servers/media-servers.health.js';
import { ConfigHealthIndicator } from './config.health.js';

/** Kubernetes probes: liveness says the process answers, readiness that it can take traffic. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(ConfigHealthIndicator) private readonly configHealth: ConfigHealthIndicator,
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
    return this.health.check([() => this.configHealth.check(), () => this.mediaServers.check()]);
  }
}
