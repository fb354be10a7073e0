import { Inject, Injectable, Logger } from '@nestjs/common';
import { MediaServersService } from '../media-servers/media-servers.service.js';
import type { PublishedStream } from '../sessions/participant.js';
import type { RpcSession } from './rpc-session.js';
import { SessionMedia } from './session-media.js';

/**
 * Who is connected (connectionId → signalling client) and what each session holds on its media
 * server. Shared by the RPC handlers and the listeners of model and media-server events.
 */
@Injectable()
export class SignallingRegistry {
  private readonly logger = new Logger('Signalling');
  readonly clients = new Map<string, RpcSession>();
  readonly media = new Map<string, SessionMedia>();

  constructor(@Inject(MediaServersService) private readonly mediaServers: MediaServersService) {}

  notify(connectionId: string, method: string, params: Record<string, unknown>): void {
    this.clients.get(connectionId)?.notify(method, params);
  }

  mediaOf(sessionId: string, mediaServerId: string): SessionMedia {
    let m = this.media.get(sessionId);
    if (!m || m.mediaServerId !== mediaServerId) {
      m = new SessionMedia(sessionId, mediaServerId, this.mediaServers.media(mediaServerId));
      this.media.set(sessionId, m);
    }
    return m;
  }

  /** Media release is best effort: a dead media server has already dropped the objects. */
  release(what: string, op: (() => Promise<void>) | undefined): void {
    if (!op) return;
    op().catch((e: unknown) => this.logger.debug(`releasing ${what} failed: ${(e as Error).message}`));
  }
}

/** The stream object of joinRoom and participantPublished (reference §8). */
export function streamJson(s: Readonly<PublishedStream>): Record<string, unknown> {
  const m = s.mediaOptions;
  return {
    id: s.streamId,
    createdAt: s.createdAt,
    hasAudio: m.hasAudio,
    hasVideo: m.hasVideo,
    audioActive: m.audioActive,
    videoActive: m.videoActive,
    typeOfVideo: m.typeOfVideo,
    frameRate: m.frameRate ?? -1,
    videoDimensions: m.videoDimensions,
    filter: m.filter ? { type: m.filter.type, options: m.filter.options } : {},
  };
}
