import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { JSON_CONTENT_TYPE } from '../common/json-text.js';
import { SessionsApiService } from './sessions-api.service.js';
import { CreateSessionRequest, TokenRequest } from './session-requests.js';

/**
 * OpenVidu 2.11 community REST API (docs/openvidu-api.md §2.2–2.8). Every POST answers 200 and every DELETE
 * 204: openvidu-node-client treats any other success status as a failure (docs/clients.md §0).
 */
@Controller('api')
export class SessionsController {
  constructor(@Inject(SessionsApiService) private readonly api: SessionsApiService) {}

  @Post('sessions')
  @HttpCode(200)
  create(@Body() req: CreateSessionRequest) {
    return this.api.create(req);
  }

  @Get('sessions')
  @Header('Content-Type', JSON_CONTENT_TYPE)
  list(@Query('webRtcStats') webRtcStats: unknown) {
    return this.api.list(webRtcStats);
  }

  @Delete('sessions')
  deleteAll(): never {
    return this.api.methodNotAllowed();
  }

  @Get('sessions/:sessionId')
  get(@Param('sessionId') sessionId: string, @Query('webRtcStats') webRtcStats: unknown) {
    return this.api.get(sessionId, webRtcStats);
  }

  @Delete('sessions/:sessionId')
  @HttpCode(204)
  close(@Param('sessionId') sessionId: string): void {
    this.api.close(sessionId);
  }

  @Delete('sessions/:sessionId/connection/:connectionId')
  @HttpCode(204)
  forceDisconnect(@Param('sessionId') sessionId: string, @Param('connectionId') connectionId: string): void {
    this.api.forceDisconnect(sessionId, connectionId);
  }

  @Delete('sessions/:sessionId/stream/:streamId')
  @HttpCode(204)
  forceUnpublish(@Param('sessionId') sessionId: string, @Param('streamId') streamId: string): void {
    this.api.forceUnpublish(sessionId, streamId);
  }

  @Post('tokens')
  @HttpCode(200)
  token(@Body() req: TokenRequest) {
    return this.api.token(req);
  }
}
