import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import type { Response } from 'express';
import { OpenViduConfigService } from '../config/config.service.js';
import { PROPERTIES } from '../config/config.schema.js';
import { OPENVIDU_VERSION } from '../config/public-url.js';
import { LifecycleService, SERVER_PHASE_CHANGED } from '../health/lifecycle.service.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_STATUS_CHANGED,
} from '../media-servers/media-server.events.js';
import { SessionEvents } from '../sessions/session-events.js';
import { MediaServersService } from '../media-servers/media-servers.service.js';
import { SessionsService } from '../sessions/sessions.service.js';

/** Live views at most; past it a new one gets 503 (each costs a snapshot per push). */
const MAX_STREAMS = 16;
/** Sessions listed in one snapshot; the rest is counted, not shown. */
const MAX_SESSIONS = 500;
/** State pushes: at least this often (uptime, load), and at most this often on bursts of changes. */
const PERIOD_MS = 1000;
const DEBOUNCE_MS = 100;
/** Comment line every so often, so proxies do not cut an idle stream. */
const KEEPALIVE_MS = 15_000;

interface Viewer {
  res: Response;
}

/**
 * What the Inspector page shows, and its live feed: a JSON snapshot of the server, media servers
 * and sessions, pushed as server-sent events every second and shortly after any change.
 */
@Injectable()
export class InspectorService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Inspector');
  private readonly viewers = new Set<Viewer>();
  private periodic: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    @Inject(MediaServersService) private readonly pool: MediaServersService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(LifecycleService) private readonly lifecycle: LifecycleService,
  ) {}

  snapshot(): Record<string, unknown> {
    const now = Date.now();
    const all = this.sessions.list();
    const mediaServers = this.pool.stats().map((s) => ({
      id: s.id,
      uri: s.uri,
      connected: s.connected,
      status: s.status,
      since: s.connected ? s.connectionTime : (this.pool.get(s.id)?.disconnectionTime ?? null),
      load: s.loads[this.pool.strategy.name] ?? null,
      sessions: s.sessions,
      streams: s.streams,
      // The last round trip of a server that no longer answers would be a stale, flattering figure.
      probeRoundTripMs:
        !s.connected || s.probeRoundTripMs === undefined ? null : Math.round(s.probeRoundTripMs * 10) / 10,
      reconnects: s.reconnects,
    }));
    const sessions = all.slice(0, MAX_SESSIONS).map((s) => ({
      sessionId: s.sessionId,
      createdAt: s.createdAt,
      state: s.state,
      mediaServerId: s.mediaServerId,
      recording: s.recording,
      connections: s.visibleParticipants().map((p) => ({
        connectionId: p.connectionId,
        role: p.role,
        createdAt: p.createdAt,
        platform: p.platform.slice(0, 100),
        publisher: p.publisher ? p.publisher.streamId : null,
        subscriptions: [...p.subscriptions.values()].map((x) => x.streamId),
      })),
    }));
    return {
      at: now,
      server: {
        version: OPENVIDU_VERSION,
        phase: this.lifecycle.phase,
        startedAt: this.lifecycle.startedAt,
        cluster: this.config.get('openvidu.pro.cluster'),
        loadStrategy: this.pool.strategy.name,
      },
      mediaServers,
      sessions,
      sessionsNotShown: Math.max(0, all.length - MAX_SESSIONS),
    };
  }

  /** The properties POST /pro/restart accepts, with their values now (secrets never shown). */
  restartable(): Array<{ key: string; type: string; value: unknown; secret: boolean }> {
    const c = this.config.snapshot() as unknown as Record<string, unknown>;
    return PROPERTIES.filter((p) => p.restartable).map((p) => ({
      key: p.key,
      type: p.type,
      value: p.secret ? null : c[p.key],
      secret: !!p.secret,
    }));
  }

  /** Opens a server-sent-events stream on `res` and keeps it fed until the client or the app goes. */
  stream(res: Response): void {
    if (this.closed || this.viewers.size >= MAX_STREAMS) {
      res.status(503).json({ message: `At most ${MAX_STREAMS} live Inspector views at a time` });
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const viewer: Viewer = { res };
    this.viewers.add(viewer);
    res.on('close', () => this.drop(viewer));
    this.send(viewer, this.frame());
    this.ensureTimers();
  }

  @OnAppEvent(SessionEvents.Initialized)
  @OnAppEvent(SessionEvents.Activated)
  @OnAppEvent(SessionEvents.Closed)
  @OnAppEvent(SessionEvents.ParticipantJoined)
  @OnAppEvent(SessionEvents.ParticipantLeft)
  @OnAppEvent(SessionEvents.StreamPublished)
  @OnAppEvent(SessionEvents.StreamUnpublished)
  @OnAppEvent(SessionEvents.StreamSubscribed)
  @OnAppEvent(SessionEvents.StreamUnsubscribed)
  @OnAppEvent(SessionEvents.RecordingChanged)
  @OnAppEvent(MEDIA_SERVER_CONNECTED)
  @OnAppEvent(MEDIA_SERVER_DISCONNECTED)
  @OnAppEvent(MEDIA_SERVER_STATUS_CHANGED)
  @OnAppEvent(SERVER_PHASE_CHANGED)
  changed(): void {
    if (!this.viewers.size || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.broadcast();
    }, DEBOUNCE_MS);
  }

  /** Ends every stream so the HTTP server can close. */
  beforeApplicationShutdown(): void {
    this.closed = true;
    for (const v of [...this.viewers]) v.res.end();
    this.viewers.clear();
    this.stopTimers();
  }

  private frame(): string {
    return `event: state\ndata: ${JSON.stringify(this.snapshot())}\n\n`;
  }

  private broadcast(): void {
    if (!this.viewers.size) return;
    const frame = this.frame();
    for (const v of this.viewers) this.send(v, frame);
  }

  private send(viewer: Viewer, text: string): void {
    // A viewer that does not read (full socket buffer) is dropped rather than buffered without bound.
    if (viewer.res.writableLength > 1024 * 1024) {
      this.logger.warn('An Inspector view stopped reading; closing it');
      viewer.res.end();
      this.drop(viewer);
      return;
    }
    viewer.res.write(text);
  }

  private drop(viewer: Viewer): void {
    this.viewers.delete(viewer);
    if (!this.viewers.size) this.stopTimers();
  }

  private ensureTimers(): void {
    this.periodic ??= setInterval(() => this.broadcast(), PERIOD_MS);
    this.keepalive ??= setInterval(() => {
      for (const v of this.viewers) this.send(v, ': keepalive\n\n');
    }, KEEPALIVE_MS);
  }

  private stopTimers(): void {
    clearInterval(this.periodic);
    clearInterval(this.keepalive);
    clearTimeout(this.debounce);
    this.periodic = this.keepalive = this.debounce = undefined;
  }
}
