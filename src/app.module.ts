import { DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AuthModule } from './auth/auth.module.js';
import { BasicAuthGuard } from './auth/basic-auth.guard.js';
import { OpenViduExceptionFilter } from './common/openvidu-exception.filter.js';
import { OpenViduValidationPipe } from './common/validation/openvidu-validation.pipe.js';
import type { LoadedConfig } from './config/config.loader.js';
import { ConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { MediaServersModule } from './media-servers/media-servers.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { InspectorModule } from './inspector/inspector.module.js';
import { CdrModule } from './cdr/cdr.module.js';
import { RecordingsModule } from './recordings/recordings.module.js';
import { IdleGc } from './server/idle-gc.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { SignallingModule } from './signalling/signalling.module.js';
import { WebhookModule } from './webhook/webhook.module.js';

/** The whole server. Global guard, pipe and filter are providers so tests get the same pipeline. */
@Module({})
export class AppModule {
  static forRoot(loaded: LoadedConfig, extra: Pick<ModuleMetadata, 'imports' | 'providers'> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventEmitterModule.forRoot(),
        ConfigModule.forRoot(loaded),
        AuthModule,
        HealthModule,
        MediaServersModule,
        SessionsModule,
        CdrModule,
        WebhookModule,
        SignallingModule,
        RecordingsModule,
        MetricsModule,
        InspectorModule,
        ...(extra.imports ?? []),
      ],
      providers: [
        { provide: APP_GUARD, useExisting: BasicAuthGuard },
        IdleGc,
        { provide: APP_FILTER, useClass: OpenViduExceptionFilter },
        { provide: APP_PIPE, useClass: OpenViduValidationPipe },
        ...(extra.providers ?? []),
      ],
    };
  }
}
