import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module.js';
import { MediaServersModule } from '../media-servers/media-servers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { InspectorController } from './inspector.controller.js';
import { InspectorService } from './inspector.service.js';

/**
 * A page for operators at /inspector, served by the app itself (HTML and JS held in the code, no
 * front-end build): media servers, sessions, live over server-sent events; its actions call the
 * REST API the page is served beside.
 */
@Module({
  imports: [HealthModule, MediaServersModule, SessionsModule],
  controllers: [InspectorController],
  providers: [InspectorService],
})
export class InspectorModule {}
