import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/**
 * The part of a WebSocket a signalling client writes to; `ws`'s WebSocket is one, and unit specs
 * pass a fake that records what was sent.
 */
export interface ClientSocket {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/**
 * One browser on the signalling endpoint. Three things are called "session" around it, kept apart
 * by name here: `rpcSessionId` is the Kurento JSON-RPC session (outlives a socket, so a client whose
 * socket dropped can `connect {sessionId}` on a new one), `openviduSessionId` is the OpenVidu session
 * it joined, and the Kurento media of that session is its `SessionMedia`.
 *
 * `connectionId` and `openviduSessionId` are set only through SignallingRegistry#bind/unbind.
 */
export class SignallingClient {
  readonly rpcSessionId = randomUUID();
  socket: ClientSocket | undefined;
  /** The participant this client joined as, once `joinRoom` succeeded. */
  connectionId: string | undefined;
  /** The OpenVidu session of that participant. */
  openviduSessionId: string | undefined;
  /** Ping interval announced by the client; the watchdog fires after 3 missed intervals. */
  pingInterval = 0;
  watchdog: NodeJS.Timeout | undefined;
  /** Timer that ends the reconnection window after an unexpected close. */
  orphanTimer: NodeJS.Timeout | undefined;
  closed = false;
  /** Requests run one at a time per client, in arrival order, as in the Kurento server. */
  queue: Promise<void> = Promise.resolve();
  /**
   * Work a handler wants done right after its answer is sent (OpenVidu answers a moderator before
   * notifying the others). Run by the transport after a result, dropped after an error.
   */
  afterReply: (() => void)[] = [];
  /** Requests waiting in `queue`, bounded by the transport. */
  queued = 0;
  /** Unknown method names this client sent (only the first few are logged). */
  unknownMethods = 0;
  /** Set by the transport: ends this client for good (server-side eviction, leaveRoom). */
  end: () => void = () => undefined;

  /**
   * @param remoteAddress the peer's IP, for per-address limits
   * @param maxBuffered `ws.maxBufferedAmount`: bytes queued for a client that does not read before
   *   it is cut off (its participant then leaves as after any lost socket)
   */
  constructor(
    socket: ClientSocket,
    readonly remoteAddress = '',
    private readonly maxBuffered = Number.POSITIVE_INFINITY,
  ) {
    this.socket = socket;
  }

  notify(method: string, params: Record<string, unknown>): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  send(message: unknown): void {
    const s = this.socket;
    if (!s || s.readyState !== s.OPEN) return;
    s.send(JSON.stringify(message));
    // A slow reader makes us buffer without limit; terminate (a close frame would queue behind).
    if (s.bufferedAmount > this.maxBuffered) {
      new Logger('Signalling').warn(
        `client ${this.connectionId ?? this.rpcSessionId} (${this.remoteAddress}) does not read: ` +
          `${s.bufferedAmount} bytes queued, past ws.maxBufferedAmount; closing its socket`,
      );
      s.terminate();
    }
  }

  clearTimers(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    this.watchdog = undefined;
    this.orphanTimer = undefined;
  }
}
