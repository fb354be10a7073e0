import { Logger } from '@nestjs/common';
import type { KmsInfo } from './kurento/kms-monitor.js';
import type { MediaApi } from './media-api.js';
import type { LoadStrategy } from './load-strategies/load-strategy.interface.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
  type MediaServerEventName,
} from './media-server.events.js';
import type { MediaConnection, MediaServerIo, Monitor, Probe } from './media-server-io.js';
import type { HostedSession, PlacementRecord } from './placement.js';
import { ServerLoad } from './server-load.js';

export interface MediaServerTiming {
  livenessInterval: number;
  livenessTimeout: number;
  connectTimeout: number;
  samplingInterval: number;
  disconnectGrace: number;
  requestTimeout: number;
  maxFrameBytes: number;
}

/**
 * Media-node statuses of later OpenVidu Pro versions that apply to a registered server: `running`
 * takes new sessions; `waiting-idle-to-terminate` keeps its sessions, takes no new one and is
 * deregistered when its last one ends (`terminating`, then `terminated` once removed).
 */
export const MEDIA_SERVER_STATUSES = ['running', 'waiting-idle-to-terminate', 'terminating', 'terminated'] as const;
export type MediaServerStatus = (typeof MEDIA_SERVER_STATUSES)[number];

/** A read-only view for the routes. */
export interface MediaServerSnapshot {
  id: string;
  uri: string;
  ip: string;
  connected: boolean;
  status: MediaServerStatus;
  connectionTime: number;
  disconnectionTime: number;
  load: number;
  sessions: HostedSession[];
  info: KmsInfo | undefined;
}

/**
 * One registered media server: its state as the probe sees it, the sessions placed on it, the
 * cached samples, and the three sockets it owns (probe, sampler, kurento-client). `stop()` releases
 * every one of them with their timers and listeners.
 */
export class MediaServer {
  private readonly logger = new Logger('MediaServers');
  readonly ip: string;
  private isConnected = false;
  private everConnected = false;
  private connectedAt = 0;
  private disconnectedAt = Date.now();
  private readonly loadState: ServerLoad;
  private lastInfo: KmsInfo | undefined;
  private readonly probe: Probe;
  private readonly monitor: Monitor;
  private readonly connection: MediaConnection;
  /** The media operations signalling runs on this server. */
  readonly media: MediaApi;
  private graceTimer: NodeJS.Timeout | undefined;
  private connectWaiters: Array<(connected: boolean) => void> = [];
  private stopped = false;
  private warnedUnreachable = false;
  status: MediaServerStatus = 'running';
  /** Counted for metrics: connections after the first one, and losses. */
  reconnects = 0;
  disconnections = 0;

