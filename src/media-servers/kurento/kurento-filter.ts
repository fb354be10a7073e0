import type { Element, Filter, MediaKind } from '../media-api.js';
import { MediaServerRequestError } from '../media-servers.errors.js';
import type { KurentoCalls } from './kurento-connection.js';
import { adopt, link, type RawElement } from './kurento-element.js';

interface Token {
  value: string;
  sessionId?: string;
}

/**
 * A filter element. Kurento events reach kurento-client objects as `emit(type, data)`; adding an
 * EventEmitter listener would subscribe through kurento-client with no way to learn of a refusal,
 * so subscriptions go out as explicit requests (bounded, answered) and events are caught in `emit`.
 */
export class KurentoFilter implements Filter {
  private released = false;
  private readonly listeners = new Map<string, (data: Record<string, unknown>) => void>();
  private readonly tokens = new Map<string, Token>();

  constructor(
    private readonly calls: KurentoCalls,
    private readonly raw: RawElement,
    readonly type: string,
  ) {
    adopt(this, raw);
    const emit = raw.emit.bind(raw);
    raw.emit = ((event: string | symbol, ...args: unknown[]) => {
      const listener = typeof event === 'string' ? this.listeners.get(event) : undefined;
      if (listener) {
        try {
          listener((args[0] ?? {}) as Record<string, unknown>);
        } catch (e) {
          // Thrown inside kurento-client's socket handler it would stop every later message.
          calls.warn(`${String(event)} listener of ${raw.id} threw: ${(e as Error).message}`);
        }
      }
      return emit(event, ...args);
    }) as typeof raw.emit;
  }

  get id(): string {
    return this.raw.id;
  }

  connect(sink: Element, kind?: MediaKind): Promise<void> {
    return link(this.calls, 'connect', this.raw, sink, kind);
  }

  disconnect(sink: Element, kind?: MediaKind): Promise<void> {
    return link(this.calls, 'disconnect', this.raw, sink, kind);
  }

  invoke(method: string, params: Record<string, unknown>): Promise<unknown> {
    const req = { object: this.raw, operation: method, operationParams: params };
    return this.calls
      .call<{ value?: unknown } | undefined>(method, (_c, cb) => this.raw.emit('_rpc', undefined, 'invoke', req, cb))
      .then((r) => r?.value ?? null);
  }

  async on(eventType: string, listener: (data: Record<string, unknown>) => void): Promise<void> {
    if (this.released) throw this.gone(`subscribe ${eventType}`);
    if (this.tokens.has(eventType)) {
      this.listeners.set(eventType, listener);
      return;
    }
    const req = { object: this.raw, type: eventType };
    const token = await this.calls.call<Token>(`subscribe ${eventType}`, (_c, cb) =>
      this.raw.emit('_rpc', undefined, 'subscribe', req, cb),
    );
    this.tokens.set(eventType, token);
    this.listeners.set(eventType, listener);
  }

  async off(eventType: string): Promise<void> {
    this.listeners.delete(eventType);
    const token = this.tokens.get(eventType);
    this.tokens.delete(eventType);
    if (!token || this.released) return;
    const req = { object: this.raw, subscription: token.value, sessionId: token.sessionId };
    await this.calls.call<void>(`unsubscribe ${eventType}`, (_c, cb) =>
      this.raw.emit('_rpc', undefined, 'unsubscribe', req, cb),
    );
  }

  /** Unsubscribes every event (best effort: the release drops them on the server anyway), then releases. */
  async release(): Promise<void> {
    if (this.released) return;
    for (const type of [...this.tokens.keys()]) {
      await this.off(type).catch((e: unknown) => this.calls.warn(`unsubscribing ${type}: ${(e as Error).message}`));
    }
    this.released = true;
    this.listeners.clear();
    await this.calls.call<void>('releaseFilter', (_c, cb) => this.raw.release(cb));
  }

  private gone(label: string): MediaServerRequestError {
    return new MediaServerRequestError(`${label}: filter ${this.id} was released`, this.calls.mediaServerId, 40101, '');
  }
}
