import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { Pipeline } from '../media-servers/media-api.js';
import { MediaServerUnavailableError } from '../media-servers/media-servers.errors.js';
import { MediaServersService } from '../media-servers/media-servers.service.js';
import type { PublishedStream } from '../sessions/participant.js';
import type { RpcSession } from './rpc-session.js';
import { SessionMedia } from './session-media.js';
import { mediaErrorText } from './media-error.js';

/**
 * Who is connected (connectionId → signalling client) and what each session holds on its media
 * server. Shared by the RPC handlers and the listeners of model and media-server events.
 */
@Injectable()
export class SignallingRegistry implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Signalling');
  readonly clients = new Map<string, RpcSession>();
  readonly media = new Map<string, SessionMedia>();
  private readonly releasing = new Set<Promise<void>>();

  constructor(@Inject(MediaServersService) private readonly mediaServers: MediaServersService) {}

  notify(connectionId: string, method: string, params: Record<string, unknown>): void {
    this.clients.get(connectionId)?.notify(method, params);
  }

  mediaOf(sessionId: string, mediaServerId: string): SessionMedia {
    let m = this.media.get(sessionId);
    if (!m || m.mediaServerId !== mediaServerId) {
      m = new SessionMedia(sessionId, mediaServerId, this.mediaServers.media(mediaServerId));
      m.onPipelineError = (data) => {
        const params = { error: mediaErrorText(data) };
        for (const [id, rpc] of this.clients) if (rpc.sessionId === sessionId) this.notify(id, 'mediaError', params);
      };
      this.media.set(sessionId, m);
    }
    return m;
  }

  /**
   * Pipelines of sessions that closed while their media server was disconnected. A server that
   * comes back (not restarted) still holds them, so they are released then.
   */
  private readonly unreleased = new Map<string, Set<Pipeline>>();

  /** Releases a closed session's pipeline, now or when its server reconnects. */
  releaseMedia(media: SessionMedia): void {
    this.release(`pipeline of ${media.sessionId}`, () =>
      media.release((pipeline) => {
        const set = this.unreleased.get(media.mediaServerId) ?? new Set<Pipeline>();
        set.add(pipeline);
        this.unreleased.set(media.mediaServerId, set);
      }),
    );
  }

  /** The server is connected again: release what could not be released while it was away. */
  retryReleases(mediaServerId: string): void {
    const set = this.unreleased.get(mediaServerId);
    this.unreleased.delete(mediaServerId);
    if (set?.size) this.logger.log(`releasing ${set.size} pipeline(s) of closed sessions on ${mediaServerId}`);
    for (const pipeline of set ?? []) {
      this.release(`pipeline ${pipeline.id}`, () =>
        pipeline.release().catch((e: unknown) => {
          if (!(e instanceof MediaServerUnavailableError)) throw e;
          const again = this.unreleased.get(mediaServerId) ?? new Set<Pipeline>();
          this.unreleased.set(mediaServerId, again.add(pipeline));
        }),
      );
    }
  }

  /** A restarted (or removed) server lost every object: nothing left to release there. */
  forgetReleases(mediaServerId: string): void {
    this.unreleased.delete(mediaServerId);
  }

  /** Media release is best effort: a dead media server has already dropped the objects. */
  release(what: string, op: (() => Promise<void>) | undefined): void {
    if (!op) return;
    const p = op()
      .catch((e: unknown) => this.logger.debug(`releasing ${what} failed: ${(e as Error).message}`))
      .finally(() => this.releasing.delete(p));
    this.releasing.add(p);
  }

  /**
   * Shutdown closed every session: let their releases reach the media servers before the pool
   * closes its clients (each call is bounded by kms.request.timeout), so nothing is left on them.
   */
  async beforeApplicationShutdown(): Promise<void> {
    while (this.releasing.size) await Promise.all([...this.releasing]);
  }
}

/** The stream object of joinRoom and participantPublished (docs/openvidu-api.md §8). */
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
