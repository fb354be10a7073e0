import { Controller, Get, Inject, Param, StreamableFile } from '@nestjs/common';
import { CdrFilesService } from './cdr-files.service.js';

/** GET /cdr (JSON array of file names) and GET /cdr/<file>.log, behind auth as in 2.11 (docs/openvidu-api.md §1, §2.17). */
@Controller('cdr')
export class CdrController {
  constructor(@Inject(CdrFilesService) private readonly files: CdrFilesService) {}

  @Get()
  list(): Promise<string[]> {
    return this.files.list();
  }

  @Get(':file')
  read(@Param('file') file: string): Promise<StreamableFile> {
    return this.files.read(file);
  }
}
