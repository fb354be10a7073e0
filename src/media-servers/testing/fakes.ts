// Fakes for the media-server unit specs (excluded from the production build). They run under
// node:test mock timers: every delay is a setTimeout, nothing opens a real socket.
import assert from 'node:assert/strict';
import { mock } from 'node:test';
import { JsonRpcError, type RpcSocket, type RpcSocketOpener } from '../kurento/json-rpc-socket.js';
import { KmsMonitor } from '../kurento/kms-monitor.js';
import { LivenessProbe } from '../kurento/liveness-probe.js';
import type { MediaApi, Pipeline } from '../media-api.js';
import type { MediaConnection, MediaServerIo } from '../media-server-io.js';
import type { MediaServersService } from '../media-servers.service.js';
import type { HostedSession, Placement } from '../placement.js';

type Handler = (params: Record<string, unknown> | undefined) => unknown;

/**
 * A Kurento server as the probe and the sampler see it: sessions that survive a blip but not a
 * restart, a latency per answer, and the faults of the emulator (down, frozen, blip, restart).
 */
export class FakeKms {
  /** Refusing connections (process down). */
  down = false;
  /** Accepting connections and requests, answering nothing (hung process). */
  frozen = false;
  /** ms before every answer and pong. */
  latency = 0;
  serverId: string;
  cpuPercent = 0;
  memoryKiB = 0;
  /** Pipeline id → number of its children. */
  readonly pipelines = new Map<string, number>();
  readonly sockets = new Set<FakeRpcSocket>();
  /** Every socket ever opened, and every request ever received, by method. */
  opened = 0;
  readonly received: string[] = [];
  private sessions = new Set<string>();
  private nextSession = 1;
  private static instances = 0;

  constructor(readonly uri = 'ws://127.0.0.1:8888/kurento') {
    this.serverId = `server-${++FakeKms.instances}`;
  }

  readonly open: RpcSocketOpener = (uri) => {
    if (uri !== this.uri) return Promise.reject(new Error(`unexpected uri ${uri}`));
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    this.opened++;
    const socket = new FakeRpcSocket(this);
    this.sockets.add(socket);
    return Promise.resolve(socket);
  };

  /** The process stops: every socket drops, new ones are refused. */
  stop(): void {
    this.down = true;
    this.dropSockets();
  }

  start(): void {
    this.down = false;
  }

  /** The network drops every socket; the process and its sessions stay. */
  blip(): void {
    this.dropSockets();
  }

  /** The same process drops its sessions (KMS collects a session that holds no object). */
  forgetSessions(): void {
    this.sessions = new Set();
  }

  /** A new process answers: new serverId, the old sessions are unknown. */
  restart(): void {
    this.dropSockets();
    this.sessions = new Set();
    this.serverId = `${this.serverId}-restarted`;
  }

  answer(method: string, params: Record<string, unknown> | undefined): unknown {
    this.received.push(method);
    const handler: Handler | undefined = this.handlers[method];
    if (!handler) throw new JsonRpcError(`unknown method ${method}`, -32601, undefined);
    return handler(params);
  }

  private readonly handlers: Record<string, Handler> = {
    ping: () => ({ value: 'pong' }),
    connect: (p) => {
      const asked = p?.sessionId;
      if (typeof asked === 'string') {
        if (!this.sessions.has(asked)) throw new JsonRpcError('Invalid session', 40007, undefined);
        return { sessionId: asked, serverId: this.serverId };
      }
      const sessionId = `session-${this.nextSession++}`;
      this.sessions.add(sessionId);
      return { sessionId, serverId: this.serverId };
    },
    describe: () => ({ type: 'ServerManager' }),
    invoke: (p) => {
      const op = p?.operation;
      if (p?.object !== 'manager_ServerManager') {
        const children = this.pipelines.get(String(p?.object));
        if (children === undefined) throw new JsonRpcError('Object not found', 40101, undefined);
        return { value: Array.from({ length: children }, (_, i) => `${String(p?.object)}/child${i}`) };
      }
      if (op === 'getUsedMemory') return { value: this.memoryKiB };
      if (op === 'getInfo') return { value: { version: '7.0.0', capabilities: [], modules: [] } };
      if (op === 'getUsedCpu') return { value: this.cpuPercent };
      if (op === 'getPipelines') return { value: [...this.pipelines.keys()] };
      throw new JsonRpcError(`unknown operation ${String(op)}`, 40105, undefined);
    },
  };

  private dropSockets(): void {
    for (const s of [...this.sockets]) s.drop('socket closed');
  }
}

/** One socket to a FakeKms, with the same contract as JsonRpcSocket: each wait ends by its timeout. */
export class FakeRpcSocket implements RpcSocket {
  private closed = false;
  private closeCb: ((reason: string) => void) | undefined;
  private readonly waits = new Set<(e: Error) => void>();

  constructor(private readonly kms: FakeKms) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(cb: (reason: string) => void): void {
    this.closeCb = cb;
  }

