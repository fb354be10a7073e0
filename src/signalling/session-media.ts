import type {
  Endpoint,
  EndpointSetup,
  Filter,
  MediaApi,
  NegotiatedEndpoint,
  Pipeline,
} from '../media-servers/media-api.js';
import { MediaServerUnavailableError } from '../media-servers/media-servers.errors.js';

/** A publisher's filter and who listens to which of its events (OpenVidu's PublisherEndpoint maps). */
export interface FilterState {
  filter: Filter;
  listeners: Map<string, Set<string>>;
}

/**
 * The Kurento side of one OpenVidu session: its pipeline on the media server it was placed on, one
 * WebRtcEndpoint per publisher (keyed by connectionId) and one per subscription.
 */
export class SessionMedia {
  private pipeline: Promise<Pipeline> | undefined;
  private readonly publisherEndpoints = new Map<string, Endpoint>();
  private readonly subscriberEndpoints = new Map<string, Endpoint>();
  private readonly filterStates = new Map<string, FilterState>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** KurentoSession's pipeline error listener: every participant gets `mediaError`. */
  onPipelineError: ((data: Record<string, unknown>) => void) | undefined;

  constructor(
    readonly sessionId: string,
    readonly mediaServerId: string,
    private readonly api: MediaApi,
  ) {}

  static subscriberKey(subscriberId: string, publisherId: string): string {
    return `${subscriberId}|${publisherId}`;
  }

  /** Publisher endpoints by connectionId; changed only through bind/take/reset below. */
  get publishers(): ReadonlyMap<string, Endpoint> {
    return this.publisherEndpoints;
  }

  /** Subscriber endpoints by `subscriberKey`. */
  get subscribers(): ReadonlyMap<string, Endpoint> {
    return this.subscriberEndpoints;
  }

  /** Filters between a publisher (connectionId) and its subscribers. */
  get filters(): ReadonlyMap<string, FilterState> {
    return this.filterStates;
  }

  bindPublisher(connectionId: string, endpoint: Endpoint): void {
    this.publisherEndpoints.set(connectionId, endpoint);
  }

  bindSubscriber(subscriberId: string, publisherId: string, endpoint: Endpoint): void {
    this.subscriberEndpoints.set(SessionMedia.subscriberKey(subscriberId, publisherId), endpoint);
  }

  /** A filter now sits between `publisherId`'s endpoint and its subscribers; nobody listens to it yet. */
  bindFilter(publisherId: string, filter: Filter): void {
    this.filterStates.set(publisherId, { filter, listeners: new Map() });
  }

  /** Created once on first use; a failed creation is forgotten so the next call retries. */
  ensurePipeline(): Promise<Pipeline> {
    if (!this.pipeline) {
      const p = this.api.createPipeline();
      this.pipeline = p;
      p.then((pipeline) => pipeline.onError((data) => this.onPipelineError?.(data))).catch(() => undefined);
      p.catch(() => {
        if (this.pipeline === p) this.pipeline = undefined;
      });
    }
    return this.pipeline;
  }

  /**
   * A subscriber's endpoint, fed by `publisherId`'s filter while there is one, else by its endpoint,
   * and negotiated in the same round trip. Queued with the publisher's re-wirings, so a filter applied
   * or removed meanwhile cannot miss it.
   */
  async subscriberEndpoint(publisherId: string, setup: Omit<EndpointSetup, 'source'>): Promise<NegotiatedEndpoint> {
    const pipeline = await this.ensurePipeline();
    return this.serial(publisherId, () => {
      const source = this.filters.get(publisherId)?.filter ?? this.publishers.get(publisherId);
      if (!source) return Promise.reject(new Error(`publisher ${publisherId} is gone`));
      return pipeline.createEndpoint({ ...setup, source });
    });
  }

  /** Runs `fn` after every earlier one for `key` (a publisher), so re-wirings never interleave. */
  serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, tail);
    void tail.then(() => this.queues.get(key) === tail && this.queues.delete(key));
    return run;
  }

  /** The subscriber endpoints fed by `publisherId`'s stream. */
  subscribersOf(publisherId: string): Endpoint[] {
    return [...this.subscribers].filter(([k]) => k.endsWith(`|${publisherId}`)).map(([, e]) => e);
  }

  takeFilter(publisherId: string): Filter | undefined {
    const f = this.filterStates.get(publisherId)?.filter;
    this.filterStates.delete(publisherId);
    return f;
  }

  /** After a media-server restart the old objects are gone: forget them and build a new pipeline. */
  reset(): void {
    this.filterStates.clear();
    this.publisherEndpoints.clear();
    this.subscriberEndpoints.clear();
    this.pipeline = undefined;
  }

  takePublisher(connectionId: string): Endpoint | undefined {
    const e = this.publisherEndpoints.get(connectionId);
    this.publisherEndpoints.delete(connectionId);
    return e;
  }

  takeSubscriber(subscriberId: string, publisherId: string): Endpoint | undefined {
    const key = SessionMedia.subscriberKey(subscriberId, publisherId);
    const e = this.subscriberEndpoints.get(key);
    this.subscriberEndpoints.delete(key);
    return e;
  }

  /**
   * Releasing the pipeline releases every endpoint in it on the media server. One the server could
   * not be asked to release (disconnected) goes to `unreachable`, to be released once it is back.
   */
  async release(unreachable: (pipeline: Pipeline) => void): Promise<void> {
    const p = this.pipeline;
    this.reset();
    if (!p) return;
    const pipeline = await p;
    try {
      await pipeline.release();
    } catch (e) {
      if (!(e instanceof MediaServerUnavailableError)) throw e;
      unreachable(pipeline);
    }
  }
}
