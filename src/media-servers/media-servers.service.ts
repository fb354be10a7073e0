import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectEventBus, type EventBus } from '../common/app-events.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { OpenViduConfigService } from '../config/config.service.js';
import type { LoadStrategy } from './load-strategies/load-strategy.interface.js';
import type { MediaApi } from './media-api.js';
import { MEDIA_SERVER_IO, type MediaServerIo } from './media-server-io.js';
import { ALL_LOAD_STRATEGIES } from './load-strategies/load-strategies.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_STATUS_CHANGED,
  type MediaServerEvent,
  type MediaServerEventMap,
  type MediaServerEventName,
  type MediaServerStatusEvent,
} from './media-server.events.js';
import { mediaServerIdFor, normalizeUri, releaseMediaServerId } from './media-server-id.js';
import { mediaServerJson, mediaServerJsonText, queryFlag, viewOptions } from './media-server.json.js';
import {
  MediaServer,
  type MediaServerSnapshot,
  type MediaServerStatus,
  type MediaServerTiming,
} from './media-server.js';
import { MediaServerUnavailableError, NoMediaServerAvailableError } from './media-servers.errors.js';
import type { Placement } from './placement.js';
import { leastLoaded } from './server-load.js';
import { LastResortHandler } from './kurento/fault-domain.js';

export const ACTIVE_LOAD_STRATEGY = Symbol('ACTIVE_LOAD_STRATEGY');

