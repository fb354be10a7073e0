/**
 * Fakes for unit specs: configuration, placement, a media API that records what it was asked, and
 * a socket that records what was sent. Excluded from the production build (tsconfig.build.json).
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defaultConfig, type ConfigKey, type OpenViduConfig } from '../config/config.schema.js';
import type { OpenViduConfigService } from '../config/config.service.js';
import type {
  Element,
  Endpoint,
  EndpointSetup,
  Filter,
  Hub,
  IceCandidate,
  MediaApi,
  MediaKind,
  MediaProfile,
  NegotiatedEndpoint,
  Pipeline,
  Recorder,
  VideoBandwidth,
} from '../media-servers/media-api.js';
import { MediaServerRequestError } from '../media-servers/media-servers.errors.js';
import type { HostedSession, Placement } from '../media-servers/placement.js';
import type { SessionPlacer } from '../sessions/media-placement.js';
import type { MediaOptions } from '../sessions/session.types.js';
import type { ClientSocket } from '../signalling/signalling-client.js';

/** What openvidu-browser sends for a camera with sound (publishVideo). */
export const CAMERA: Readonly<MediaOptions> = {
  hasAudio: true,
  hasVideo: true,
  audioActive: true,
  videoActive: true,
  typeOfVideo: 'CAMERA',
  frameRate: 30,
  videoDimensions: '{"width":640,"height":480}',
};

/** An OpenViduConfigService over the defaults and `overrides`; `set` changes a value later. */
export function fakeConfig(overrides: Partial<OpenViduConfig> = {}) {
  let current: OpenViduConfig = { ...defaultConfig(), ...overrides };
  const config = {
    get: <K extends ConfigKey>(key: K): OpenViduConfig[K] => current[key],
    snapshot: (): Readonly<OpenViduConfig> => current,
    set(changes: Partial<OpenViduConfig>): void {
      current = { ...current, ...changes };
    },
  };
  return config as typeof config & OpenViduConfigService;
}

/** Places every session on `mediaServerId`, or throws while `failing` is set. */
export class FakePlacer implements SessionPlacer {
  failing: Error | undefined;
  readonly placed: string[] = [];
  readonly released: string[] = [];
  readonly attached = new Map<string, HostedSession>();

  constructor(readonly mediaServerId = 'KMS-FAKE') {}

  place(sessionId: string): Placement {
    if (this.failing) throw this.failing;
    this.placed.push(sessionId);
    return {
      mediaServerId: this.mediaServerId,
      attach: (s) => void this.attached.set(sessionId, s),
      release: () => void this.released.push(sessionId),
    };
  }
}

let ids = 0;

class FakeElement implements Element {
  readonly id: string;
  released = false;
  /** Sinks this element feeds. */
  readonly sinks = new Set<Element>();

  constructor(
    readonly media: FakeMediaApi,
    kind: string,
  ) {
    this.id = `pipeline/${++ids}_kurento.${kind}`;
  }

  connect(sink: Element, _kind?: MediaKind): Promise<void> {
    this.media.calls.push(`connect ${this.id} -> ${sink.id}`);
    this.sinks.add(sink);
    return Promise.resolve();
  }

  disconnect(sink: Element): Promise<void> {
    this.sinks.delete(sink);
    return Promise.resolve();
  }

  release(): Promise<void> {
    this.released = true;
    this.media.calls.push(`release ${this.id}`);
    return Promise.resolve();
  }
}

export class FakeFilter extends FakeElement implements Filter {
  readonly listeners = new Map<string, (data: Record<string, unknown>) => void>();
  readonly invoked: Array<{ method: string; params: Record<string, unknown> }> = [];
  /** Event types the media server refuses to subscribe to. */
  refuse = new Set<string>();
  /** Methods the media server answers with an error. */
  failingMethods = new Set<string>();

  constructor(
    media: FakeMediaApi,
    readonly type: string,
    readonly options: Record<string, unknown>,
  ) {
    super(media, type);
  }

  invoke(method: string, params: Record<string, unknown>): Promise<unknown> {
    if (this.failingMethods.has(method)) return Promise.reject(new Error(`no method ${method}`));
    this.invoked.push({ method, params });
    return Promise.resolve(undefined);
  }

