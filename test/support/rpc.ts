// The signalling side of the harness: a plain JSON-RPC 2.0 client on /openvidu, and a participant
// (join, publish, subscribe, leave) built on it as openvidu-browser behaves.
import WebSocket from 'ws';
import { createToken } from './api.js';
import { VIDEO } from './fixtures.js';
import { BROWSER_OFFER } from './sdp.js';

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

export interface JoinResult {
  id: string;
  createdAt: number;
  metadata: string;
  value: Array<{ id: string; metadata: string; streams?: Array<{ id: string }> }>;
  sessionId: string;
}

/** One openvidu-browser-like participant: its socket, connection id, RPC session id and stream. */
export class Peer {
  streamId = '';

  private constructor(
    readonly rpc: RpcClient,
    readonly join: JoinResult,
    readonly session: string,
  ) {}

  get id(): string {
    return this.join.id;
  }

  static async join(h: { wsUrl: string }, session: string, token: string, metadata = '', extra = {}): Promise<Peer> {
    const rpc = await RpcClient.connect(h.wsUrl);
    try {
      const join = await rpc.call<JoinResult>('joinRoom', {
        token,
        session,
        platform: 'Chrome 76.0.3809.100 on Linux 64-bit',
        metadata,
        secret: '',
        recorder: false,
        ...extra,
      });
      return new Peer(rpc, join, session);
    } catch (e) {
      await rpc.close();
      throw e;
    }
  }

  /** Joins with a fresh token of `role`. */
  static async withRole(
    h: { url: string; wsUrl: string },
    session: string,
    role: string,
    metadata = '',
  ): Promise<Peer> {
    return Peer.join(h, session, await createToken(h.url, session, role), metadata);
  }

  async publish(extra: Record<string, unknown> = {}): Promise<{ sdpAnswer: string; id: string; createdAt: number }> {
    const r = await this.rpc.call<{ sdpAnswer: string; id: string; createdAt: number; sessionId: string }>(
      'publishVideo',
      { sdpOffer: sdpOffer(), doLoopback: false, ...VIDEO, ...extra },
    );
    this.streamId = r.id;
    return r;
  }

  subscribe(streamId: string): Promise<{ sdpAnswer: string; sessionId: string }> {
    return this.rpc.call('receiveVideoFrom', { sender: streamId, sdpOffer: sdpOffer() });
  }

  /**
   * Sends a signal to itself and waits for it: every notification the server sent before this
   * call has then arrived (one socket, in order), so an absence can be asserted.
   */
  async sync(): Promise<void> {
    const tag = `sync-${Math.random().toString(36).slice(2)}`;
    await this.rpc.call('sendMessage', { message: JSON.stringify({ to: [this.id], data: tag, type: 'signal:sync' }) });
    await this.rpc.waitFor('sendMessage', (p) => p.data === tag);
  }

  leave(): Promise<unknown> {
    return this.rpc.call('leaveRoom', {});
  }
}
