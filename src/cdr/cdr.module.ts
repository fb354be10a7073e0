import { Module } from '@nestjs/common';
import { CdrFileWriter } from './cdr-file.writer.js';
import { CdrFilesService } from './cdr-files.service.js';
import { CdrController } from './cdr.controller.js';
import { CdrService } from './cdr.service.js';

/** Call Detail Records (docs/openvidu-api.md §6): built from the session model's events, written when `openvidu.cdr=true`. */
@Module({
  controllers: [CdrController],
  providers: [CdrService, CdrFileWriter, CdrFilesService],
  exports: [CdrService, CdrFileWriter],
})
export class CdrModule {}
