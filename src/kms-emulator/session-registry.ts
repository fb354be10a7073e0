// Sessions, socket bindings and the object tree: the emulator's equivalent of KMS's MediaSet plus the
// session↔connection maps of its WebSocket transport.
import type { EmulatorContext, LogFn } from './context.js';
import { ErrorCode, KmsError, objectNotFound } from './errors.js';
import { EventBus } from './events.js';
import { createMediaObject, isCreatable } from './objects/factory.js';
import type { MediaObject } from './objects/media-object.js';
import { MediaPipeline } from './objects/pipeline.js';
import { Composite } from './objects/simple-elements.js';
import { SERVER_MANAGER_ID, ServerManager, type LoadFigures } from './server-manager.js';
import { TimerSet } from './util.js';

/** The side of a socket the registry needs: which session it is bound to, and a way to push events. */
export interface BoundConn {
  boundSession: string | undefined;
  readonly sendEvent: (frame: string) => void;
}

export interface RegistryOptions {
  cpuCount: number;
  log: LogFn;
  timers?: TimerSet;
}

export class SessionRegistry implements EmulatorContext, LoadFigures {
  readonly timers: TimerSet;
  readonly events: EventBus;
  readonly cpuCount: number;
  readonly log: LogFn;
  readonly manager: ServerManager;
  /** Live objects (not counting the ServerManager) past which `create` answers 40009; null = no limit. */
  maxObjects: number | null = null;
  endpoints = 0;
  elements = 0;
  /** sessionId → ids of the objects it references. A session exists once it touched an object, as in KMS. */
  private readonly sessions = new Map<string, Set<string>>();
  private readonly refsOf = new Map<string, Set<string>>();
  private readonly bindings = new Map<string, BoundConn>();
  private readonly objects = new Map<string, MediaObject>();
  private readonly pipelineMap = new Map<string, MediaPipeline>();

  constructor(opts: RegistryOptions) {
    this.cpuCount = opts.cpuCount;
    this.log = opts.log;
    this.timers = opts.timers ?? new TimerSet();
    this.events = new EventBus((sessionId) => this.bindings.get(sessionId)?.sendEvent);
    this.manager = new ServerManager(this, this);
  }

  get pipelines(): number {
    return this.pipelineMap.size;
  }

  get objectCount(): number {
    return this.objects.size;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  pipelineIds(): string[] {
    return [...this.pipelineMap.keys()];
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  // ---- sessions and bindings ----

  isKnown(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /** Records that a session used an object (describe/invoke/subscribe/create all do this in KMS). */
  ref(sessionId: string, obj: MediaObject): void {
    let set = this.sessions.get(sessionId);
    if (!set) this.sessions.set(sessionId, (set = new Set()));
    if (obj === this.manager || set.has(obj.id)) return;
    set.add(obj.id);
    let owners = this.refsOf.get(obj.id);
    if (!owners) this.refsOf.set(obj.id, (owners = new Set()));
    owners.add(sessionId);
    if (obj.parent) this.ref(sessionId, obj.parent);
  }

  /** Binds a socket to the session of its latest successful response; either side's old binding is dropped. */
  bind(sessionId: string, conn: BoundConn): void {
    const prev = this.bindings.get(sessionId);
    if (prev === conn && conn.boundSession === sessionId) return;
    if (prev && prev !== conn) prev.boundSession = undefined;
    if (conn.boundSession !== undefined && conn.boundSession !== sessionId) this.unbind(conn);
    this.bindings.set(sessionId, conn);
    conn.boundSession = sessionId;
  }

  unbind(conn: BoundConn): void {
    const s = conn.boundSession;
    if (s !== undefined && this.bindings.get(s) === conn) this.bindings.delete(s);
    conn.boundSession = undefined;
  }

  boundConn(sessionId: string): BoundConn | undefined {
    return this.bindings.get(sessionId);
  }

  // ---- objects ----

  find(id: string): MediaObject | undefined {
    return id === SERVER_MANAGER_ID ? this.manager : this.objects.get(id);
  }

  resolve(id: string): MediaObject {
    const obj = this.find(id);
    if (!obj) throw objectNotFound(id);
    return obj;
  }

  create(type: string, constructorParams: unknown, sessionId: string): MediaObject {
    // KMS looks the factory up before checking resources: an unknown type wins over the limit.
    if (!isCreatable(type)) throw new KmsError(ErrorCode.MEDIA_OBJECT_NOT_AVAILABLE, `Factory '${type}' not found`);
    if (this.maxObjects !== null && this.objects.size >= this.maxObjects) {
      throw new KmsError(ErrorCode.NOT_ENOUGH_RESOURCES, `Reached KMS objects limit: ${this.maxObjects}`);
    }
    const obj = createMediaObject(this, type, constructorParams);
    this.objects.set(obj.id, obj);
    if (obj instanceof MediaPipeline) {
      this.pipelineMap.set(obj.id, obj);
    } else {
      (obj.parent as MediaPipeline).members.add(obj);
      this.elements++;
      if (obj.type.endsWith('Endpoint')) this.endpoints++;
    }
    this.ref(sessionId, obj);
    this.events.emit(this.manager, 'ObjectCreated', { object: obj.id }, false);
    return obj;
  }

  /** Releases an object and, for a pipeline, everything in it. Unknown ids are ignored, as KMS does. */
  release(id: string): void {
    const obj = this.objects.get(id);
    if (obj) this.releaseObject(obj);
  }

  /** Drops one session's reference; an object nobody references any more is released. */
  unref(sessionId: string, id: string): void {
    const obj = this.objects.get(id);
    if (!obj) return;
    this.sessions.get(sessionId)?.delete(id);
    const owners = this.refsOf.get(id);
    owners?.delete(sessionId);
    if (!owners || owners.size === 0) this.releaseObject(obj);
  }

  closeSession(sessionId: string, release: boolean): void {
    for (const id of [...(this.sessions.get(sessionId) ?? [])]) {
      if (release) this.release(id);
      else this.unref(sessionId, id);
    }
    if (release) this.sessions.delete(sessionId);
  }

  private releaseObject(obj: MediaObject): void {
    obj.released = true;
    if (obj instanceof MediaPipeline) {
      for (const child of [...obj.members]) this.releaseObject(child);
      this.pipelineMap.delete(obj.id);
    } else {
      // A hub's ports are its KMS children: they go with it.
      if (obj instanceof Composite) for (const port of [...obj.ports]) if (!port.released) this.releaseObject(port);
      const pipeline = obj.parent as MediaPipeline;
      pipeline.members.delete(obj);
      this.elements--;
      if (obj.type.endsWith('Endpoint')) this.endpoints--;
    }
    this.objects.delete(obj.id);
    // Handlers go first, so an element's own last events are not delivered (KMS's MediaSet::unref order).
    this.events.dropObject(obj.id);
    obj.onRelease(false);
    const owners = this.refsOf.get(obj.id);
    if (owners) {
      for (const s of owners) this.sessions.get(s)?.delete(obj.id);
      this.refsOf.delete(obj.id);
    }
    this.events.emit(this.manager, 'ObjectDestroyed', { objectId: obj.id }, false);
  }

  /** Forgets every session, binding, subscription and object without a single event: a new KMS process. */
  reset(): void {
    for (const obj of this.objects.values()) {
      obj.released = true;
      obj.onRelease(true);
    }
    this.objects.clear();
    this.pipelineMap.clear();
    this.sessions.clear();
    this.refsOf.clear();
    for (const conn of this.bindings.values()) conn.boundSession = undefined;
    this.bindings.clear();
    this.events.clear();
    this.endpoints = 0;
    this.elements = 0;
  }
}
