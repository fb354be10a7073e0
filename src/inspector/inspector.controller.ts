import { Controller, Get, Header, Inject, Redirect, Res } from '@nestjs/common';
import type { Response } from 'express';
import { INSPECTOR_HTML, INSPECTOR_JS } from './inspector.page.js';
import { InspectorService } from './inspector.service.js';

/** The Inspector page, behind Basic auth like every route; `/` leads there. */
@Controller()
export class InspectorController {
  constructor(@Inject(InspectorService) private readonly inspector: InspectorService) {}

  @Get()
  @Redirect('/inspector', 302)
  root(): void {}

  @Get('inspector')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
  page(): string {
    return INSPECTOR_HTML;
  }

  @Get('inspector/app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  script(): string {
    return INSPECTOR_JS;
  }

  @Get('inspector/state')
  state(): Record<string, unknown> {
    return this.inspector.snapshot();
  }

  @Get('inspector/config')
  restartable() {
    return this.inspector.restartable();
  }

  @Get('inspector/events')
  events(@Res() res: Response): void {
    this.inspector.stream(res);
  }
}