  request<T = unknown>(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<T> {
    return this.wait(
      `${method}: no answer within ${timeoutMs} ms`,
      timeoutMs,
      () => this.kms.answer(method, params) as T,
    );
  }

  pingFrame(timeoutMs: number): Promise<void> {
    return this.wait(`no pong within ${timeoutMs} ms`, timeoutMs, () => undefined);
  }

  close(): void {
    this.drop('closed by us');
  }

  drop(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.kms.sockets.delete(this);
    for (const fail of [...this.waits]) fail(new Error(reason));
    const cb = this.closeCb;
    this.closeCb = undefined;
    cb?.(reason);
  }

  private wait<T>(timeoutText: string, timeoutMs: number, answer: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('socket closed'));
    return new Promise<T>((resolve, reject) => {
      let answerTimer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(answerTimer);
        this.waits.delete(fail);
      };
      const fail = (e: Error) => {
        done();
        reject(e);
      };
      const timer = setTimeout(() => fail(new Error(timeoutText)), timeoutMs);
      this.waits.add(fail);
      if (this.kms.frozen) return;
      const reply = () => {
        // Frozen while the answer was on its way: it never leaves.
        if (this.kms.frozen || this.closed) return;
        done();
        try {
          resolve(answer());
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      if (this.kms.latency > 0) answerTimer = setTimeout(reply, this.kms.latency);
      else queueMicrotask(reply);
    });
  }
}

/** A media client that records what the server asked of it. */
export class FakeMediaConnection implements MediaConnection {
  serverUps = 0;
  settles = 0;
  closed = false;
  readonly media: MediaApi;

  constructor(
    readonly mediaServerId: string,
    /** The server's answer to "may calls go out now?". */
    readonly available: () => boolean,
  ) {
    this.media = {
      mediaServerId,
      createPipeline: (): Promise<Pipeline> => Promise.reject(new Error('no media in this fake')),
      getPipelineIds: () => Promise.resolve([]),
    };
  }

  serverUp(): void {
    this.serverUps++;
  }

  settle(): Promise<void> {
    this.settles++;
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * The pool's connections over FakeKms servers (one per uri, made on first use): the real liveness
 * probe and sampler, on fake sockets and the mocked clock.
 */
export class FakeMediaServerIo implements MediaServerIo {
  readonly servers = new Map<string, FakeKms>();
  readonly connections: FakeMediaConnection[] = [];

  kms(uri: string): FakeKms {
    let kms = this.servers.get(uri);
    if (!kms) this.servers.set(uri, (kms = new FakeKms(uri)));
    return kms;
  }

  probe(...[uri, timing, listener]: ConstructorParameters<typeof LivenessProbe>): LivenessProbe {
    return new LivenessProbe(uri, timing, listener, { open: this.kms(uri).open, now: () => Date.now() });
  }

  monitor(...[uri, options, listener]: ConstructorParameters<typeof KmsMonitor>): KmsMonitor {
    return new KmsMonitor(uri, options, listener, this.kms(uri).open);
  }

  media(mediaServerId: string, _uri: string, _options: unknown, available: () => boolean): FakeMediaConnection {
    const c = new FakeMediaConnection(mediaServerId, available);
    this.connections.push(c);
    return c;
  }

  /** Sockets open to every server right now. */
  openSockets(): number {
    let n = 0;
    for (const kms of this.servers.values()) n += kms.sockets.size;
    return n;
  }
}

/** A session as the pool sees it, recording how it was closed. */
export class FakeSession implements HostedSession {
  readonly closes: string[] = [];

  constructor(
    readonly sessionId: string,
    public streams = 0,
  ) {}

  streamCount(): number {
    return this.streams;
  }

  toJson(): Record<string, unknown> {
    return { sessionId: this.sessionId, createdAt: 1, connections: { numberOfElements: 0, content: [] } };
  }

  close(reason: 'mediaServerDisconnect'): Promise<void> {
    this.closes.push(reason);
    return Promise.resolve();
  }
}

/**
 * Places `sessionId` on the server `mediaServerId` the way production does (the pool decides):
 * fillers are placed until the pool's choice is that server, then the real session takes the
 * filler's spot and the fillers are released.
 */
export function placeOn(pool: MediaServersService, mediaServerId: string, sessionId: string): Placement {
  const fillers: Placement[] = [];
  try {
    for (let i = 0; i < 100; i++) {
      const filler = pool.place(`${sessionId}-filler-${i}`);
      if (filler.mediaServerId !== mediaServerId) {
        fillers.push(filler);
        continue;
      }
      filler.release();
      const real = pool.place(sessionId);
      assert.equal(real.mediaServerId, mediaServerId);
      return real;
    }
    throw new Error(`could not place ${sessionId} on ${mediaServerId}`);
  } finally {
    for (const f of fillers) f.release();
  }
}

/**
 * Lets everything already due run: promise continuations and the macrotask after them. Mock timers
 * leave setImmediate alone, so this is a real (instant) turn of the loop.
 */
export async function flush(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves the mocked clock `ms` forward in `step` ms steps, letting what each step wakes run. */
export async function advance(ms: number, step = 10): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    mock.timers.tick(Math.min(step, ms - done));
    await flush();
  }
}
