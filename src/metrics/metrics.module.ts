import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { MediaServersModule } from '../media-servers/media-servers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { WebhookModule } from '../webhook/webhook.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsListener } from './metrics-listener.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus metrics at /metrics (and optionally on `metrics.port`); the only user of prom-client. */
@Module({
  imports: [HealthModule, MediaServersModule, SessionsModule, WebhookModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsListener],
  exports: [MetricsService],
})
export class MetricsModule {}
