// A webhook receiver on 127.0.0.1 whose behaviour the test switches: answer 200, answer with another
// status, or hold requests until released. It can be stopped and started again on the same port.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
}

export type Mode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hold' };

export class Receiver {
  /** Every request answered with a 2xx, in arrival order. */
  readonly delivered: Received[] = [];
  /** Every request that arrived, whatever the answer. */
  readonly arrived: Received[] = [];
  mode: Mode = { kind: 'ok' };
  private server: Server | null = null;
  private readonly held: ServerResponse[] = [];
  private readonly sockets = new Set<Socket>();
  port = 0;

  /** With a key and certificate the receiver speaks HTTPS (e.g. with a self-signed certificate). */
  constructor(private readonly tls?: { key: string; cert: string }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/hook`;
  }

  get holding(): number {
    return this.held.length;
  }

  async start(port = this.port): Promise<void> {
    const handler = (req: import('node:http').IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const r: Received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(raw) as Record<string, unknown>,
          raw,
        };
        this.arrived.push(r);
        if (this.mode.kind === 'hold') {
          this.held.push(res);
          (res as ServerResponse & { received?: Received }).received = r;
          return;
        }
        if (this.mode.kind === 'status') {
          res.writeHead(this.mode.status).end();
          return;
        }
        this.delivered.push(r);
        res.writeHead(200).end();
      });
    };
    const server: Server = this.tls ? createHttpsServer(this.tls, handler) : createServer(handler);
    server.on(this.tls ? 'secureConnection' : 'connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Answers the held requests with 200 and goes back to answering at once. */
  release(): void {
    this.mode = { kind: 'ok' };
    for (const res of this.held.splice(0)) {
      this.delivered.push((res as ServerResponse & { received: Received }).received);
      res.writeHead(200).end();
    }
  }

  /** Stops listening and cuts every connection: the sender sees connection errors. */
  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  events(): string[] {
    return this.delivered.map((r) => String(r.body.event));
  }
}
