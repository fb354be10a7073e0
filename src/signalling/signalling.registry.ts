import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { Pipeline } from '../media-servers/media-api.js';
import { MediaServerUnavailableError } from '../media-servers/media-servers.errors.js';
import { MediaServersService } from '../media-servers/media-servers.service.js';
import type { PublishedStream } from '../sessions/participant.js';
import type { SignallingClient } from './signalling-client.js';
import { SessionMedia } from './session-media.js';
import { mediaErrorText } from './media-error.js';

/** What the registry needs of the pool: the media operations of one server. */
export type MediaApiSource = Pick<MediaServersService, 'media'>;

/**
 * The one owner of signalling state: the signalling clients (by JSON-RPC session id), which client
 * each joined participant is (by connectionId), and the Kurento media of each OpenVidu session. The
 * transport, the RPC handlers and the listeners of model and media-server events change these only
 * through the bind/unbind operations below, and read them through its lookups.
 */
@Injectable()
export class SignallingRegistry implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Signalling');
  /** Every live client, by its JSON-RPC session id (what `connect {sessionId}` resumes). */
  private readonly clients = new Map<string, SignallingClient>();
  /** Joined clients, by the connectionId of their participant. */
  private readonly participants = new Map<string, SignallingClient>();
  /** Kurento media, by OpenVidu session id. */
  private readonly media = new Map<string, SessionMedia>();
  private readonly releasing = new Set<Promise<void>>();

  constructor(@Inject(MediaServersService) private readonly mediaServers: MediaApiSource) {}

  // ---- clients of the transport

  /** A new signalling client (a socket was accepted). */
  track(client: SignallingClient): void {
    this.clients.set(client.rpcSessionId, client);
  }

  /** The client is gone for good; its participant binding, if any, is left to `unbind`. */
  untrack(client: SignallingClient): void {
    if (this.clients.get(client.rpcSessionId) === client) this.clients.delete(client.rpcSessionId);
  }

  /** The live client with this JSON-RPC session id. */
  client(rpcSessionId: string): SignallingClient | undefined {
    return this.clients.get(rpcSessionId);
  }

  /** Removes and returns every live client (shutdown). */
  untrackAll(): SignallingClient[] {
    const all = [...this.clients.values()];
    this.clients.clear();
    return all;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  // ---- participants

  /** joinRoom succeeded: `client` is the participant `ref` from now on. */
  bind(client: SignallingClient, ref: { sessionId: string; connectionId: string }): void {
    client.connectionId = ref.connectionId;
    client.openviduSessionId = ref.sessionId;
    this.participants.set(ref.connectionId, client);
  }

  /**
   * The client no longer speaks for its participant (leaveRoom, eviction, lost socket). Returns
   * whether it was the one bound to it (a resumed or replaced client is left alone).
   */
  unbind(client: SignallingClient): boolean {
    const id = client.connectionId;
    client.connectionId = undefined;
    if (id === undefined || this.participants.get(id) !== client) return false;
    this.participants.delete(id);
    return true;
  }

  /** The client of a joined participant. */
  clientOf(connectionId: string): SignallingClient | undefined {
    return this.participants.get(connectionId);
  }

  notify(connectionId: string, method: string, params: Record<string, unknown>): void {
    this.participants.get(connectionId)?.notify(method, params);
  }

  // ---- media of OpenVidu sessions

  /** The Kurento media of a session, if any was made. */
  mediaOf(sessionId: string): SessionMedia | undefined {
    return this.media.get(sessionId);
  }

  /** Every session's media on `mediaServerId`. */
  mediaOn(mediaServerId: string): SessionMedia[] {
    return [...this.media.values()].filter((m) => m.mediaServerId === mediaServerId);
  }

  /** The session's media on the server it is placed on, made on first use. */
  bindMedia(sessionId: string, mediaServerId: string): SessionMedia {
    let m = this.media.get(sessionId);
    if (!m || m.mediaServerId !== mediaServerId) {
      m = new SessionMedia(sessionId, mediaServerId, this.mediaServers.media(mediaServerId));
      m.onPipelineError = (data) => {
        const params = { error: mediaErrorText(data) };
        for (const client of this.participants.values()) {
          if (client.openviduSessionId === sessionId) client.notify('mediaError', params);
        }
      };
      this.media.set(sessionId, m);
    }
    return m;
  }

  /** The session closed: its media is forgotten and released (now or when its server is back). */
  unbindMedia(sessionId: string): void {
    const media = this.media.get(sessionId);
    this.media.delete(sessionId);
    if (media) this.releaseMedia(media);
  }

  /**
   * Pipelines of sessions that closed while their media server was disconnected. A server that
   * comes back (not restarted) still holds them, so they are released then.
   */
  private readonly unreleased = new Map<string, Set<Pipeline>>();

  /** Releases a closed session's pipeline, now or when its server reconnects. */
  private releaseMedia(media: SessionMedia): void {
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
