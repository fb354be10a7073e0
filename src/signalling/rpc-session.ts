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
  /** Set by the transport: ends this client for good (server-side eviction, leaveRoom). */
  end: () => void = () => undefined;

  constructor(socket: WebSocket) {
    this.socket = socket;
  }

  notify(method: string, params: Record<string, unknown>): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  send(message: unknown): void {
    const s = this.socket;
    if (s && s.readyState === s.OPEN) s.send(JSON.stringify(message));
  }

  clearTimers(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.orphanTimer) clearTimeout(this.orphanTimer);
    this.watchdog = undefined;
    this.orphanTimer = undefined;
  }
}
