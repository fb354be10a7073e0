import WebSocket from 'ws';
import { BROWSER_OFFER } from '../kms-emulator/fixtures.js';

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

export interface RpcFailure extends Error {
  code: number;
  data?: unknown;
}

/** How long `waitFor`/`closedPromise` wait before failing the test with a clear message. */
const WAIT_MS = 8000;

/** A plain JSON-RPC 2.0 WebSocket client speaking to /openvidu as openvidu-browser does. */
export class RpcClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  readonly notifications: Notification[] = [];
  private waiters: Array<{ match: (n: Notification) => boolean; resolve: (n: Notification) => void }> = [];
  /** Every raw frame the server sent, for checks on the wire form (e.g. error.data). */
  readonly frames: Record<string, unknown>[] = [];
  closed = false;
  closeCode = 0;
  private readonly closedP: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const msg = JSON.parse((data as Buffer).toString('utf8')) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      this.frames.push(msg);
      if (msg.id !== undefined && msg.id !== null && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(Object.assign(new Error(msg.error.message), msg.error));
        else p.resolve(msg.result);
      } else if (msg.method) {
        const n = { method: msg.method, params: msg.params ?? {} };
        this.notifications.push(n);
        const w = this.waiters.find((x) => x.match(n));
        if (w) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(n);
        }
      }
    });
    this.closedP = new Promise((resolve) => {
      ws.on('close', (code: number) => {
        this.closed = true;
        this.closeCode = code;
        for (const p of this.pending.values()) p.reject(new Error('socket closed'));
        this.pending.clear();
        resolve();
      });
    });
    ws.on('error', () => undefined);
  }

  static connect(url: string): Promise<RpcClient> {
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RpcClient(ws)));
      ws.once('error', reject);
    });
  }

  call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params, id }));
    });
  }

  /** The call's JSON-RPC error (fails if it succeeds). */
  async fail(method: string, params: Record<string, unknown> = {}): Promise<RpcFailure> {
    try {
      const r = await this.call(method, params);
      throw Object.assign(new Error(`${method} unexpectedly succeeded: ${JSON.stringify(r)}`), { code: -1 });
    } catch (e) {
      if ((e as RpcFailure).code === -1) throw e;
      return e as RpcFailure;
    }
  }

  /** Resolves with the first notification (already received or future) that matches. */
  waitFor(method: string, pred: (p: Record<string, unknown>) => boolean = () => true): Promise<Notification> {
    const match = (n: Notification) => n.method === method && pred(n.params);
    const seen = this.notifications.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no "${method}" notification matching ${pred.toString()} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      const w = {
        match,
        resolve: (n: Notification) => {
          clearTimeout(timer);
          resolve(n);
        },
      };
      this.waiters.push(w);
    });
  }

  /** The notifications received so far with that method. */
  received(method: string, pred: (p: Record<string, unknown>) => boolean = () => true): Notification[] {
    return this.notifications.filter((n) => n.method === method && pred(n.params));
  }

  /** Resolves when the server (or we) closed the socket. */
  whenClosed(): Promise<void> {
    return Promise.race([
      this.closedP,
      new Promise<void>((_r, reject) => {
        const t = setTimeout(() => reject(new Error(`socket still open after ${WAIT_MS} ms`)), WAIT_MS);
        void this.closedP.then(() => clearTimeout(t));
      }),
    ]);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ws.close(4102, 'Connection closed by client');
    return this.closedP;
  }

  /** The network goes away: no close handshake, the server only sees the TCP connection end. */
  drop(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ws.terminate();
    return this.closedP;
  }
}

/** A browser-like WebRTC offer (BUNDLEd sendrecv audio and video), shared with the emulator's suites. */
export function sdpOffer(): string {
  return BROWSER_OFFER;
}
