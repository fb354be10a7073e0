import WebSocket from 'ws';

/** A JSON-RPC error answered by the media server (code as in docs/kurento-protocol.md §2.12). */
export class JsonRpcError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly type: string | undefined,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** Late by more than this (and by a quarter of the timeout), a timer says our loop stalled, not the peer. */
const STALL_MS = 50;

/**
 * A deadline that judges the peer, not our own event loop. When the timer fires, the answer may
 * already wait in the socket, unread because timers run before I/O in a loop turn: `fail` runs only
 * after one I/O phase (setImmediate) and only if `settled()` is still false. If the timer fired late
 * because the loop stalled (GC, a big response), the peer gets one more full `ms` of a running loop.
 */
function deadline(ms: number, settled: () => boolean, fail: () => void, arm: (t: NodeJS.Timeout) => void): void {
  let regranted = false;
  const start = (due: number) =>
    arm(
      setTimeout(() => {
        const late = Date.now() - due;
        setImmediate(() => {
          if (settled()) return;
          if (!regranted && late > Math.max(STALL_MS, ms / 4)) {
            regranted = true;
            start(Date.now() + ms);
            return;
          }
          fail();
        });
      }, ms),
    );
  start(Date.now() + ms);
}

/**
 * What the liveness probe and the load sampler use of a Kurento-protocol socket: requests and ping
 * frames, each rejected after its own timeout, and one close notification.
 */
export interface RpcSocket {
  readonly isOpen: boolean;
  request<T = unknown>(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<T>;
  pingFrame(timeoutMs: number): Promise<void>;
  onClose(cb: (reason: string) => void): void;
  close(): void;
}

/** Opens a socket to `uri`; rejects on refusal, handshake failure or after `timeoutMs`. */
export type RpcSocketOpener = (uri: string, timeoutMs: number, maxFrameBytes: number) => Promise<RpcSocket>;

/**
 * A bare Kurento-protocol socket (`ws@8`, not kurento-client) for the liveness probe and the load
 * sampler: every request has its own timeout, WebSocket ping frames are matched by payload, and
 * `close()` settles everything, so the owner never waits on a dead server.
 */
export class JsonRpcSocket implements RpcSocket {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly pongWaiters = new Map<string, Pending>();
  private closed = false;
  private onCloseCb: ((reason: string) => void) | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => this.onMessage(data));
    ws.on('pong', (data: Buffer) => {
      const key = data.toString();
      const p = this.pongWaiters.get(key);
      if (!p) return;
      this.pongWaiters.delete(key);
      clearTimeout(p.timer);
      p.resolve(undefined);
    });
    ws.on('close', () => this.shutdown('socket closed'));
    ws.on('error', (e: Error) => this.shutdown(e.message));
  }

  /** Opens `uri`; rejects on refusal, handshake failure or after `timeoutMs`. */
  static open(uri: string, timeoutMs: number, maxFrameBytes = 8 * 1024 * 1024): Promise<JsonRpcSocket> {
    return new Promise((resolve, reject) => {
      // A larger frame closes the socket (1009): the owner sees the server as gone.
      const ws = new WebSocket(uri, {
        handshakeTimeout: timeoutMs,
        perMessageDeflate: false,
        maxPayload: maxFrameBytes,
      });
      const fail = (e: Error) => {
        cleanup();
        ws.terminate();
        reject(e);
      };
      const onOpen = () => {
        cleanup();
        resolve(new JsonRpcSocket(ws));
      };
      const onError = (e: Error) => fail(e);
      const onClose = () => fail(new Error('closed during handshake'));
      const timer = setTimeout(() => fail(new Error(`no handshake within ${timeoutMs} ms`)), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('close', onClose);
        // A late error on a socket we gave up on must not become an uncaught 'error' event.
        ws.on('error', () => undefined);
      };
      ws.on('open', onOpen);
      ws.on('error', onError);
      ws.on('close', onClose);
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Called once when the socket closes, fails or is closed by us. */
  onClose(cb: (reason: string) => void): void {
    this.onCloseCb = cb;
  }

  request<T = unknown>(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<T> {
    if (this.closed) return Promise.reject(new Error('socket closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve: (v) => resolve(v as T), reject, timer: undefined };
      this.pending.set(id, entry);
      deadline(
        timeoutMs,
        () => this.pending.get(id) !== entry,
        () => {
          this.pending.delete(id);
          reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
        },
        (t) => (entry.timer = t),
      );
      const msg: Record<string, unknown> = { jsonrpc: '2.0', method, id };
      if (params) msg.params = params;
      this.ws.send(JSON.stringify(msg), (err) => {
        if (err) this.settle(id, err);
      });
    });
  }

  /** A WebSocket ping frame; resolves on its pong, rejects after `timeoutMs`. */
  pingFrame(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('socket closed'));
    const key = `p${this.nextId++}`;
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = { resolve: () => resolve(), reject, timer: undefined };
      this.pongWaiters.set(key, entry);
      deadline(
        timeoutMs,
        () => this.pongWaiters.get(key) !== entry,
        () => {
          this.pongWaiters.delete(key);
          reject(new Error(`no pong within ${timeoutMs} ms`));
        },
        (t) => (entry.timer = t),
      );
      try {
        this.ws.ping(key);
      } catch (e) {
        clearTimeout(entry.timer);
        this.pongWaiters.delete(key);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  close(): void {
    this.shutdown('closed by us');
    this.ws.terminate();
  }

  private onMessage(data: WebSocket.RawData): void {
    let msg: { id?: unknown; result?: unknown; error?: { code?: number; message?: string; data?: { type?: string } } };
    try {
      msg = JSON.parse(text(data));
    } catch {
      return;
    }
    if (typeof msg?.id !== 'number') return; // notifications (onEvent) are not ours to handle
    if (msg.error) {
      const e = msg.error;
      this.settle(msg.id, new JsonRpcError(e.message ?? 'error', e.code, e.data?.type));
    } else {
      this.settle(msg.id, undefined, msg.result);
    }
  }

  private settle(id: number, error: Error | undefined, result?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(result);
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id] of this.pending) this.settle(id, new Error(reason));
    for (const p of this.pongWaiters.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pongWaiters.clear();
    const cb = this.onCloseCb;
    this.onCloseCb = undefined;
    cb?.(reason);
  }
}

function text(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString();
  return data.toString();
}

/** The production opener: a `ws` socket per call. */
export const openJsonRpcSocket: RpcSocketOpener = (uri, timeoutMs, maxFrameBytes) =>
  JsonRpcSocket.open(uri, timeoutMs, maxFrameBytes);
