// One client socket. Requests are handled strictly one after another, as KMS's websocketpp handler does, so a
// slow request (getUsedCpu with an interval, injected latency) holds back everything behind it on this socket.
import { WebSocket, type RawData } from 'ws';
import type { LogFn } from './context.js';
import { ErrorCode, KmsError } from './errors.js';
import type { Faults } from './faults.js';
import { errorFrame, type Dispatcher } from './rpc.js';
import type { BoundConn, SessionRegistry } from './session-registry.js';
import type { TimerSet } from './util.js';

export interface ConnectionHost {
  readonly faults: Faults;
  readonly timers: TimerSet;
  readonly registry: SessionRegistry;
  readonly dispatcher: Dispatcher;
  readonly log: LogFn;
  onConnectionClosed(conn: Connection): void;
}

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

let nextId = 1;

export class Connection implements BoundConn {
  readonly cid = nextId++;
  boundSession: string | undefined;
  private readonly queue: string[] = [];
  private busy = false;
  private closed = false;

  constructor(
    readonly ws: WebSocket,
    private readonly host: ConnectionHost,
  ) {
    ws.on('message', (data) => this.onMessage(data));
    // autoPong is off on the server so that a hung emulator can stay silent at the WebSocket level too.
    ws.on('ping', (data) => {
      if (!this.host.faults.hung && ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    ws.on('close', () => this.onClose());
    ws.on('error', (e) => this.host.log('debug', `socket #${this.cid} error: ${e.message}`));
  }

  readonly sendEvent = (frame: string): void => {
    if (!this.host.faults.hung) this.send(frame);
  };

  private send(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  private onMessage(data: RawData): void {
    // A hung server reads what arrives and drops it; nothing is answered later either.
    if (this.closed || this.host.faults.hung) return;
    this.queue.push(text(data));
    this.pump();
  }

  private pump(): void {
    while (!this.busy && !this.closed && this.queue.length > 0) {
      if (this.host.faults.hung) {
        this.queue.length = 0;
        return;
      }
      const request = this.queue.shift()!;
      const latency = this.host.faults.latencyMs;
      if (latency > 0) {
        this.busy = true;
        this.host.timers.set(() => {
          this.busy = false;
          this.process(request);
          this.pump();
        }, latency);
        return;
      }
      this.process(request);
    }
  }

  private process(request: string): void {
    if (this.closed || this.host.faults.hung) return;
    const events = this.host.registry.events;
    // Events raised while handling are held so that they follow the response on the wire.
    events.hold();
    let out: string | Promise<string>;
    try {
      out = this.host.dispatcher.handle(this, request);
    } catch (e) {
      this.host.log('warn', `socket #${this.cid}: unexpected failure: ${String(e)}`);
      const err = new KmsError(ErrorCode.INTERNAL_ERROR, 'Unexpected error while processing method', undefined);
      out = errorFrame(null, err.toJson());
    }
    if (typeof out === 'string') {
      this.reply(out);
      events.release();
      return;
    }
    events.release();
    this.busy = true;
    void out.then((frame) => {
      this.busy = false;
      this.reply(frame);
      this.pump();
    });
  }

  private reply(frame: string): void {
    if (!this.host.faults.hung) this.send(frame);
  }

  /** Abrupt close, as a network failure would look to the client. */
  terminate(): void {
    this.ws.terminate();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.host.registry.unbind(this);
    this.host.onConnectionClosed(this);
  }
}