  on(eventType: string, listener: (data: Record<string, unknown>) => void): Promise<void> {
    if (this.refuse.has(eventType)) return Promise.reject(new Error(`no event ${eventType}`));
    this.listeners.set(eventType, listener);
    return Promise.resolve();
  }

  off(eventType: string): Promise<void> {
    this.listeners.delete(eventType);
    return Promise.resolve();
  }
}

/**
 * A RecorderEndpoint: `Recording` on record(), and on stop the file the media server wrote appears
 * (as through a shared volume) before `Stopped`.
 */
export class FakeRecorder extends FakeFilter implements Recorder {
  state: 'new' | 'recording' | 'stopped' = 'new';
  /** Bytes the media server leaves in the file; 0 writes none (a file that never reaches our disk). */
  bytes = 1024;

  constructor(
    media: FakeMediaApi,
    readonly uri: string,
    readonly profile: MediaProfile,
  ) {
    super(media, 'RecorderEndpoint', { uri, mediaProfile: profile });
  }

  record(): Promise<void> {
    if (this.released) return Promise.reject(new Error(`Object '${this.id}' not found`));
    this.state = 'recording';
    this.listeners.get('Recording')?.({ timestampMillis: String(Date.now()) });
    return Promise.resolve();
  }

  async stopAndWait(): Promise<void> {
    if (this.state === 'recording' && this.bytes > 0) {
      await writeFile(fileURLToPath(this.uri), Buffer.alloc(this.bytes));
    }
    this.state = 'stopped';
    this.listeners.get('Stopped')?.({ timestampMillis: String(Date.now()) });
  }
}

export class FakeEndpoint extends FakeElement implements Endpoint {
  readonly candidates: IceCandidate[] = [];
  gathered = false;
  onCandidate: ((c: IceCandidate) => void) | undefined;
  events: EndpointSetup['events'];

  constructor(media: FakeMediaApi) {
    super(media, 'WebRtcEndpoint');
  }

  setVideoBandwidth(_limits: VideoBandwidth): Promise<void> {
    return Promise.resolve();
  }

  processOffer(sdp: string): Promise<string> {
    return Promise.resolve(`answer to ${sdp}`);
  }

  gatherCandidates(): Promise<void> {
    this.gathered = true;
    return Promise.resolve();
  }

  addIceCandidate(candidate: IceCandidate): Promise<void> {
    this.candidates.push(candidate);
    return Promise.resolve();
  }

  onIceCandidate(listener: (candidate: IceCandidate) => void): void {
    this.onCandidate = listener;
  }

  /** The media server reports an endpoint event (`MediaFlowInStateChanged`, `Error`…). */
  emit(type: string, data: Record<string, unknown>): void {
    this.events?.listener(type, data);
  }
}

export class FakePipeline implements Pipeline {
  readonly id: string;
  released = false;
  readonly endpoints: FakeEndpoint[] = [];
  readonly filters: FakeFilter[] = [];
  readonly recorders: FakeRecorder[] = [];
  readonly setups: EndpointSetup[] = [];
  errorListener: ((data: Record<string, unknown>) => void) | undefined;

  constructor(private readonly media: FakeMediaApi) {
    this.id = `pipeline-${++ids}`;
  }

  createWebRtcEndpoint(): Promise<Endpoint> {
    return Promise.resolve(new FakeEndpoint(this.media));
  }

  createRecorder(uri: string, profile: MediaProfile): Promise<Recorder> {
    const recorder = new FakeRecorder(this.media, uri, profile);
    this.recorders.push(recorder);
    return Promise.resolve(recorder);
  }

  createComposite(): Promise<Hub> {
    return Promise.reject(new Error('no composites in this fake'));
  }

