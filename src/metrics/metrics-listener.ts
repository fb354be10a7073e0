import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import { OpenViduConfigService } from '../config/config.service.js';
import { MetricsService } from './metrics.service.js';

/**
 * `metrics.port` > 0: a second, plain-HTTP listener that serves only `GET /metrics`, without auth,
 * for scrapers inside the cluster (keep that port off the public Service).
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  get port(): number | undefined {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.get('metrics.port');
    if (!port) return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: this port serves GET /metrics only\n');
        return;
      }
      this.metrics.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': this.metrics.contentType }).end(text),
        (e: unknown) => {
          this.logger.error(`Metrics collection failed: ${(e as Error).message}`);
          res.writeHead(500).end();
        },
      );
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.get('metrics.address'), () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`Metrics without auth on http://${this.config.get('metrics.address')}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