  constructor(
    readonly id: string,
    readonly uri: string,
    strategy: LoadStrategy,
    private readonly timing: MediaServerTiming,
    /** Makes the probe, the sampler and the media client (Kurento, or fakes in unit specs). */
    io: MediaServerIo,
    private readonly emit: (event: MediaServerEventName, server: MediaServer, at: number) => void,
    /** A placement was released; the pool deregisters a draining server once it has none. */
    placementReleased: (server: MediaServer) => void = () => undefined,
  ) {
    this.loadState = new ServerLoad(id, strategy, () => placementReleased(this));
    this.ip = new URL(uri).hostname.replace(/^\[(.*)\]$/, '$1');
    this.probe = io.probe(
      uri,
      { interval: timing.livenessInterval, timeout: timing.livenessTimeout, maxFrameBytes: timing.maxFrameBytes },
      {
        up: (restarted) => this.onUp(restarted),
        down: (reason) => this.onDown(reason),
        attemptFailed: (reason) => this.onAttemptFailed(reason),
      },
    );
    this.monitor = io.monitor(
      uri,
      {
        samplingInterval: timing.samplingInterval,
        connectTimeout: timing.connectTimeout,
        requestTimeout: timing.requestTimeout,
        maxFrameBytes: timing.maxFrameBytes,
        ...strategy.samples,
      },
      {
        starting: () => this.loadState.sampleStarting(),
        info: (info) => (this.lastInfo = info),
        sample: (sample) => this.loadState.sampleDone(sample),
        failed: (reason) =>
          this.logger.debug({ msg: `Media server ${this.id}: sampling failed: ${reason}`, mediaServerId: this.id }),
      },
    );
    this.connection = io.media(
      id,
      uri,
      { requestTimeout: timing.requestTimeout, maxFrameBytes: timing.maxFrameBytes },
      () => this.isConnected,
    );
    this.media = this.connection.media;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get placementCount(): number {
    return this.loadState.placementCount;
  }

  load(): number {
    return this.loadState.load();
  }

  loadBy(strategy: LoadStrategy): number {
    return this.loadState.loadBy(strategy);
  }

  /** Publishers + subscribers of the sessions placed here. */
  streamCount(): number {
    let n = 0;
    for (const p of this.loadState.placements()) n += p.session?.streamCount() ?? 0;
    return n;
  }

  /** Round trip of the liveness probe's last ping, in ms. */
  get probeRoundTripMs(): number | undefined {
    return this.probe.roundTripMs;
  }

  start(): void {
    this.probe.start();
  }

  /** Resolves true once connected, false after `timeoutMs` or when stopped. */
  waitConnected(timeoutMs: number): Promise<boolean> {
    if (this.isConnected) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.connectWaiters = this.connectWaiters.filter((w) => w !== done);
        resolve(ok);
      };
      this.connectWaiters.push(done);
    });
  }

  place(sessionId: string): PlacementRecord {
    return this.loadState.place(sessionId);
  }

  placementOf(sessionId: string): PlacementRecord | undefined {
    return this.loadState.placementOf(sessionId);
  }

  /** Closes every attached session with `reason` and drops every placement, attached or not. */
  async closeSessions(reason: 'mediaServerDisconnect'): Promise<void> {
    const all = [...this.loadState.placements()];
    await Promise.all(
      all.map(async (p) => {
        try {
          await p.session?.close(reason);
        } catch (e) {
          this.logger.warn({
            msg: `Media server ${this.id}: closing session ${p.sessionId} failed: ${(e as Error).message}`,
            mediaServerId: this.id,
            sessionId: p.sessionId,
          });
        } finally {
          p.release();
        }
      }),
    );
  }

  snapshot(): MediaServerSnapshot {
    const sessions: HostedSession[] = [];
    for (const p of this.loadState.placements()) if (p.session) sessions.push(p.session);
    return {
      id: this.id,
      uri: this.uri,
      ip: this.ip,
      connected: this.isConnected,
      status: this.status,
      connectionTime: this.connectedAt,
      disconnectionTime: this.disconnectedAt,
      load: this.load(),
      sessions,
      info: this.lastInfo,
    };
  }

  /** Resolves once no media call on this server waits for an answer (each is bounded by the request timeout). */
  settleMedia(): Promise<void> {
    return this.connection.settle();
  }

  /** Releases the sockets, timers and listeners of this server. No event is emitted afterwards. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.probe.stop();
    this.monitor.stop();
    this.connection.close();
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    for (const w of [...this.connectWaiters]) w(false);
  }

  private onUp(restarted: boolean): void {
    const at = Date.now();
    this.isConnected = true;
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.warnedUnreachable = false;
    this.connectedAt = at;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (restarted) this.loadState.forgetSample();
    this.connection.serverUp();
    this.monitor.start();
    for (const w of [...this.connectWaiters]) w(true);
    if (restarted) {
      this.logger.warn({
        msg: `Media server ${this.id} (${this.uri}) restarted: a new server process answers`,
        mediaServerId: this.id,
      });
      this.emit(MEDIA_SERVER_RESTARTED, this, at);
    }
    this.logger.log({ msg: `Media server ${this.id} (${this.uri}) connected`, mediaServerId: this.id });
    this.emit(MEDIA_SERVER_CONNECTED, this, at);
  }

  private onDown(reason: string): void {
    const at = Date.now();
    this.isConnected = false;
    this.disconnections++;
    this.disconnectedAt = at;
    this.monitor.stop();
    this.logger.warn({ msg: `Media server ${this.id} (${this.uri}) disconnected: ${reason}`, mediaServerId: this.id });
    this.emit(MEDIA_SERVER_DISCONNECTED, this, at);
    this.graceTimer = setTimeout(() => this.onGraceExpired(), this.timing.disconnectGrace);
  }

  private onAttemptFailed(reason: string): void {
    if (this.everConnected || this.warnedUnreachable) return;
    this.warnedUnreachable = true;
    this.logger.warn({
      msg: `Media server ${this.id} (${this.uri}) is not reachable (${reason}); will keep trying`,
      mediaServerId: this.id,
    });
  }

  private onGraceExpired(): void {
    this.graceTimer = undefined;
    if (this.isConnected || this.stopped || !this.placementCount) return;
    this.logger.warn({
      msg:
        `Media server ${this.id} still disconnected after ${this.timing.disconnectGrace} ms: ` +
        `closing its ${this.placementCount} session(s)`,
      mediaServerId: this.id,
    });
    void this.closeSessions('mediaServerDisconnect');
  }
}
