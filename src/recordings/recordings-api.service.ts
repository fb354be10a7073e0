import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthService } from '../auth/auth.service.js';
import { ConflictError, DomainError, NotAcceptableError, NotFoundError, UnauthorizedError } from '../common/errors.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { isSafeSegment } from './recording-files.js';
import type { RecordingProperties } from './recording.js';
import { RecordingsService, RecordingStartError } from './recordings.service.js';
import type { StartRecordingRequest } from './start-recording.request.js';

type Json = Record<string, unknown>;

/** 500 for a start the media server refused, with the message OpenVidu gives it. */
export class RecordingFailedError extends DomainError {
  readonly status = 500;
}

export { RESOLUTION } from './start-recording.request.js';

/** The recordings REST API (reference §2.9–2.14; SessionRestController in 2.11) and the file route. */
@Injectable()
export class RecordingsApiService {
  constructor(
    @Inject(RecordingsService) private readonly recordings: RecordingsService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  /** POST /api/recordings/start, once the body passed its rules (start-recording.request.ts). */
  async start(req: StartRecordingRequest): Promise<Json> {
    const sessionId = req.session;
    const outputMode = req.outputMode || undefined;
    const layout = outputMode === 'COMPOSED' ? req.recordingLayout || undefined : undefined;
    const hasAudio = req.hasAudio ?? undefined;
    const hasVideo = req.hasVideo ?? undefined;

    const session = this.sessions.get(sessionId);
    if (!session || session.state === 'closing' || session.state === 'closed') {
      throw new NotFoundError(`Session ${sessionId} not found`);
    }
    const busy = session.properties.mediaMode !== 'ROUTED' || this.recordings.isBeingRecorded(sessionId);
    if (!session.isActive) {
      if (busy) throw new ConflictError(`Session ${sessionId} cannot be recorded now`);
      throw new NotAcceptableError(`Session ${sessionId} is not active`);
    }
    if (busy) throw new ConflictError(`Session ${sessionId} is not ROUTED or is already being recorded`);
    if (session.visibleParticipants().length === 0) {
      throw new NotAcceptableError(`Session ${sessionId} has no participants`);
    }

    // As the 2.11 controller: resolution and layout only when outputMode is explicitly COMPOSED.
    const defaults = session.properties;
    const finalMode = outputMode ?? defaults.defaultOutputMode;
    const props: RecordingProperties = {
      name: req.name ?? '',
      outputMode: finalMode,
      hasAudio: hasAudio ?? true,
      hasVideo: hasVideo ?? true,
    };
    if (finalMode === 'COMPOSED') {
      const explicit = outputMode === 'COMPOSED';
      props.resolution = (explicit ? req.resolution : undefined) ?? '1920x1080';
      props.recordingLayout = explicit ? (layout ?? defaults.defaultRecordingLayout) : 'BEST_FIT';
      if (props.recordingLayout === 'CUSTOM') {
        props.customLayout = (layout === 'CUSTOM' ? (req.customLayout ?? defaults.defaultCustomLayout) : '') || '';
      }
    }
    try {
      const rec = await this.recordings.start(session, props);
      return rec.toJson();
    } catch (e) {
      if (e instanceof RecordingStartError) throw new RecordingFailedError(`Error starting recording: ${e.message}`);
      throw e;
    }
  }

  /** POST /api/recordings/stop/<id>: 406 while starting, 404 unknown, 409 its session not recorded. */
  async stop(id: string): Promise<Json> {
    const entry = this.recordings.inProgress(id);
    if (!entry) throw new NotFoundError(`Recording ${id} not found`);
    if (entry.state === 'starting') throw new NotAcceptableError(`Recording ${id} is starting`);
    if (!this.recordings.isBeingRecorded(entry.rec.sessionId)) {
      throw new ConflictError(`Session ${entry.rec.sessionId} is not being recorded`);
    }
    const rec = await this.recordings.stopByServer(id);
    return rec.toJson();
  }

  async get(id: string): Promise<Json> {
    const live = this.recordings.activeJson().get(id);
    if (live) return live;
    const rec = await this.recordings.files.read(id);
    if (!rec) throw new NotFoundError(`Recording ${id} not found`);
    return rec.toJson();
  }

  async list(): Promise<Json> {
    const live = this.recordings.activeJson();
    const items = (await this.recordings.files.list()).map((r) => live.get(r.id) ?? r.toJson());
    const listed = new Set(items.map((j) => j.id));
    for (const [id, json] of live) if (!listed.has(id)) items.push(json);
    return { count: items.length, items };
  }

  /** DELETE /api/recordings/<id>: 409 while in progress (or still finishing), 404 without metadata, 204. */
  async remove(id: string): Promise<void> {
    if (this.recordings.inProgress(id) || this.recordings.isFinishing(id)) {
      throw new ConflictError(`Recording ${id} is in progress`);
    }
    if (!(await this.recordings.files.read(id))) throw new NotFoundError(`Recording ${id} not found`);
    await this.recordings.files.remove(id);
  }

  /**
   * GET /recordings/<id>/<file>: behind Basic auth unless `openvidu.recording.public-access`.
   * `send` (through express) answers Range requests, conditional GETs and HEAD.
   */
  serve(id: string, file: string, req: Request, res: Response): Promise<void> {
    if (!this.config.get('openvidu.recording.public-access') && !this.auth.isAuthorized(req)) {
      throw new UnauthorizedError();
    }
    if (!isSafeSegment(id) || !isSafeSegment(file) || file.startsWith('.')) {
      throw new NotFoundError(`File ${file} not found`);
    }
    const root = this.recordings.files.folder(id);
    return new Promise<void>((resolve, reject) => {
      res.sendFile(
        file,
        { root, dotfiles: 'deny', acceptRanges: true, lastModified: true },
        (err?: Error & { status?: number }) => {
          if (!err || res.headersSent) return resolve();
          if (err.status && err.status >= 400 && err.status < 500 && err.status !== 404) {
            // send's own answer, e.g. 416 for a range past the end (it set Content-Range already).
            res.status(err.status).end();
            return resolve();
          }
          reject(
            err.status === 404 || (err as { code?: string }).code === 'ENOENT'
              ? new NotFoundError(`File ${file} not found`)
              : err,
          );
        },
      );
    });
  }
}
