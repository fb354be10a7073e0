import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { InjectEventBus, type EventBus } from '../common/app-events.js';
import { OpenViduConfigService } from '../config/config.service.js';
import { RpcCode, RpcError } from './rpc-error.js';
import { SignallingClient, type ClientSocket } from './signalling-client.js';
import { SignallingRegistry } from './signalling.registry.js';
import { SIGNALLING_REQUEST, type SignallingEventMap, type SignallingRequestEvent } from './signalling.events.js';
import { SignallingService } from './signalling.service.js';

const PATH = '/openvidu';
/** Requests of one client waiting behind the one being handled; past it the client is cut off. */
export const MAX_QUEUED_REQUESTS = 100;
/** Unknown method names logged per client; the rest are only counted in the metrics. */
const UNKNOWN_METHOD_LOGS = 5;
/** How often refused upgrades are reported (the first one at once). */
const REFUSED_LOG_EVERY_MS = 10_000;
/** How long shutdown waits for clients to answer the close frame before cutting their sockets. */
const CLOSE_GRACE_MS = 500;
/** The watchdog waits 3 intervals and a timer cannot wait longer than 2^31-1 ms. */
const MAX_PING_INTERVAL = Math.floor(0x7fffffff / 3);

/**
 * An accepted socket as the transport drives it: `ws`'s WebSocket is one; a unit spec passes an
 * EventEmitter that plays the peer.
 */
export interface TransportSocket extends ClientSocket {
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'close', listener: () => void): this;
}

interface RpcRequest {
  jsonrpc?: string;
  id?: number | string;
  method?: unknown;
  params?: unknown;
}

/**
 * JSON-RPC 2.0 over WebSocket at /openvidu on the REST listener, with the Kurento JSON-RPC server's
 * semantics that openvidu-browser relies on: `sessionId` in every result, `ping` with a watchdog of
 * three missed intervals, and `connect {sessionId}` to resume after a dropped socket.
 */
