import { All, Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { MethodNotAllowedError } from '../common/errors.js';
import type { Request, Response } from 'express';
import { Public } from '../auth/public.decorator.js';
import { RecordingsApiService } from './recordings-api.service.js';
import { RecordingEnabledGuard, StartRecordingRequest } from './start-recording.request.js';

/** OpenVidu 2.11 recordings REST API (reference §2.10–2.14). */
@Controller('api/recordings')
export class RecordingsController {
  constructor(@Inject(RecordingsApiService) private readonly api: RecordingsApiService) {}

  @Post('start')
  @HttpCode(200)
  @UseGuards(RecordingEnabledGuard)
  start(@Body() req: StartRecordingRequest) {
    return this.api.start(req);
  }

  @Post('stop/:recordingId')
  @HttpCode(200)
  stop(@Param('recordingId') id: string) {
    return this.api.stop(id);
  }

  @Get()
  list() {
    return this.api.list();
  }

  @Get(':recordingId')
  get(@Param('recordingId') id: string) {
    return this.api.get(id);
  }

  @Delete(':recordingId')
  @HttpCode(204)
  remove(@Param('recordingId') id: string) {
    return this.api.remove(id);
  }

  // Other methods: 405 with Allow, as Spring MVC answers. `start` matches `{recordingId}` too there,
  // so a GET or DELETE of it is an unknown recording (404) and only the rest are refused.
  @All('start')
  startOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['POST', 'GET', 'DELETE']);
  }

  @All('stop/:recordingId')
  stopOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['POST']);
  }

  @All()
  listOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['GET']);
  }

  @All(':recordingId')
  recordingOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['GET', 'DELETE']);
  }
}

/** The recordings' files; authorization depends on `openvidu.recording.public-access`, checked per request. */
@Controller('recordings')
export class RecordingFilesController {
  constructor(@Inject(RecordingsApiService) private readonly api: RecordingsApiService) {}

  @Public()
  @Get(':recordingId/:file')
  serve(@Param('recordingId') id: string, @Param('file') file: string, @Req() req: Request, @Res() res: Response) {
    return this.api.serve(id, file, req, res);
  }
}
