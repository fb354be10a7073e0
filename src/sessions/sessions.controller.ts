import { All, Body, Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { MethodNotAllowedError } from '../common/errors.js';
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

  // Any other method on these paths: 405 with Allow, as Spring MVC answers (declared last, so the
  // routes above match first; HEAD goes to GET, OPTIONS to the CORS handler).
  @All('sessions')
  sessionsOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['POST', 'GET']);
  }

  @All('sessions/:sessionId')
  sessionOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['GET', 'DELETE']);
  }

  @All(['sessions/:sessionId/connection/:connectionId', 'sessions/:sessionId/stream/:streamId'])
  forceOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['DELETE']);
  }

  @All('tokens')
  tokensOther(@Req() req: Request): never {
    throw new MethodNotAllowedError(req.method, ['POST']);
  }
}
