import { JsonRpcError, openJsonRpcSocket, type RpcSocket, type RpcSocketOpener } from './json-rpc-socket.js';

/** KMS answers `connect {sessionId}` with this when it does not know the session (docs/kurento-protocol.md §2.10). */
const INVALID_SESSION = 40007;

export interface ProbeTiming {
  /** ms between two probes (`kms.liveness.interval`), also the retry delay while down. */
  interval: number;
  /** ms a probe, a handshake or a `connect` may take before the server counts as gone (`kms.liveness.timeout`). */
  timeout: number;
  /** `kms.max-frame-size`. */
  maxFrameBytes: number;
}

export interface ProbeListener {
  /** The server answers again (or for the first time). `restarted`: it is a new KMS process. */
  up(restarted: boolean): void;
  /** The server stopped answering: socket closed or refused, or a probe timed out (hung server). */
  down(reason: string): void;
  /** An attempt failed while the server was already down (or never up). */
  attemptFailed(reason: string): void;
}

/** What the probe needs from outside; unit specs pass a fake server's sockets and a mocked clock. */
export interface ProbeDeps {
  open: RpcSocketOpener;
  /** Monotonic ms, for the round trip. */
  now: () => number;
}

const PROBE_DEFAULTS: ProbeDeps = { open: openJsonRpcSocket, now: () => performance.now() };

interface ConnectResult {
  sessionId?: string;
  serverId?: string;
}

/** A socket bound to a KMS session by `connect`. */
interface Bound {
  socket: RpcSocket;
  sessionId: string | undefined;
  serverId: string | undefined;
  restarted: boolean;
}

/**
 * Our own liveness check on a dedicated socket, because kurento-client never notices a hung
 * server and reports drops on no public event (docs/kurento-protocol.md §4, §9). Every `interval` it sends a JSON-RPC
 * `ping` and a WebSocket ping frame, each with a `timeout`; a miss, a close or an error means down.
 * It binds the socket to a KMS session, so after a reconnection `connect {sessionId}` (40007 =
 * unknown session) and the `serverId` tell a restarted server from a network blip.
 *
 * While down, a new attempt starts every `interval` even if earlier ones still wait for an answer
 * (a hung server never refuses, it just stays silent): the first to bind wins.
 */
export class LivenessProbe {
  private socket: RpcSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Sockets of attempts still in their handshake; closed when one wins or on stop. */
  private readonly attempts = new Set<RpcSocket>();
  /** Bumped whenever the current period (down or up) ends, so late callbacks are ignored. */
  private generation = 0;
  private stopped = true;
  private isUp = false;
  private sessionId: string | undefined;
  private serverId: string | undefined;
  private rpcInFlight = false;
  private frameInFlight = false;
  private lastRoundTripMs: number | undefined;
  private readonly deps: ProbeDeps;

