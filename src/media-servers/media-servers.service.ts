import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { BadRequestError, ConflictError, NotFoundError, NotImplementedError } from '../common/errors.js';
import { isWsUri } from '../config/config.schema.js';
import { ConfigService } from '../config/config.service.js';
import type { LoadStrategy } from './load-strategies/load-strategy.interface.js';
import type { MediaApi } from './media-api.js';
import { MEDIA_SERVER_CONNECTED, type MediaServerEvent, type MediaServerEventName } from './media-server.events.js';
import { mediaServerIdFor, normalizeUri } from './media-server-id.js';
import { mediaServerJson, queryFlag, viewOptions } from './media-server.json.js';
import { MediaServer, type MediaServerSnapshot, type MediaServerTiming } from './media-server.js';
import { MediaServerUnavailableError, NoMediaServerAvailableError } from './media-servers.errors.js';
import type { Placement } from './placement.js';
import { leastLoaded } from './server-load.js';

export const ACTIVE_LOAD_STRATEGY = Symbol('ACTIVE_LOAD_STRATEGY');

/**
 * Owns the media-server pool: registration, liveness events, placement of sessions and the data
 * behind /pro/media-servers. Nothing here waits on a media server except POST (registration).
 */
@Injectable()
export class MediaServersService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MediaServers');
  /** Registered servers in registration order (ties in placement go to the first, as OpenVidu). */
  private readonly servers = new Map<string, MediaServer>();
  /** Normalised uri → server, including registrations still waiting for their first connection. */
  private readonly byUri = new Map<string, MediaServer>();
  private readonly pending = new Set<MediaServer>();
  private shuttingDown = false;

  constructor(
    @Inject(ConfigService) private readonly config: ConfigService,
    @Inject(EventEmitter2) private readonly events: EventEmitter2,
    @Inject(ACTIVE_LOAD_STRATEGY) readonly strategy: LoadStrategy,
  ) {}

  onModuleInit(): void {
    // An unreachable server does not stop the boot: its probe keeps trying and the routes show it.
    for (const uri of this.config.get('kms.uris')) {
      if (this.byUri.has(normalizeUri(uri))) continue;
      this.add(uri).start();
    }
  }

  onApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const s of this.byUri.values()) s.stop();
    this.servers.clear();
    this.byUri.clear();
    this.pending.clear();
  }

  // ---- placement API (sessions / signalling) ----

  /**
   * Picks the least-loaded connected server for a new session and reserves its share at once.
   * Placing a session that is already placed returns its placement.
   */
  place(sessionId: string): Placement {
    for (const s of this.servers.values()) {
      const existing = s.placementOf(sessionId);
      if (existing) return existing;
    }
    const best = leastLoaded(this.servers.values());
    if (!best) throw new NoMediaServerAvailableError(sessionId);
    return best.place(sessionId);
  }

  /** Media operations on one server, for signalling. */
  media(mediaServerId: string): MediaApi {
    const s = this.servers.get(mediaServerId);
    if (!s) throw new MediaServerUnavailableError(`Media server ${mediaServerId} is not registered`, mediaServerId);
    return s.media;
  }

  /** Snapshots, registration order. */
  list(): MediaServerSnapshot[] {
    return [...this.servers.values()].map((s) => s.snapshot());
  }

  get(id: string): MediaServerSnapshot | undefined {
    return this.servers.get(id)?.snapshot();
  }

  connectedCount(): number {
    let n = 0;
    for (const s of this.servers.values()) if (s.connected) n++;
    return n;
  }

  get size(): number {
    return this.servers.size;
  }

  // ---- /pro/media-servers (docs/openvidu-api.md §3.3) ----

  listJson(query: Record<string, unknown>): { numberOfElements: number; content: Record<string, unknown>[] } {
    this.assertCluster();
    const view = viewOptions(query);
    const content = this.list().map((s) => mediaServerJson(s, view));
    return { numberOfElements: content.length, content };
  }

  getJson(id: string, query: Record<string, unknown>): Record<string, unknown> {
    this.assertCluster();
    const view = viewOptions(query);
    const s = this.get(id);
    if (!s) throw new NotFoundError(`Media server ${id} not found`);
    return mediaServerJson(s, view);
  }

  /** POST: 200 once connected, 404 when it does not answer within `kms.connect.timeout`. */
  async register(body: unknown): Promise<Record<string, unknown>> {
    this.assertCluster();
    const uri = (body as { uri?: unknown } | null | undefined)?.uri;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof uri !== 'string') {
      throw new BadRequestError('Body must be a JSON object with a "uri" string');
    }
    if (!isWsUri(uri.trim())) throw new BadRequestError(`"uri" must be a ws:// or wss:// URI, got "${uri}"`);
    const clean = uri.trim();
    if (this.byUri.has(normalizeUri(clean))) throw new ConflictError(`Media server ${clean} is already registered`);
    const server = this.add(clean, true);
    server.start();
    const ok = await server.waitConnected(this.config.get('kms.connect.timeout'));
    if (!this.pending.delete(server)) throw new NotFoundError(`Media server ${clean} was removed while registering`);
    if (!ok) {
      this.remove(server);
      throw new NotFoundError(`Media server ${clean} is not reachable`);
    }
    this.servers.set(server.id, server);
    this.logger.log(`Media server ${server.id} (${clean}) registered`);
    const snapshot = server.snapshot();
    this.emit(MEDIA_SERVER_CONNECTED, server, snapshot.connectionTime);
    return mediaServerJson(snapshot, { load: false, sessions: false, extraInfo: false });
  }

  /** DELETE: 409 while it hosts sessions unless `force`, which closes them first. */
  async deregister(id: string, query: Record<string, unknown>): Promise<void> {
    this.assertCluster();
    const force = queryFlag(query, 'force');
    const server = this.servers.get(id);
    if (!server) throw new NotFoundError(`Media server ${id} not found`);
    if (server.placementCount > 0 && !force) {
      throw new ConflictError(`Media server ${id} hosts ${server.placementCount} session(s)`);
    }
    // Out of the pool first, so nothing is placed on it while its sessions close.
    this.servers.delete(id);
    try {
      if (server.placementCount > 0) {
        await server.closeSessions('mediaServerDisconnect');
        // Their media releases must reach the server before its client is closed, or it keeps them.
        await server.media.settle();
      }
    } finally {
      this.remove(server);
    }
    this.logger.log(`Media server ${id} (${server.uri}) deregistered${force ? ' (forced)' : ''}`);
  }

  private assertCluster(): void {
    if (!this.config.get('openvidu.pro.cluster')) {
      throw new NotImplementedError(
        'Cluster mode is off: /pro/media-servers needs openvidu.pro.cluster=true (environment OPENVIDU_PRO_CLUSTER=true)',
      );
    }
  }

  private add(uri: string, pending = false): MediaServer {
    const key = normalizeUri(uri);
    const server = new MediaServer(mediaServerIdFor(key), uri, this.strategy, this.timing(), (event, s, at) =>
      this.emit(event, s, at),
    );
    this.byUri.set(key, server);
    if (pending) this.pending.add(server);
    else this.servers.set(server.id, server);
    return server;
  }

  private remove(server: MediaServer): void {
    server.stop();
    this.servers.delete(server.id);
    this.pending.delete(server);
    const key = normalizeUri(server.uri);
    if (this.byUri.get(key) === server) this.byUri.delete(key);
  }

  private emit(event: MediaServerEventName, server: MediaServer, at: number): void {
    if (this.shuttingDown || this.pending.has(server)) return;
    const payload: MediaServerEvent = { id: server.id, uri: server.uri, at };
    try {
      this.events.emit(event, payload);
    } catch (e) {
      this.logger.error(`A ${event} listener failed: ${(e as Error).message}`);
    }
  }

  private timing(): MediaServerTiming {
    const c = this.config;
    return {
      livenessInterval: c.get('kms.liveness.interval'),
      livenessTimeout: c.get('kms.liveness.timeout'),
      connectTimeout: c.get('kms.connect.timeout'),
      samplingInterval: c.get('kms.load.sampling-interval'),
      disconnectGrace: c.get('kms.disconnect.grace'),
      requestTimeout: c.get('kms.request.timeout'),
    };
  }
}