@Injectable()
export class SignallingTransport implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Signalling');
  private readonly wss: WebSocketServer;
  /** Open sockets per remote address (`ws.maxSessionsPerAddress`); an entry goes with its last socket. */
  private readonly perAddress = new Map<string, number>();
  private refused = 0;
  private lastRefusedLog = 0;
  private server: Server | undefined;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(OpenViduConfigService) private readonly config: OpenViduConfigService,
    @Inject(SignallingService) private readonly service: SignallingService,
    @InjectEventBus() private readonly events: EventBus<SignallingEventMap>,
    @Inject(SignallingRegistry) private readonly registry: SignallingRegistry,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.get('ws.maxFrameSize') });
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  /** No new clients while the app shuts down. */
  onModuleDestroy(): void {
    this.server?.off('upgrade', this.onUpgrade);
  }

  /**
   * After every module's onModuleDestroy: the sessions have been closed by then, so the clients got
   * participantEvicted (openviduServerStopped) before their sockets close, as with OpenVidu.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const client of this.registry.untrackAll()) {
      client.clearTimers();
      client.closed = true;
      client.socket?.close(1001, 'Server shutting down');
    }
    await this.drain(CLOSE_GRACE_MS);
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Resolves once every socket finished its closing handshake, or after `ms`. */
  private drain(ms: number): Promise<void> {
    const open = [...this.wss.clients].filter((ws) => ws.readyState !== ws.CLOSED);
    if (!open.length) return Promise.resolve();
    return new Promise((resolve) => {
      let left = open.length;
      const timer = setTimeout(resolve, ms);
      for (const ws of open) {
        ws.once('close', () => {
          if (--left === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
  }

  get clientCount(): number {
    return this.registry.clientCount;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    if (path !== PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Every socket costs a file descriptor: past the limits a new one is refused before the handshake.
    const address = req.socket.remoteAddress ?? '';
    if (this.wss.clients.size >= this.config.get('ws.maxSessions')) {
      return this.refuse(socket, '503 Service Unavailable', `ws.maxSessions (${this.config.get('ws.maxSessions')})`);
    }
    const fromAddress = this.perAddress.get(address) ?? 0;
    if (fromAddress >= this.config.get('ws.maxSessionsPerAddress')) {
      return this.refuse(socket, '429 Too Many Requests', `ws.maxSessionsPerAddress from ${address}`);
    }
    this.perAddress.set(address, fromAddress + 1);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n > 0) this.perAddress.set(address, n);
      else this.perAddress.delete(address);
    };
    socket.once('close', uncount);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once('close', uncount);
      this.accept(ws, address);
    });
  }

  private refuse(socket: Duplex, status: string, limit: string): void {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    this.refused++;
    const now = Date.now();
    if (now - this.lastRefusedLog < REFUSED_LOG_EVERY_MS) return;
    this.lastRefusedLog = now;
    this.logger.warn(`signalling socket(s) refused: ${this.refused} past ${limit}`);
    this.refused = 0;
  }

  /** A socket past the handshake (and the limits): from now on it is a signalling client. */
  accept(ws: TransportSocket, address: string): void {
    let client = this.track(new SignallingClient(ws, address, this.config.get('ws.maxBufferedAmount')));
    // A socket that never joins (nor resumes a joined client) holds a descriptor for nothing.
    const joinDeadline = setTimeout(() => {
      if (client.connectionId || client.closed || client.socket !== ws) return;
      this.logger.log(`signalling socket from ${address} did not join within ${this.config.get('ws.joinTimeout')} ms`);
      this.close(client);
    }, this.config.get('ws.joinTimeout'));
    ws.once('close', () => clearTimeout(joinDeadline));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let msg: RpcRequest;
      try {
        msg = JSON.parse((data as Buffer).toString('utf8')) as RpcRequest;
      } catch {
        client.send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        return;
      }
      // null, numbers, strings and batches are no requests; a throw here would take the process down.
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
        client.send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
        return;
      }
      if (msg.method === 'connect') {
        // Resuming on a new socket: the reply and everything after it belong to the old client.
        client = this.reconnect(client, ws, msg);
        return;
      }
      const current = client;
      if (current.queued >= MAX_QUEUED_REQUESTS) {
        this.logger.warn(
          `client ${current.connectionId ?? current.rpcSessionId} sent ${MAX_QUEUED_REQUESTS} requests ahead: closing`,
        );
        // Cut, not closed: a close frame would wait behind what is queued. A joined participant then
        // leaves as after any lost socket.
        current.socket?.terminate();
        return;
      }
      current.queued++;
      current.queue = current.queue.then(() => this.dispatch(current, msg)).finally(() => current.queued--);
    });
    ws.on('close', () => this.socketClosed(client, ws));
    ws.on('error', (e) => this.logger.debug(`socket error: ${e.message}`));
  }

  private track(client: SignallingClient): SignallingClient {
    client.end = () => this.close(client);
    this.registry.track(client);
    return client;
  }

  private reconnect(fresh: SignallingClient, ws: TransportSocket, msg: RpcRequest): SignallingClient {
    const params = (msg.params ?? {}) as { sessionId?: unknown };
    const wanted = typeof params.sessionId === 'string' ? this.registry.client(params.sessionId) : undefined;
    // A socket that already joined as someone cannot take over another client: its own
    // participant would be left with no socket and no timers, a ghost.
    if (!wanted || wanted === fresh || wanted.closed || fresh.connectionId) {
      const err = { code: RpcCode.RECONNECTION_ERROR, message: 'reconnection error' };
      fresh.send({ jsonrpc: '2.0', id: msg.id, error: err });
      return fresh;
    }
    // The new socket takes over the old RPC client; the temporary one is dropped.
    this.registry.untrack(fresh);
    fresh.clearTimers();
    const old = wanted.socket;
    wanted.socket = ws;
    if (wanted.orphanTimer) clearTimeout(wanted.orphanTimer);
    wanted.orphanTimer = undefined;
    if (old && old !== ws) old.terminate();
    this.armWatchdog(wanted);
    wanted.send({ jsonrpc: '2.0', id: msg.id, result: { sessionId: wanted.rpcSessionId } });
    this.logger.log(`client ${wanted.connectionId ?? wanted.rpcSessionId} resumed its signalling session`);
    return wanted;
  }

  private async dispatch(client: SignallingClient, msg: RpcRequest): Promise<void> {
    if (client.closed) return;
    const id = msg.id;
    const method = typeof msg.method === 'string' ? msg.method : '';
    const params = msg.params && typeof msg.params === 'object' ? (msg.params as Record<string, unknown>) : {};
    const started = performance.now();
    if (method === 'ping') {
      const interval = Number(params.interval);
      // Clamped: past 2^31-1 ms, setTimeout fires at once and would drop a healthy client.
      if (Number.isFinite(interval) && interval > 0) client.pingInterval = Math.min(interval, MAX_PING_INTERVAL);
      this.armWatchdog(client);
      const pong = { value: 'pong', sessionId: client.rpcSessionId };
      if (id !== undefined) client.send({ jsonrpc: '2.0', id, result: pong });
      this.report('ping', null, started);
      return;
    }
    try {
      const result = await this.service.handle(method, client, params);
      if (result === undefined) {
        if (++client.unknownMethods <= UNKNOWN_METHOD_LOGS) {
          this.logger.warn({ msg: `unknown signalling method ignored`, method: bounded(method), ...ids(client) });
        }
        this.report('unknown', null, started);
        return;
      }
      this.report(method, null, started);
      if (id !== undefined) client.send({ jsonrpc: '2.0', id, result: { ...result, sessionId: client.rpcSessionId } });
      this.runAfterReply(client);
      if (method === 'leaveRoom') this.close(client);
    } catch (e) {
      client.afterReply = [];
      const err =
        e instanceof RpcError
          ? e
          : new RpcError(RpcCode.GENERIC, e instanceof Error ? e.message : 'Internal error', undefined);
      if (!(e instanceof RpcError)) this.logger.error(`${method} failed: ${(e as Error)?.stack ?? String(e)}`);
      // Every refused join and every error gets a line an operator can find by client or connection id.
      const sessionId = client.openviduSessionId ?? (method === 'joinRoom' ? bounded(params.session) : undefined);
      this.logger.warn({
        msg: `${method === 'joinRoom' ? 'join refused' : `${method} failed`}: ${err.message}`,
        method,
        code: err.code,
        ...ids(client),
        sessionId,
      });
      this.report(method, err.code, started);
      if (id !== undefined) {
        const error: Record<string, unknown> = { code: err.code, message: err.message };
        error.data = err.data ?? { sessionId: client.rpcSessionId };
        client.send({ jsonrpc: '2.0', id, error });
      }
    }
  }

  private runAfterReply(client: SignallingClient): void {
    for (const fn of client.afterReply.splice(0)) {
      try {
        fn();
      } catch (e) {
        this.logger.warn(`after-reply work failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private report(method: string, code: number | null, started: number): void {
    const event: SignallingRequestEvent = { method, code, durationMs: performance.now() - started };
    try {
      this.events.emit(SIGNALLING_REQUEST, event);
    } catch (e) {
      this.logger.error(`A ${SIGNALLING_REQUEST} listener failed: ${(e as Error).message}`);
    }
  }

  private armWatchdog(client: SignallingClient): void {
    if (client.watchdog) clearTimeout(client.watchdog);
    const interval = client.pingInterval || this.config.get('ws.pingInterval');
    if (!client.pingInterval) return; // the watchdog starts with the first ping, as in Kurento
    client.watchdog = setTimeout(() => {
      this.logger.log(`no ping from ${client.connectionId ?? client.rpcSessionId} for ${3 * interval} ms: closing`);
      void this.expire(client);
    }, 3 * interval);
  }

  private socketClosed(client: SignallingClient, ws: TransportSocket): void {
    if (client.socket !== ws || client.closed) return;
    client.socket = undefined;
    if (client.watchdog) clearTimeout(client.watchdog);
    client.watchdog = undefined;
    if (!client.connectionId) {
      this.registry.untrack(client);
      client.closed = true;
      return;
    }
    // Keep the participant for the reconnection window (ws.sessionReconnectionTime seconds).
    const windowMs = this.config.get('ws.sessionReconnectionTime') * 1000;
    client.orphanTimer = setTimeout(() => void this.expire(client), windowMs);
  }

  /** Ping watchdog or an expired reconnection window: the participant leaves (networkDisconnect). */
  private async expire(client: SignallingClient): Promise<void> {
    if (client.closed) return;
    this.close(client);
    try {
      await this.service.disconnected(client);
    } catch (e) {
      this.logger.error(`cleanup after network disconnect failed: ${(e as Error).message}`);
    }
  }

  /** Ends an RPC client for good (leaveRoom, eviction, expiry). */
  close(client: SignallingClient): void {
    client.closed = true;
    client.clearTimers();
    this.registry.untrack(client);
    const s = client.socket;
    client.socket = undefined;
    if (s && s.readyState === s.OPEN) s.close(1000, 'Closed by server');
    else s?.terminate();
  }
}

/** A peer-supplied value as a log field: strings only, at most 128 characters. */
function bounded(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 128) : undefined;
}

/** The ids a log line about this client carries. */
function ids(client: SignallingClient): Record<string, string | undefined> {
  return { rpcSessionId: client.rpcSessionId, sessionId: client.openviduSessionId, connectionId: client.connectionId };
}
