import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KmsEmulator, KmsEmulatorOptions, KmsEmulatorStats } from './api.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { LogFn } from './context.js';
import { Faults } from './faults.js';
import { Dispatcher } from './rpc.js';
import { SessionRegistry } from './session-registry.js';
import { TimerSet, uuid } from './util.js';

const silent: LogFn = () => {};

export class KmsEmulatorServer implements KmsEmulator, ConnectionHost {
  readonly faults = new Faults();
  readonly timers = new TimerSet();
  readonly registry: SessionRegistry;
  readonly dispatcher: Dispatcher;
  readonly log: LogFn;
  private readonly host: string;
  private readonly path: string;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly rawSockets = new Set<Socket>();
  private readonly conns = new Set<Connection>();
  private currentServerId = uuid();
  private boundPort: number;
  private listening = false;
  private startedOnce = false;
  private closed = false;

  private constructor(opts: KmsEmulatorOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.path = (opts.path ?? 'kurento').replace(/^\//, '');
    this.boundPort = opts.port ?? 0;
    this.log = opts.log ?? silent;
    this.registry = new SessionRegistry({ cpuCount: opts.cpuCount ?? 4, log: this.log, timers: this.timers });
    this.dispatcher = new Dispatcher(this.registry, this.faults, () => this.currentServerId);
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('Kurento media server emulator: WebSocket only\n');
    });
    this.http.on('connection', (s: Socket) => {
      this.rawSockets.add(s);
      s.once('close', () => this.rawSockets.delete(s));
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
    });
  }

  static async start(opts: KmsEmulatorOptions = {}): Promise<KmsEmulatorServer> {
    const s = new KmsEmulatorServer(opts);
    await s.up();
    s.log('info', `Kurento media server emulator listening on ${s.uri} (serverId ${s.serverId})`);
    return s;
  }

  get uri(): string {
    return `ws://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}/${this.path}`;
  }

  get port(): number {
    return this.boundPort;
  }

  get serverId(): string {
    return this.currentServerId;
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const path = (req.url ?? '/').split('?')[0].replace(/^\//, '');
    if (path !== this.path) {
      // KMS accepts the handshake, then closes with protocol_error "Invalid path".
      this.log('warn', `closing socket on invalid path "${path}"`);
      ws.close(1002, 'Invalid path');
      return;
    }
    const conn = new Connection(ws, this);
    this.conns.add(conn);
    this.log('debug', `socket #${conn.cid} opened from ${req.socket.remoteAddress ?? '?'}`);
  }

  onConnectionClosed(conn: Connection): void {
    this.conns.delete(conn);
    this.log('debug', `socket #${conn.cid} closed`);
  }

  private dropSockets(): void {
    for (const c of this.conns) c.terminate();
    for (const s of this.rawSockets) s.destroy();
  }

  blip(): void {
    this.log('info', `fault: blip (dropping ${this.conns.size} sockets, state kept)`);
    this.dropSockets();
  }

  async down(): Promise<void> {
    if (this.listening) this.log('info', 'fault: down (not listening)');
    await this.stopListening();
  }

  private async stopListening(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.dropSockets();
    await closed;
  }

  async up(): Promise<void> {
    if (this.listening || this.closed) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.http.once('error', onError);
      this.http.listen(this.boundPort, this.host, () => {
        this.http.off('error', onError);
        resolve();
      });
    });
    const addr = this.http.address();
    if (addr && typeof addr === 'object') this.boundPort = addr.port;
    if (this.startedOnce) this.log('info', `fault: up (listening again on port ${this.boundPort})`);
    this.startedOnce = true;
    this.listening = true;
  }

  restart(): Promise<void> {
    this.currentServerId = uuid();
    this.log('info', `fault: restart (new serverId ${this.currentServerId}, all state dropped)`);
    this.registry.reset();
    this.timers.clearAll();
    this.dropSockets();
    return Promise.resolve();
  }

  hang(on = true): void {
    this.faults.hung = on;
    this.log('info', `fault: hang ${on ? 'on' : 'off'}`);
  }

  setLatency(ms: number): void {
    this.faults.latencyMs = Math.max(0, ms);
    this.log('info', `fault: latency ${this.faults.latencyMs} ms`);
  }

  failNext(operation: string, count: number, code: number, message?: string): void {
    this.faults.failNext(operation, count, code, message);
    this.log('info', `fault: next ${count} '${operation}' fail with ${code}`);
  }

  setLimit(maxObjects: number | null): void {
    this.registry.maxObjects = maxObjects;
    this.log('info', `fault: object limit ${maxObjects ?? 'off'}`);
  }

  stats(): KmsEmulatorStats {
    const r = this.registry;
    return {
      sessions: r.sessionCount,
      objects: r.objectCount,
      pipelines: r.pipelines,
      endpoints: r.endpoints,
      sockets: this.conns.size,
    };
  }

  raise(objectId: string, eventType: string, fields: Record<string, unknown> = {}): void {
    const obj = this.registry.resolve(objectId);
    if (!obj.info.events.has(eventType)) throw new Error(`${obj.type} raises no '${eventType}' event`);
    this.log('info', `raise: ${eventType} on ${objectId}`);
    obj.emit(eventType, fields);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.faults.reset();
    await this.stopListening();
    this.closed = true;
    this.dropSockets();
    this.registry.reset();
    this.timers.clearAll();
    this.wss.close();
    this.log('info', 'Kurento media server emulator closed');
  }
}
