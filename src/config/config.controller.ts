import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { Public } from '../auth/public.decorator.js';
import { OpenViduConfigService, RestartResult } from './config.service.js';
import { communityConfigView, proConfigView } from './config-views.js';
import { OPENVIDU_VERSION, resolvePublicUrl } from './public-url.js';
import { RestartBody, RestartRequest } from './restart-request.js';

/** GET /config and its legacy sub-paths (docs/openvidu-api.md §2.15). */
@Controller('config')
export class CommunityConfigController {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  @Get()
  get() {
    return communityConfigView(this.config.snapshot());
  }

  @Get('openvidu-version')
  version() {
    return OPENVIDU_VERSION;
  }

  @Public()
  @Get('openvidu-publicurl')
  publicUrl() {
    return resolvePublicUrl(this.config.snapshot());
  }

  @Get('openvidu-recording')
  recording() {
    return this.config.get('openvidu.recording');
  }

  @Get('openvidu-recording-path')
  recordingPath() {
    return this.config.get('openvidu.recording.path');
  }

  @Get('openvidu-cdr')
  cdr() {
    return this.config.get('openvidu.cdr');
  }
}

/** GET /pro/config and POST /pro/restart (docs/openvidu-api.md §3.1, §3.2). */
@Controller('pro')
export class ProConfigController {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  @Get('config')
  get() {
    return proConfigView(this.config.snapshot());
  }

  @Post(['restart', 'restart/'])
  @HttpCode(200)
  restart(@RestartBody() req: RestartRequest): Promise<RestartResult> {
    return this.config.restart(req);
  }
}
