// Subscriptions and `onEvent` delivery. KMS keeps one handler per (session, object, event type) and sends each
// event to whatever socket is bound to that session at the moment it fires; with no socket bound it is lost.
import { uuid } from './util.js';

export interface EventSource {
  readonly id: string;
  readonly sendTagsInEvents: boolean;
  tagList(): unknown[];
}

interface Subscription {
  sessionId: string;
  objectId: string;
  type: string;
}

export type SessionRoute = (sessionId: string) => ((frame: string) => void) | undefined;

export class EventBus {
  private readonly subs = new Map<string, Subscription>();
  /** objectId → event type → sessionId → number of live subscriptions. */
  private readonly byObject = new Map<string, Map<string, Map<string, number>>>();
  private holds = 0;
  private pending: Array<[string, string]> = [];

  constructor(private readonly route: SessionRoute) {}

  subscribe(sessionId: string, objectId: string, type: string): string {
    const id = uuid();
    this.subs.set(id, { sessionId, objectId, type });
    let types = this.byObject.get(objectId);
    if (!types) this.byObject.set(objectId, (types = new Map()));
    let sessions = types.get(type);
    if (!sessions) types.set(type, (sessions = new Map()));
    sessions.set(sessionId, (sessions.get(sessionId) ?? 0) + 1);
    return id;
  }

  /** Unknown or stale subscription ids are ignored, as KMS does (the client unsubscribes after release). */
  unsubscribe(subscriptionId: string): void {
    const s = this.subs.get(subscriptionId);
    if (!s) return;
    this.subs.delete(subscriptionId);
    const sessions = this.byObject.get(s.objectId)?.get(s.type);
    if (!sessions) return;
    const n = (sessions.get(s.sessionId) ?? 1) - 1;
    if (n > 0) sessions.set(s.sessionId, n);
    else sessions.delete(s.sessionId);
  }

  dropObject(objectId: string): void {
    const types = this.byObject.get(objectId);
    if (!types) return;
    this.byObject.delete(objectId);
    for (const [id, s] of this.subs) if (s.objectId === objectId) this.subs.delete(id);
  }

  clear(): void {
    this.subs.clear();
    this.byObject.clear();
    this.pending = [];
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  hasListeners(objectId: string, type: string): boolean {
    const sessions = this.byObject.get(objectId)?.get(type);
    return sessions !== undefined && sessions.size > 0;
  }

  /**
   * Raises an event. `media` events (those extending kurento's Media event) also carry `type` inside data.
   * While held (a request is being handled) frames are queued so they follow the response, as KMS's
   * asynchronous event thread usually makes them do.
   */
  emit(source: EventSource, type: string, fields: Record<string, unknown> = {}, media = true): void {
    const sessions = this.byObject.get(source.id)?.get(type);
    if (!sessions || sessions.size === 0) return;
    const data: Record<string, unknown> = {
      ...fields,
      source: source.id,
      tags: source.sendTagsInEvents ? source.tagList() : [],
      timestampMillis: String(Date.now()),
    };
    if (media) data.type = type;
    const frame = JSON.stringify({
      jsonrpc: '2.0',
      method: 'onEvent',
      params: { value: { data, object: source.id, type } },
    });
    for (const sessionId of sessions.keys()) {
      if (this.holds > 0) this.pending.push([sessionId, frame]);
      else this.route(sessionId)?.(frame);
    }
  }

  hold(): void {
    this.holds++;
  }

  release(): void {
    if (this.holds > 0) this.holds--;
    if (this.holds > 0 || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    for (const [sessionId, frame] of batch) this.route(sessionId)?.(frame);
  }
}
