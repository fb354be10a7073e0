import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';

/**
 * One signalling client as the Kurento JSON-RPC server sees it: an id that outlives a socket, so a
 * client whose socket dropped can `connect {sessionId}` on a new one and keep its participant.
 */
export class RpcSession {
  readonly id = randomUUID();
  socket: WebSocket | undefined;
  /** The connectionId of the participant this client joined as, once `joinRoom` succeeded. */
  participantId: string | undefined;
  sessionId: string | undefined;
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
    socket: WebSocket,
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
        `client ${this.participantId ?? this.id} (${this.remoteAddress}) does not read: ` +
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