  constructor(
    private readonly uri: string,
    private readonly timing: ProbeTiming,
    private readonly listener: ProbeListener,
    deps: Partial<ProbeDeps> = {},
  ) {
    this.deps = { ...PROBE_DEFAULTS, ...deps };
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Round trip of the last answered JSON-RPC ping, in ms (undefined before the first one). */
  get roundTripMs(): number | undefined {
    return this.lastRoundTripMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.startAttempts();
  }

  /** Releases the sockets and the timer; no listener call happens after this. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    this.isUp = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.closeAttempts();
    this.socket?.close();
    this.socket = undefined;
  }

  private startAttempts(): void {
    const gen = ++this.generation;
    const launch = () => {
      if (gen !== this.generation) return;
      void this.attempt(gen);
      this.timer = setTimeout(launch, this.timing.interval);
    };
    launch();
  }

  private async attempt(gen: number): Promise<void> {
    let bound: Bound;
    let sock: RpcSocket | undefined;
    try {
      sock = await this.deps.open(this.uri, this.timing.timeout, this.timing.maxFrameBytes);
      if (gen !== this.generation) return sock.close();
      this.attempts.add(sock);
      bound = await this.bind(sock);
    } catch (e) {
      if (sock) this.attempts.delete(sock);
      sock?.close();
      if (gen === this.generation) this.listener.attemptFailed((e as Error).message);
      return;
    }
    this.attempts.delete(sock);
    if (gen !== this.generation) return sock.close();
    // This attempt wins: the down period is over.
    clearTimeout(this.timer);
    this.closeAttempts();
    const upGen = ++this.generation;
    this.sessionId = bound.sessionId ?? this.sessionId;
    this.serverId = bound.serverId ?? this.serverId;
    this.socket = sock;
    this.rpcInFlight = this.frameInFlight = false;
    sock.onClose((reason) => this.lost(upGen, reason));
    this.isUp = true;
    this.scheduleTick(upGen);
    this.listener.up(bound.restarted);
  }

  /** Binds the socket to a KMS session; `restarted` when the server turns out to be a new process. */
  private async bind(socket: RpcSocket): Promise<Bound> {
    const t = this.timing.timeout;
    if (this.sessionId) {
      try {
        const r = await socket.request<ConnectResult>('connect', { sessionId: this.sessionId }, t);
        const restarted = !!(this.serverId && r?.serverId && r.serverId !== this.serverId);
        return { socket, sessionId: this.sessionId, serverId: r?.serverId, restarted };
      } catch (e) {
        if (!(e instanceof JsonRpcError) || e.code !== INVALID_SESSION) throw e;
        // Our session is gone. The same serverId means the same process merely collected it.
        const fresh = await this.newSession(socket);
        return { ...fresh, restarted: !this.serverId || !fresh.serverId || fresh.serverId !== this.serverId };
      }
    }
    return { ...(await this.newSession(socket)), restarted: false };
  }

  /**
   * KMS only keeps a session that holds a reference to an object (MediaSet::keepAliveSession), so
   * the probe's session takes one on the ServerManager; a later `connect {sessionId}` then tells a
   * blip (accepted) from a new process (40007).
   */
  private async newSession(socket: RpcSocket): Promise<Omit<Bound, 'restarted'>> {
    const t = this.timing.timeout;
    const r = await socket.request<ConnectResult>('connect', undefined, t);
    if (r?.sessionId) await socket.request('describe', { object: 'manager_ServerManager', sessionId: r.sessionId }, t);
    return { socket, sessionId: r?.sessionId, serverId: r?.serverId };
  }

  private closeAttempts(): void {
    for (const s of this.attempts) s.close();
    this.attempts.clear();
  }

  private scheduleTick(gen: number): void {
    this.timer = setTimeout(() => this.tick(gen), this.timing.interval);
  }

  /**
   * One JSON-RPC ping and one ping frame in flight at most: KMS answers a socket's requests in
   * order, so pinging a slow (not dead) server faster than it answers would only build a queue.
   */
  private tick(gen: number): void {
    const sock = this.socket;
    if (gen !== this.generation || !sock) return;
    const miss = (e: Error) => this.lost(gen, e.message);
    if (!this.rpcInFlight) {
      this.rpcInFlight = true;
      const sent = this.deps.now();
      sock.request('ping', undefined, this.timing.timeout).then(() => {
        this.rpcInFlight = false;
        this.lastRoundTripMs = this.deps.now() - sent;
      }, miss);
    }
    if (!this.frameInFlight) {
      this.frameInFlight = true;
      sock.pingFrame(this.timing.timeout).then(() => (this.frameInFlight = false), miss);
    }
    this.scheduleTick(gen);
  }

  private lost(gen: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const sock = this.socket;
    this.socket = undefined;
    this.isUp = false;
    this.startAttempts(); // bumps the generation: the closing socket's own callbacks are ignored
    sock?.close();
    this.listener.down(reason);
  }
}
