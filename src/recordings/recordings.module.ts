import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CdrModule } from '../cdr/cdr.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SignallingModule } from '../signalling/signalling.module.js';
import { RecordingFilesController, RecordingsController } from './recordings.controller.js';
import { RecordingsApiService } from './recordings-api.service.js';
import { RecordingsService } from './recordings.service.js';

/** Recordings (reference §2.9–2.14, §4): REST API, files, and recording of sessions on their media server. */
@Module({
  imports: [AuthModule, CdrModule, SessionsModule, SignallingModule],
  controllers: [RecordingsController, RecordingFilesController],
  providers: [RecordingsService, RecordingsApiService],
})
export class RecordingsModule {}
