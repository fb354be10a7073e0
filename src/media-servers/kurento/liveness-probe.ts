import { JsonRpcError, JsonRpcSocket } from './json-rpc-socket.js';

/** KMS answers `connect {sessionId}` with this when it does not know the session (notes §2.10). */
const INVALID_SESSION = 40007;

export interface ProbeTiming {
  /** ms between two probes (`kms.liveness.interval`), also the retry delay while down. */
  interval: number;
  /** ms a probe, a handshake or a `connect` may take before the server counts as gone (`kms.liveness.timeout`). */
  timeout: number;
}

export interface ProbeListener {
  /** The server answers again (or for the first time). `restarted`: it is a new KMS process. */
  up(restarted: boolean): void;
  /** The server stopped answering: socket closed or refused, or a probe timed out (hung server). */
  down(reason: string): void;
  /** An attempt failed while the server was already down (or never up). */
  attemptFailed(reason: string): void;
}

interface ConnectResult {
  sessionId?: string;
  serverId?: string;
}

/**
 * Our own liveness check on a dedicated socket, because kurento-client never notices a hung
 * server and reports drops on no public event (notes §4, §9). Every `interval` it sends a JSON-RPC
 * `ping` and a WebSocket ping frame, each with a `timeout`; a miss, a close or an error means down.
 * It binds the socket to a KMS session with `connect`, so after a reconnection `connect {sessionId}`
 * (40007 = unknown session) and the `serverId` tell a restarted server from a network blip.
 */
export class LivenessProbe {
  private socket: JsonRpcSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped whenever the current attempt or socket is abandoned, so late callbacks are ignored. */
  private generation = 0;
  private stopped = true;
  private isUp = false;
  private sessionId: string | undefined;
  private serverId: string | undefined;

  constructor(
    private readonly uri: string,
    private readonly timing: ProbeTiming,
    private readonly listener: ProbeListener,
  ) {}

  get up(): boolean {
    return this.isUp;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.attempt();
  }

  /** Releases the socket and the timer; no listener call happens after this. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    this.isUp = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.close();
    this.socket = undefined;
  }

  private async attempt(): Promise<void> {
    const gen = ++this.generation;
    let sock: JsonRpcSocket | undefined;
    let restarted: boolean;
    try {
      sock = await JsonRpcSocket.open(this.uri, this.timing.timeout);
      if (gen !== this.generation) return sock.close();
      restarted = await this.bind(sock);
      if (gen !== this.generation) return sock.close();
    } catch (e) {
      sock?.close();
      if (gen !== this.generation) return;
      this.timer = setTimeout(() => void this.attempt(), this.timing.interval);
      this.listener.attemptFailed((e as Error).message);
      return;
    }
    this.socket = sock;
    sock.onClose((reason) => this.lost(gen, reason));
    this.isUp = true;
    this.scheduleTick(gen);
    this.listener.up(restarted);
  }

  /** Binds the socket to a KMS session; true when the server turns out to be a new process. */
  private async bind(sock: JsonRpcSocket): Promise<boolean> {
    const t = this.timing.timeout;
    if (this.sessionId) {
      try {
        const r = await sock.request<ConnectResult>('connect', { sessionId: this.sessionId }, t);
        const restarted = !!(this.serverId && r?.serverId && r.serverId !== this.serverId);
        this.remember(r);
        return restarted;
      } catch (e) {
        if (!(e instanceof JsonRpcError) || e.code !== INVALID_SESSION) throw e;
        // Our session is gone. Same serverId = the same process merely collected the session.
        const r = await sock.request<ConnectResult>('connect', undefined, t);
        const restarted = !this.serverId || !r?.serverId || r.serverId !== this.serverId;
        this.remember(r);
        return restarted;
      }
    }
    this.remember(await sock.request<ConnectResult>('connect', undefined, t));
    return false;
  }

  private remember(r: ConnectResult | undefined): void {
    if (r?.sessionId) this.sessionId = r.sessionId;
    if (r?.serverId) this.serverId = r.serverId;
  }

  private scheduleTick(gen: number): void {
    this.timer = setTimeout(() => this.tick(gen), this.timing.interval);
  }

  private tick(gen: number): void {
    const sock = this.socket;
    if (gen !== this.generation || !sock) return;
    const miss = (e: Error) => this.lost(gen, e.message);
    sock.request('ping', undefined, this.timing.timeout).catch(miss);
    sock.pingFrame(this.timing.timeout).catch(miss);
    this.scheduleTick(gen);
  }

  private lost(gen: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    const sock = this.socket;
    this.socket = undefined;
    sock?.close();
    const wasUp = this.isUp;
    this.isUp = false;
    if (wasUp) this.listener.down(reason);
    // Reconnect at once: a blip is over in milliseconds; a refused server retries every interval.
    if (!this.stopped) void this.attempt();
  }
}
