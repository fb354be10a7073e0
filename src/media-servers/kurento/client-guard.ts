import { checkKmsFrame } from './kms-frames.js';

/** The parts of websocket-stream's `ws@0.4` socket (kurento-client's transport) the guard touches. */
interface LegacyReceiver {
  expectData(this: LegacyReceiver, length: number, handler: unknown): unknown;
  currentMessage?: Array<{ length: number }>;
  error(reason: string, code: number): unknown;
}
interface LegacySocket {
  onmessage: ((event: { data?: unknown }) => void) | undefined;
  _receiver?: LegacyReceiver;
}

export interface ClientGuardHooks {
  /** Largest frame accepted from the media server, in bytes (`kms.max-frame-size`). */
  maxFrameBytes: number;
  /** A frame was dropped or turned into an error answer. */
  rejected(reason: string): void;
  /** kurento-client threw while handling a frame that passed the checks. */
  threw(error: unknown): void;
}

/**
 * Wraps one connection of kurento-client (emitted by its reconnector as a websocket-stream): every
 * frame is size-capped while it is read, shape-checked before the client parses it, and the client's
 * whole handling of it runs inside a try/catch. Returns false when the transport is not the one
 * expected (a kurento-client upgrade), so the caller can say so loudly.
 */
export function guardClientConnection(stream: unknown, hooks: ClientGuardHooks): boolean {
  const ws = (stream as { websocketStream?: { ws?: LegacySocket } } | undefined)?.websocketStream?.ws;
  const inner = ws?.onmessage;
  if (!ws || typeof inner !== 'function') return false;
  ws.onmessage = (event) => {
    const text = asText(event?.data);
    if (text === undefined) return hooks.rejected('a frame that is not text');
    const verdict = checkKmsFrame(text);
    if (!verdict.ok) {
      hooks.rejected(verdict.reason);
      if (!verdict.replacement) return;
    }
    try {
      inner.call(ws, { data: verdict.ok ? text : verdict.replacement });
    } catch (e) {
      hooks.threw(e);
    }
  };
  const receiver = ws._receiver;
  if (receiver && typeof receiver.expectData === 'function') {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the receiver as `this`
    const expectData = receiver.expectData;
    receiver.expectData = function (this: LegacyReceiver, length: number, handler: unknown) {
      let pending = length;
      for (const part of this.currentMessage ?? []) pending += part.length;
      if (pending > hooks.maxFrameBytes) {
        hooks.rejected(`a frame of more than ${hooks.maxFrameBytes} bytes`);
        // 1009 "message too big"; the socket goes, kurento-client reconnects as after any drop. The
        // receiver's error closes the socket itself; a second terminate() would start a second 30 s
        // close timer over the first, which then nothing clears.
        this.error(`frame larger than ${hooks.maxFrameBytes} bytes`, 1009);
        return undefined;
      }
      return expectData.call(this, length, handler);
    };
  }
  return true;
}

function asText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return undefined;
}
