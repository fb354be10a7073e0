// A bare JSON-RPC client on `ws`, for looking at exactly what the emulator puts on the wire.
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';

export interface Frame {
  id?: number | string | null;
  jsonrpc?: string;
  method?: string;
  params?: { value?: { data: Record<string, unknown>; object: string; type: string } } & Record<string, unknown>;
  result?: Record<string, unknown> | null;
  error?: { code: number; message: string; data?: { type?: string } };
}

export class RawClient {
  /** Every frame received, in order, with its arrival time. */
  readonly frames: Array<{ at: number; raw: string; msg: Frame }> = [];
  private nextId = 1;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const raw = data.toString('utf8');
      this.frames.push({ at: Date.now(), raw, msg: JSON.parse(raw) as Frame });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(uri: string, opts: { autoPong?: boolean } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(uri, opts);
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Sends a request and returns its id; `params: undefined` leaves the member out. */
  send(method: string, params?: Record<string, unknown>, id: number = this.nextId++): number {
    const msg: Record<string, unknown> = { jsonrpc: '2.0', method, id };
    if (params !== undefined) msg.params = params;
    this.ws.send(JSON.stringify(msg));
    return id;
  }

  async call(method: string, params?: Record<string, unknown>, timeoutMs = 3000): Promise<Frame> {
    const id = this.send(method, params);
    return this.waitFor((f) => f.id === id && f.method === undefined, timeoutMs);
  }

  /** Resolves the first received frame (past or future) matching `pred`. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs = 3000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.frames.find((f) => pred(f.msg));
        if (hit) resolve(hit.msg);
        return hit !== undefined;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onFrame);
        reject(new Error('timed out waiting for a frame'));
      }, timeoutMs);
      const onFrame = (): void => {
        if (check()) clearTimeout(timer);
        else this.waiters.push(onFrame);
      };
      this.waiters.push(onFrame);
    });
  }

  events(type?: string): Array<{ data: Record<string, unknown>; object: string; type: string }> {
    return this.frames
      .filter((f) => f.msg.method === 'onEvent' && (!type || f.msg.params?.value?.type === type))
      .map((f) => f.msg.params!.value!);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.terminate();
    });
  }
}

/** The result object of a successful answer (fails the test on an error answer). */
export function result(f: Frame): Record<string, unknown> {
  assert.equal(f.error, undefined, `unexpected error ${JSON.stringify(f.error)}`);
  assert.ok(f.result && typeof f.result === 'object', 'result must be an object');
  return f.result;
}

/** The error of a failed answer, checked against the expected code and data.type. */
export function error(f: Frame, code: number, type?: string): NonNullable<Frame['error']> {
  assert.ok(f.error, `expected error ${code}, got ${JSON.stringify(f.result)}`);
  assert.equal(f.error.code, code);
  assert.equal(f.error.data?.type, type);
  return f.error;
}
