import { Module } from '@nestjs/common';
import { MediaServersModule } from '../media-servers/media-servers.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { FilterHandlers } from './filter.handlers.js';
import { SignallingListener } from './signalling.listener.js';
import { SignallingRegistry } from './signalling.registry.js';
import { SignallingService } from './signalling.service.js';
import { SignallingTransport } from './signalling.transport.js';

@Module({
  imports: [MediaServersModule, SessionsModule],
  providers: [SignallingRegistry, FilterHandlers, SignallingService, SignallingListener, SignallingTransport],
  exports: [SignallingRegistry],
})
export class SignallingModule {}