  async createEndpoint(setup: EndpointSetup): Promise<NegotiatedEndpoint> {
    const failure = this.media.failNextEndpoint;
    this.media.failNextEndpoint = undefined;
    if (failure) throw failure;
    this.setups.push(setup);
    const endpoint = new FakeEndpoint(this.media);
    endpoint.onCandidate = setup.onIceCandidate;
    endpoint.events = setup.events;
    this.endpoints.push(endpoint);
    if (setup.source) await setup.source.connect(endpoint);
    let filter: FakeFilter | undefined;
    if (setup.filter) {
      filter = new FakeFilter(this.media, setup.filter.type, setup.filter.options);
      this.filters.push(filter);
      await endpoint.connect(filter);
    }
    return { endpoint, answer: `answer to ${setup.offer}`, filter };
  }

  createFilter(type: string, options: Record<string, unknown>): Promise<Filter> {
    if (!this.media.filterTypes.has(type)) {
      const e = new MediaServerRequestError(`Factory '${type}' not found`, this.media.mediaServerId, 40102, 'UNKNOWN');
      return Promise.reject(e);
    }
    const filter = new FakeFilter(this.media, type, options);
    this.filters.push(filter);
    return Promise.resolve(filter);
  }

  onError(listener: (data: Record<string, unknown>) => void): void {
    this.errorListener = listener;
  }

  release(): Promise<void> {
    this.released = true;
    this.media.calls.push(`release ${this.id}`);
    return Promise.resolve();
  }
}

/** A media server that keeps everything in memory and records what it was asked. */
export class FakeMediaApi implements MediaApi {
  readonly pipelines: FakePipeline[] = [];
  readonly calls: string[] = [];
  /** Filter types the server knows. */
  readonly filterTypes = new Set(['GStreamerFilter', 'FaceOverlayFilter', 'ZBarFilter']);
  /** The next createEndpoint rejects with this. */
  failNextEndpoint: Error | undefined;
  /** createPipeline rejects with this while set. */
  failPipeline: Error | undefined;

  constructor(readonly mediaServerId = 'KMS-FAKE') {}

  createPipeline(): Promise<Pipeline> {
    if (this.failPipeline) return Promise.reject(this.failPipeline);
    const p = new FakePipeline(this);
    this.pipelines.push(p);
    return Promise.resolve(p);
  }

  getPipelineIds(): Promise<string[]> {
    return Promise.resolve(this.pipelines.filter((p) => !p.released).map((p) => p.id));
  }

  get lastPipeline(): FakePipeline {
    const p = this.pipelines.at(-1);
    if (!p) throw new Error('no pipeline yet');
    return p;
  }
}

/** A socket that records the JSON it was sent. */
export class FakeSocket extends EventEmitter implements ClientSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<Record<string, unknown>> = [];
  closedWith: number | undefined;
  terminated = false;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code?: number): void {
    this.readyState = 3;
    this.closedWith = code;
  }

  terminate(): void {
    this.readyState = 3;
    this.terminated = true;
  }

  /** Notifications received, optionally of one method. */
  notifications(method?: string): Array<{ method: string; params: Record<string, unknown> }> {
    return this.sent
      .filter((m) => typeof m.method === 'string' && (method === undefined || m.method === method))
      .map((m) => ({ method: m.method as string, params: m.params as Record<string, unknown> }));
  }
}

/**
 * A socket the transport accepts, played by the spec: `receive()` is a frame from the peer,
 * `drop()` the peer going away; what the server sends is recorded as in FakeSocket.
 */
export class FakeTransportSocket extends FakeSocket {
  override close(code?: number): void {
    if (this.readyState === 3) return;
    this.closedWith = code;
    this.drop();
  }

  override terminate(): void {
    if (this.readyState === 3) return;
    this.terminated = true;
    this.drop();
  }

  /** The connection is gone (either side): `close` fires once. */
  drop(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close');
  }

  receive(message: unknown): void {
    this.emit('message', Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)), false);
  }

  get isClosed(): boolean {
    return this.readyState === 3;
  }

  /** The answer to request `id`. */
  answer(id: number): Record<string, unknown> | undefined {
    return this.sent.find((m) => m.id === id && !('method' in m));
  }

  /** The params of the notifications received, optionally of one method. */
  params(method?: string): Array<Record<string, unknown>> {
    return this.notifications(method).map((n) => n.params);
  }
}
