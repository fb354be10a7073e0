import { Module } from '@nestjs/common';
import { MediaServersModule } from '../media-servers/media-servers.module.js';
import { MediaServersService } from '../media-servers/media-servers.service.js';
import { SESSION_PLACER, type SessionPlacer } from './media-placement.js';
import { SessionGarbageCollector } from './session-garbage.collector.js';
import { SessionLogListener } from './session-log.listener.js';
import { SessionsApiService } from './sessions-api.service.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';
import { TurnCredentialsService } from './turn-credentials.js';

/** Compile-time proof that the pool honours the placement contract the model codes against. */
export const assertPlacer = (s: MediaServersService): SessionPlacer => s;

/** The session model and the community REST API over it; signalling injects `SessionsService`. */
@Module({
  imports: [MediaServersModule],
  controllers: [SessionsController],
  providers: [
    { provide: SESSION_PLACER, useExisting: MediaServersService },
    SessionsService,
    SessionsApiService,
    SessionGarbageCollector,
    SessionLogListener,
    TurnCredentialsService,
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
