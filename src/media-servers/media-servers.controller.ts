import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { JSON_CONTENT_TYPE } from '../common/json-text.js';
import { ClusterModeGuard } from './cluster-mode.guard.js';
import { MediaServerStatusRequest, RegisterMediaServerRequest } from './media-server.requests.js';
import { MediaServersService } from './media-servers.service.js';

/**
 * /pro/media-servers, docs/openvidu-api.md §3.3; every route answers 501 (with a JSON message saying
 * why) while `openvidu.pro.cluster` is false.
 */
@Controller('pro/media-servers')
@UseGuards(ClusterModeGuard)
export class MediaServersController {
  constructor(@Inject(MediaServersService) private readonly service: MediaServersService) {}

  @Get()
  @Header('Content-Type', JSON_CONTENT_TYPE)
  list(@Query() query: Record<string, unknown>) {
    return this.service.listJson(query);
  }

  @Get(':id')
  @Header('Content-Type', JSON_CONTENT_TYPE)
  get(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.service.getJson(id, query);
  }

  @Post()
  @HttpCode(200)
  register(@Body() req: RegisterMediaServerRequest) {
    return this.service.register(req.uri);
  }

  @Patch(':id')
  updateStatus(@Param('id') id: string, @Body() req: MediaServerStatusRequest) {
    return this.service.updateStatus(id, req.status);
  }

  @Delete(':id')
  @HttpCode(204)
  deregister(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    return this.service.deregister(id, query);
  }
}
