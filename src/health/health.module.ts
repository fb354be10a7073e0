import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MediaServersHealthIndicator } from '../media-servers/media-servers.health.js';
import { MediaServersModule } from '../media-servers/media-servers.module.js';
import { ConfigHealthIndicator } from './config.health.js';
import { HealthController } from './health.controller.js';
import { LifecycleService } from './lifecycle.service.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MediaServersModule],
  controllers: [HealthController],
  providers: [ConfigHealthIndicator, MediaServersHealthIndicator, LifecycleService],
  exports: [LifecycleService],
})
export class HealthModule {}
