import { Inject, Injectable } from '@nestjs/common';
import { OnAppEvent } from '../common/app-events.js';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LifecycleService } from '../health/lifecycle.service.js';
import { MediaServersService } from '../media-servers/media-servers.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SIGNALLING_REQUEST, type SignallingRequestEvent } from '../signalling/signalling.events.js';
import { WebhookService } from '../webhook/webhook.service.js';

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Requests no route matched share one label value, so unknown paths cannot grow the label set. */
export const UNMATCHED_ROUTE = '(unmatched)';
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Owns the Prometheus registry of this app. Gauges read the other modules' in-memory state when
 * scraped (no bookkeeping of our own to drift); counters of things that happen come from typed
 * events and from the HTTP middleware. Other modules never import prom-client.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly signallingRequests: Counter<'method' | 'code'>;
  private readonly joins: Counter<'result'>;
  private readonly joinDuration: Histogram;

  constructor(
    @Inject(MediaServersService) private readonly pool: MediaServersService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(WebhookService) private readonly webhook: WebhookService,
    @Inject(LifecycleService) private readonly lifecycle: LifecycleService,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.httpDuration = new Histogram({
      name: 'openvidu_http_request_duration_seconds',
      help: 'REST request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    // The histogram's _count says the same, but many tools (and parsers) read labelled counters more easily.
    this.httpRequests = new Counter({
      name: 'openvidu_http_requests_total',
      help: 'REST requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.signallingRequests = new Counter({
      name: 'openvidu_signalling_requests_total',
      help: 'Signalling JSON-RPC requests by method and outcome (ok, or the OpenVidu error code)',
      labelNames: ['method', 'code'],
      registers,
    });
    this.joins = new Counter({
      name: 'openvidu_joins_total',
      help: 'joinRoom requests: ok, refused (not authorized) or failed',
      labelNames: ['result'],
      registers,
    });
    this.joinDuration = new Histogram({
      name: 'openvidu_join_duration_seconds',
      help: 'Duration of successful joinRoom requests (pipeline creation included)',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.serverGauges(registers);
    this.mediaServerGauges(registers);
    this.sessionGauges(registers);
    this.webhookMetrics(registers);
  }

  /** Express middleware: times every request and labels it with the route template it matched. */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const start = process.hrtime.bigint();
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const labels = {
          method: HTTP_METHODS.has(req.method) ? req.method : 'OTHER',
          route: routeTemplate(req),
          status: String(res.statusCode),
        };
        this.httpDuration.observe(labels, seconds);
        this.httpRequests.inc(labels);
      });
      next();
    };
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  @OnAppEvent(SIGNALLING_REQUEST)
  onSignallingRequest(e: SignallingRequestEvent): void {
    this.signallingRequests.inc({ method: e.method, code: e.code === null ? 'ok' : String(e.code) });
    if (e.method !== 'joinRoom') return;
    // 401 is OpenVidu's USER_UNAUTHORIZED: a bad or used token, not a fault of ours.
    const result = e.code === null ? 'ok' : e.code === 401 ? 'refused' : 'failed';
    this.joins.inc({ result });
    if (e.code === null) this.joinDuration.observe(e.durationMs / 1000);
  }

  private serverGauges(registers: Registry[]): void {
    const lifecycle = this.lifecycle;
    new Gauge({
      name: 'openvidu_server_ready',
      help: '1 while this process takes traffic (the readiness probe), 0 while booting or draining',
      registers,
      collect() {
        this.set(lifecycle.phase === 'serving' ? 1 : 0);
      },
    });
  }

  private mediaServerGauges(registers: Registry[]): void {
    const pool = this.pool;
    const perServer = (
      name: string,
      help: string,
      value: (s: ReturnType<MediaServersService['stats']>[number]) => number | undefined,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['media_server'],
        registers,
        collect() {
          // Reset first: a deregistered server's series must vanish, not freeze.
          this.reset();
          for (const s of pool.stats()) {
            const v = value(s);
            if (v !== undefined) this.set({ media_server: s.id }, v);
          }
        },
      });
    perServer('openvidu_media_server_connected', '1 while the media server answers its liveness probe', (s) =>
      s.connected ? 1 : 0,
    );
    perServer('openvidu_media_server_sessions', 'Sessions placed on the media server', (s) => s.sessions);
    perServer('openvidu_media_server_streams', 'Publishers plus subscribers on the media server', (s) => s.streams);
    perServer('openvidu_media_server_probe_round_trip_seconds', 'Round trip of the last liveness ping', (s) =>
      // Absent while disconnected: the last answer of a server that stopped answering is stale.
      !s.connected || s.probeRoundTripMs === undefined ? undefined : s.probeRoundTripMs / 1000,
    );
    new Gauge({
      name: 'openvidu_media_server_info',
      help: 'Always 1; the media server uri and its status (running, waiting-idle-to-terminate) as labels',
      labelNames: ['media_server', 'uri', 'status'],
      registers,
      collect() {
        this.reset();
        for (const s of pool.stats()) this.set({ media_server: s.id, uri: s.uri, status: s.status }, 1);
      },
    });
    new Gauge({
      name: 'openvidu_media_server_load',
      help: 'Load of the media server as each strategy weighs it (the active one decides placement)',
      labelNames: ['media_server', 'strategy'],
      registers,
      collect() {
        this.reset();
        for (const s of pool.stats()) {
          for (const [strategy, v] of Object.entries(s.loads)) this.set({ media_server: s.id, strategy }, v);
        }
      },
    });
    for (const [name, help, key] of [
      ['openvidu_media_server_reconnects_total', 'Connections of the media server after its first one', 'reconnects'],
      ['openvidu_media_server_disconnections_total', 'Times the media server was lost', 'disconnections'],
    ] as const) {
      new Counter({
        name,
        help,
        labelNames: ['media_server'],
        registers,
        collect() {
          this.reset();
          for (const s of pool.stats()) this.inc({ media_server: s.id }, s[key]);
        },
      });
    }
  }

  private sessionGauges(registers: Registry[]): void {
    const sessions = this.sessions;
    const totals = () => {
      const t = { idle: 0, active: 0, connections: 0, publishers: 0, subscribers: 0, recordings: 0 };
      for (const s of sessions.list()) {
        if (s.state === 'idle') t.idle++;
        else if (s.state === 'active') t.active++;
        if (s.recording) t.recordings++;
        for (const p of s.visibleParticipants()) {
          t.connections++;
          if (p.publisher) t.publishers++;
          t.subscribers += p.subscriptions.size;
        }
      }
      return t;
    };
    new Gauge({
      name: 'openvidu_sessions',
      help: 'Sessions by state: idle (created, nobody joined yet) or active (placed on a media server)',
      labelNames: ['state'],
      registers,
      collect() {
        const t = totals();
        this.set({ state: 'idle' }, t.idle);
        this.set({ state: 'active' }, t.active);
      },
    });
    for (const [name, help, key] of [
      ['openvidu_connections', 'Participants connected to a session', 'connections'],
      ['openvidu_publishers', 'Published streams', 'publishers'],
      ['openvidu_subscribers', 'Subscriptions to published streams', 'subscribers'],
      ['openvidu_recordings', 'Sessions being recorded', 'recordings'],
    ] as const) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(totals()[key]);
        },
      });
    }
  }

  private webhookMetrics(registers: Registry[]): void {
    const sender = this.webhook.sender;
    new Gauge({
      name: 'openvidu_webhook_queue_length',
      help: 'Webhook events waiting to be delivered',
      registers,
      collect() {
        this.set(sender.queued);
      },
    });
    new Counter({
      name: 'openvidu_webhook_sent_total',
      help: 'Webhook events delivered (2xx answer)',
      registers,
      collect() {
        this.reset();
        this.inc(sender.counters.delivered);
      },
    });
    new Counter({
      name: 'openvidu_webhook_retries_total',
      help: 'Webhook delivery attempts that failed and were retried',
      registers,
      collect() {
        this.reset();
        this.inc(sender.counters.retries);
      },
    });
    new Counter({
      name: 'openvidu_webhook_dropped_total',
      help: 'Webhook events dropped: queue full, or every attempt failed',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        this.inc({ reason: 'queue_full' }, sender.counters.dropped);
        this.inc({ reason: 'attempts_exhausted' }, sender.counters.failed);
      },
    });
  }
}

/** The Express route template that served the request (`/api/sessions/:sessionId`), or UNMATCHED_ROUTE. */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : UNMATCHED_ROUTE;
}