/** What metrics and the Inspector read about one server; all in memory, no round trip. */
export interface MediaServerStats {
  id: string;
  uri: string;
  connected: boolean;
  status: MediaServerStatus;
  /** Epoch ms of the last connection (0 before the first). */
  connectionTime: number;
  /** The load figure of every strategy the sampled data allows (the active one always). */
  loads: Record<string, number>;
  sessions: number;
  streams: number;
  reconnects: number;
  disconnections: number;
  probeRoundTripMs: number | undefined;
}

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
  /** While the pool runs, a throw from inside a media server's client is contained, not fatal. */
  private readonly lastResort = new LastResortHandler((m) => this.logger.fatal(m));

  constructor(
    @Inject(OpenViduConfigService) private readonly config: Pick<OpenViduConfigService, 'get'>,
    @InjectEventBus() private readonly events: EventBus<MediaServerEventMap>,
    @Inject(ACTIVE_LOAD_STRATEGY) readonly strategy: LoadStrategy,
    @Inject(MEDIA_SERVER_IO) private readonly io: MediaServerIo,
  ) {}

  onModuleInit(): void {
    this.lastResort.install();
    // An unreachable server does not stop the boot: its probe keeps trying and the routes show it.
    for (const uri of this.config.get('kms.uris')) {
      if (this.byUri.has(normalizeUri(uri))) continue;
      this.add(uri).start();
    }
  }

  onApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const s of this.byUri.values()) {
      s.stop();
      this.releaseId(s);
    }
    this.servers.clear();
    this.byUri.clear();
    this.pending.clear();
    this.lastResort.uninstall();
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
    // A draining server keeps its sessions but takes no new one.
    const best = leastLoaded([...this.servers.values()].filter((s) => s.status === 'running'));
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

  /** Per-server figures for metrics and the Inspector, registration order. */
  stats(): MediaServerStats[] {
    const active = this.strategy.samples;
    // A strategy whose samples the sampler does not fetch would show a made-up figure: left out.
    const strategies = ALL_LOAD_STRATEGIES.filter(
      (s) => (!s.samples.cpu || active.cpu) && (!s.samples.mediaObjects || active.mediaObjects),
    );
    return [...this.servers.values()].map((s) => {
      const loads: Record<string, number> = {};
      for (const strategy of strategies) loads[strategy.name] = s.loadBy(strategy);
      return {
        id: s.id,
        uri: s.uri,
        connected: s.connected,
        status: s.status,
        connectionTime: s.snapshot().connectionTime,
        loads,
        sessions: s.placementCount,
        streams: s.streamCount(),
        reconnects: s.reconnects,
        disconnections: s.disconnections,
        probeRoundTripMs: s.probeRoundTripMs,
      };
    });
  }

  // ---- /pro/media-servers (docs/openvidu-api.md §3.3) ----

  /** With `sessions=true`, JSON text that reuses each session's cached JSON (media-server.json.ts). */
  listJson(query: Record<string, unknown>): { numberOfElements: number; content: Record<string, unknown>[] } | string {
    const view = viewOptions(query);
    const servers = this.list();
    if (view.sessions) {
      const content = servers.map((s) => mediaServerJsonText(s, view)).join(',');
      return `{"numberOfElements":${servers.length},"content":[${content}]}`;
    }
    const content = servers.map((s) => mediaServerJson(s, view));
    return { numberOfElements: content.length, content };
  }

  getJson(id: string, query: Record<string, unknown>): Record<string, unknown> | string {
    const view = viewOptions(query);
    const s = this.get(id);
    if (!s) throw new NotFoundError(`Media server ${id} not found`);
    return view.sessions ? mediaServerJsonText(s, view) : mediaServerJson(s, view);
  }

  /** POST: 200 once connected, 404 when it does not answer within `kms.connect.timeout`. */
  async register(uri: string): Promise<Record<string, unknown>> {
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
    this.logger.log({ msg: `Media server ${server.id} (${clean}) registered`, mediaServerId: server.id });
    const snapshot = server.snapshot();
    this.emit(MEDIA_SERVER_CONNECTED, server, snapshot.connectionTime);
    return mediaServerJson(snapshot, { load: false, sessions: false, extraInfo: false });
  }

  /**
   * PATCH `{"status": "waiting-idle-to-terminate" | "running"}` (later OpenVidu Pro's media-node
   * drain): a draining server takes no new session, keeps its own and is deregistered by itself once
   * the last one ends (at once when it hosts none). `running` cancels a drain still waiting.
   */
  updateStatus(id: string, status: 'running' | 'waiting-idle-to-terminate'): Record<string, unknown> {
    const server = this.servers.get(id);
    if (!server) throw new NotFoundError(`Media server ${id} not found`);
    if (server.status !== status) {
      this.setStatus(server, status);
      if (status === 'waiting-idle-to-terminate') {
        this.logger.log({
          msg: `Media server ${id} draining: no new sessions, ${server.placementCount} session(s) left`,
          mediaServerId: id,
        });
        if (server.placementCount === 0) this.terminateIdle(server);
      } else {
        this.logger.log({ msg: `Media server ${id} running again: takes new sessions`, mediaServerId: id });
      }
    }
    return mediaServerJson(server.snapshot(), { load: false, sessions: false, extraInfo: false });
  }

  /** DELETE: 409 while it hosts sessions unless `force`, which closes them first. */
  async deregister(id: string, query: Record<string, unknown>): Promise<void> {
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
        await server.settleMedia();
      }
    } finally {
      this.remove(server);
    }
    this.logger.log({
      msg: `Media server ${id} (${server.uri}) deregistered${force ? ' (forced)' : ''}`,
      mediaServerId: id,
    });
  }

  private add(uri: string, pending = false): MediaServer {
    const key = normalizeUri(uri);
    const server = new MediaServer(
      mediaServerIdFor(key),
      uri,
      this.strategy,
      this.timing(),
      this.io,
      (event, s, at) => this.emit(event, s, at),
      (s) => this.placementReleased(s),
    );
    this.byUri.set(key, server);
    if (pending) this.pending.add(server);
    else this.servers.set(server.id, server);
    return server;
  }

  private placementReleased(server: MediaServer): void {
    if (server.status !== 'waiting-idle-to-terminate' || server.placementCount > 0) return;
    // Released from inside a session's close: leave that call stack before tearing the server down.
    queueMicrotask(() => {
      if (server.status === 'waiting-idle-to-terminate' && server.placementCount === 0) this.terminateIdle(server);
    });
  }

  /** The last session of a draining server ended: terminating → deregistered → terminated. */
  private terminateIdle(server: MediaServer): void {
    if (this.shuttingDown || this.servers.get(server.id) !== server) return;
    this.setStatus(server, 'terminating');
    this.servers.delete(server.id);
    void server
      .settleMedia()
      .catch(() => undefined)
      .finally(() => {
        this.remove(server);
        this.logger.log({
          msg: `Media server ${server.id} (${server.uri}) drained and deregistered`,
          mediaServerId: server.id,
        });
        this.setStatus(server, 'terminated');
      });
  }

  private setStatus(server: MediaServer, status: MediaServerStatus): void {
    const oldStatus = server.status;
    server.status = status;
    if (this.shuttingDown) return;
    const payload: MediaServerStatusEvent = {
      id: server.id,
      uri: server.uri,
      ip: server.ip,
      oldStatus,
      newStatus: status,
      at: Date.now(),
    };
    try {
      this.events.emit(MEDIA_SERVER_STATUS_CHANGED, payload);
    } catch (e) {
      this.logger.error(`A ${MEDIA_SERVER_STATUS_CHANGED} listener failed: ${(e as Error).message}`);
    }
  }

  private remove(server: MediaServer): void {
    server.stop();
    this.servers.delete(server.id);
    this.pending.delete(server);
    const key = normalizeUri(server.uri);
    if (this.byUri.get(key) === server) this.byUri.delete(key);
    this.releaseId(server);
  }

  /** Each server's id is released once, whichever of remove and shutdown comes first. */
  private readonly idsReleased = new WeakSet<MediaServer>();
  private releaseId(server: MediaServer): void {
    if (this.idsReleased.has(server)) return;
    this.idsReleased.add(server);
    releaseMediaServerId(normalizeUri(server.uri));
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
      maxFrameBytes: c.get('kms.max-frame-size'),
    };
  }
}
