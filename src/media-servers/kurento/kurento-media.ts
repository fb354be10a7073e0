import { Logger } from '@nestjs/common';
import kurento from 'kurento-client';
import type {
  Element,
  Endpoint,
  EndpointCall,
  EndpointSetup,
  Filter,
  Hub,
  IceCandidate,
  MediaApi,
  MediaKind,
  MediaProfile,
  NegotiatedEndpoint,
  Pipeline,
  VideoBandwidth,
  Recorder,
} from '../media-api.js';
import {
  MediaServerRequestError,
  MediaServerTimeoutError,
  MediaServerUnavailableError,
} from '../media-servers.errors.js';
import { guardClientConnection } from './client-guard.js';
import { runInFaultDomain, type FaultDomain } from './fault-domain.js';
import { KurentoBatch, listen } from './kurento-batch.js';
import { KurentoFilter, type RawElement } from './kurento-filter.js';
import { KurentoHub, KurentoRecorder } from './kurento-recording.js';

export interface KurentoMediaOptions {
  /** `kms.request.timeout`: our own limit on every call, and kurento-client's `request_timeout`. */
  requestTimeout: number;
  /** `kms.max-frame-size`: the largest frame read from the media server, in bytes. */
  maxFrameBytes: number;
}

/** How often a media server's rejected frames are reported (the first one at once). */
const REJECT_LOG_EVERY_MS = 10_000;

type Raw = kurento.MediaObject;

/**
 * The one kurento-client of a media server, used for signalling's media objects only. It is
 * created on first use, reconnects by itself (docs/kurento-protocol.md §4), and every call
 * goes through `call()`: callback style (promise style swallows errors, docs/kurento-protocol.md §5.1) with our own
 * timeout, and a check that the probe says the server is up so nothing waits on a dead server.
 */
export class KurentoMedia implements MediaApi, FaultDomain {
  private readonly logger = new Logger(KurentoMedia.name);
  private client: kurento.KurentoClient | undefined;
  private rejectedFrames = 0;
  private lastRejectLog = 0;
  private backingOff = false;
  private closed = false;
  /** Rejecters of the calls waiting for an answer, so close() settles them at once. */
  private readonly inFlight = new Set<(e: Error) => void>();

  constructor(
    readonly mediaServerId: string,
    private readonly uri: string,
    private readonly opts: KurentoMediaOptions,
    private readonly available: () => boolean,
  ) {}

  /** The probe sees the server again: cut the client's reconnection backoff (up to 10 s) short. */
  serverUp(): void {
    if (this.client && this.backingOff) {
      this.backingOff = false;
      this.client._re.reset();
    }
  }

  /**
   * Resolves once no call waits for an answer (each is bounded by the request timeout). Work the
   * caller just started (e.g. releases of the sessions it closed) is in flight after one turn.
   */
  async settle(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.inFlight.size && !this.closed) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropClient(
      new MediaServerUnavailableError(`Media server ${this.mediaServerId} was removed`, this.mediaServerId),
    );
  }

  /**
   * A throw escaped kurento-client while it handled this server's traffic: its state can no longer
   * be trusted, so the calls in flight fail, the client is closed, and the next call makes a new one.
   */
  contain(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.logger.error(
      `Media server ${this.mediaServerId}: its client failed (${bounded(e.message)}); ` +
        'closing that client, the server keeps serving with a new one',
    );
    if (this.closed) return;
    this.dropClient(
      new MediaServerRequestError(
        `Media server ${this.mediaServerId} sent what its client could not handle`,
        this.mediaServerId,
        undefined,
        undefined,
      ),
    );
  }

  private dropClient(reason: Error): void {
    for (const fail of [...this.inFlight]) fail(reason);
    const client = this.client;
    this.client = undefined;
    this.backingOff = false;
    if (!client) return;
    client.close();
    // close() only disconnects after pending requests settle and leaves a backoff timer running.
    const re = client._re;
    re.disconnect();
    re.reset();
    // A connection attempt still in flight completes anyway and restarts kurento-client's
    // process-wide 60 s ping timer; closing once more stops it.
    re.once('connection', () => client.close());
  }

  /** The kurento-client object behind an element of this API, to pass as a `connect` sink. */
  static rawOf(e: Element): RawElement | undefined {
    if (e instanceof KurentoEndpoint || e instanceof KurentoFilter) return e.raw as unknown as RawElement;
    return undefined;
  }

  createPipeline(): Promise<Pipeline> {
    return this.boxed<kurento.MediaPipeline>(
      'createPipeline',
      (c, cb) => c.create('MediaPipeline', cb),
      (late) => this.releaseQuietly(late),
    ).then((box) => new KurentoPipeline(this, this.guard(this.checkObject('createPipeline', box.value))));
  }

  getPipelineIds(): Promise<string[]> {
    return this.boxed<kurento.ServerManager>('getServerManager', (c, cb) => c.getServerManager(cb))
      .then((box) => this.call<Raw[]>('getPipelines', (_c, cb) => box.value.getPipelines(cb)))
      .then((list) => {
        if (!Array.isArray(list)) throw this.malformed('getPipelines', 'not a list');
        return list.map((p) => p?.id).filter((id): id is string => typeof id === 'string');
      });
  }

  /** `call()` for results that are not media objects (strings, void, arrays). */
  call<T>(label: string, start: (client: kurento.KurentoClient, cb: kurento.Callback<T>) => unknown): Promise<T> {
    return this.boxed(label, start).then((box) => box.value);
  }

  /**
   * One operation on `object`, sent as a one-operation `transaction`: the same single round trip as
   * a plain `invoke`, without kurento-client's per-call promise chain (bench/PROFILE.md).
   */
  invoke<T>(label: string, object: Raw, operation: string, params?: Record<string, unknown>): Promise<T> {
    return this.call<T>(label, (client, cb) => {
      const batch = new KurentoBatch(client);
      let value: unknown;
      batch.invoke(object, operation, params, (v) => (value = v));
      batch.commit((e) => cb(e, value as T));
    });
  }

  /**
   * Runs one kurento-client call in callback style with our timeout. The result comes boxed: media
   * objects are thenables, and a promise resolved with one adopts a read-only copy (docs/kurento-protocol.md §5.2).
   * `onLate` receives a result that arrives after the timeout (a pipeline created too late) to release it.
   */
  boxed<T>(
    label: string,
    start: (client: kurento.KurentoClient, cb: kurento.Callback<T>) => unknown,
    onLate?: (result: T) => void,
  ): Promise<{ value: T }> {
    if (this.closed || !this.available()) {
      return Promise.reject(
        new MediaServerUnavailableError(
          `${label}: media server ${this.mediaServerId} is not connected`,
          this.mediaServerId,
        ),
      );
    }
    // Created on first use: servers that only ever get probed need no third socket.
    const client = (this.client ??= this.createClient());
    return new Promise<{ value: T }>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(fail);
        reject(e);
      };
      const timer = setTimeout(
        () =>
          fail(
            new MediaServerTimeoutError(
              `${label}: media server ${this.mediaServerId} did not answer within ${this.opts.requestTimeout} ms`,
              this.mediaServerId,
            ),
          ),
        this.opts.requestTimeout,
      );
      this.inFlight.add(fail);
      // This callback must never throw: kurento-client rethrows into a promise nobody handles.
      const cb: kurento.Callback<T> = (error, result) => {
        try {
          if (settled) {
            if (!error && result && onLate) onLate(result);
            return;
          }
          if (error) return fail(this.toError(label, error));
          settled = true;
          clearTimeout(timer);
          this.inFlight.delete(fail);
          resolve({ value: result });
        } catch (e) {
          this.logger.warn(`${label} on ${this.mediaServerId}: ${(e as Error).message}`);
        }
      };
      try {
        start(client, cb);
      } catch (e) {
        cb(e as kurento.RawError, undefined as T);
      }
    });
  }

  /**
   * A failed `subscribe` makes kurento-client `emit('error')` on the object, and objects refuse
   * `on('error')`, so the throw would crash the process (docs/kurento-protocol.md §5.3). Route it to our log instead.
   */
  guard<T extends Raw>(raw: T): T {
    const emit = raw.emit.bind(raw);
    raw.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'error' && raw.listenerCount('error') === 0) {
        this.logger.warn(`Media server ${this.mediaServerId}: ${raw.id}: ${(args[0] as Error)?.message}`);
        return true;
      }
      return emit(event, ...args);
    }) as T['emit'];
    return raw;
  }

  /** A created object must carry a string id: anything else was not made by a Kurento server. */
  checkObject<T extends Raw>(label: string, raw: T): T {
    if (!raw || typeof raw !== 'object' || typeof raw.id !== 'string' || !raw.id) {
      if (raw && typeof raw === 'object') this.releaseQuietly(raw);
      throw this.malformed(label, 'no object id');
    }
    return raw;
  }

  malformed(label: string, what: string): MediaServerRequestError {
    return new MediaServerRequestError(
      `${label} on media server ${this.mediaServerId} failed: malformed answer (${what})`,
      this.mediaServerId,
      undefined,
      undefined,
    );
  }

  warn(message: string): void {
    this.logger.warn(`Media server ${this.mediaServerId}: ${message}`);
  }

  releaseQuietly(raw: Raw): void {
    try {
      raw.release(() => undefined);
    } catch {
      // Best effort: the server's garbage collector removes what we cannot.
    }
  }

  private toError(label: string, e: kurento.RawError): Error {
    if (e instanceof MediaServerRequestError) return e;
    const msg = `${label} on media server ${this.mediaServerId} failed: ${e?.message ?? String(e)}`;
    if (/timed out/i.test(e?.message ?? '')) return new MediaServerTimeoutError(msg, this.mediaServerId);
    return new MediaServerRequestError(msg, this.mediaServerId, e?.code, e?.data?.type);
  }

  /**
   * Created inside this server's fault domain, so a throw from any of its sockets or timers is
   * charged to it by the last-resort handler.
   */
  private createClient(): kurento.KurentoClient {
    return runInFaultDomain(this, () => this.newClient());
  }

  private newClient(): kurento.KurentoClient {
    const t = this.opts.requestTimeout;
    const client = kurento(
      this.uri,
      // Short duplicate/response caches: each answered request keeps a timer that long (kurento-jsonrpc).
      { request_timeout: t, response_timeout: 1000, duplicates_timeout: 1000 },
      (error) => {
        if (error) this.logger.warn(`Media server ${this.mediaServerId}: client check failed: ${error.message}`);
      },
    );
    const re = client._re;
    // Every request sent while (re)connecting waits on the reconnector with its own listener: a burst
    // of first calls is normal load here, not a leak (bounded by the request timeout).
    re.setMaxListeners(0);
    // reconnect-core emits 'error' on every refused attempt; unheard, it would throw and stop reconnecting.
    re.on('error', () => undefined);
    re.on('connection', (stream: unknown) => {
      const guarded = guardClientConnection(stream, {
        maxFrameBytes: this.opts.maxFrameBytes,
        rejected: (reason) => this.frameRejected(reason),
        threw: (e) => this.contain(e),
      });
      if (!guarded) {
        this.logger.error(`Media server ${this.mediaServerId}: unknown kurento-client transport, frames unchecked`);
      }
    });
    re.on('backoff', () => (this.backingOff = true));
    re.on('reconnect', () => (this.backingOff = false));
    client.on('error', (e: Error) => this.logger.warn(`Media server ${this.mediaServerId}: ${e.message}`));
    client.on('reconnected', (sameSession: boolean) => {
      if (!sameSession) this.logger.log(`Media server ${this.mediaServerId}: client session was lost (new server)`);
    });
    return client;
  }

  private frameRejected(reason: string): void {
    this.rejectedFrames++;
    const now = Date.now();
    if (now - this.lastRejectLog < REJECT_LOG_EVERY_MS) return;
    this.lastRejectLog = now;
    this.logger.warn(
      `Media server ${this.mediaServerId} sent ${this.rejectedFrames} malformed frame(s), latest: ${reason}`,
    );
    this.rejectedFrames = 0;
  }
}

/** A peer's text in a log line: one line, a few hundred characters at most. */
function bounded(text: string, max = 200): string {
  const one = text.replace(/\p{Cc}/gu, ' ');
  return one.length > max ? `${one.slice(0, max)}… (${one.length} chars)` : one;
}

class KurentoPipeline implements Pipeline {
  private released = false;

  constructor(
    private readonly media: KurentoMedia,
    private readonly raw: kurento.MediaPipeline,
  ) {}

  get id(): string {
    return this.raw.id;
  }

  onError(listener: (data: Record<string, unknown>) => void): void {
    this.raw.on('Error', (event: unknown) => {
      if (!event || typeof event !== 'object') return;
      try {
        listener(event as Record<string, unknown>);
      } catch (e) {
        // Thrown inside kurento-client's socket handler it would stop every later answer.
        this.media.warn(`Error listener of ${this.raw.id} threw: ${(e as Error).message}`);
      }
    });
  }

  createWebRtcEndpoint(): Promise<Endpoint> {
    return this.media
      .boxed<kurento.WebRtcEndpoint>(
        'createWebRtcEndpoint',
        (_c, cb) => this.raw.create('WebRtcEndpoint', cb),
        (late) => this.media.releaseQuietly(late),
      )
      .then(
        (box) =>
          new KurentoEndpoint(this.media, this.media.guard(this.media.checkObject('createWebRtcEndpoint', box.value))),
      );
  }

  createRecorder(uri: string, profile: MediaProfile): Promise<Recorder> {
    return this.media
      .boxed<Raw>(
        'createRecorderEndpoint',
        (_c, cb) => this.raw.create('RecorderEndpoint', { uri, mediaProfile: profile }, cb),
        (late) => this.media.releaseQuietly(late),
      )
      .then((box) => {
        const raw = this.media.guard(box.value) as unknown as RawElement;
        return new KurentoRecorder(this.media, raw, 'RecorderEndpoint', (e) => KurentoMedia.rawOf(e));
      });
  }

  createComposite(): Promise<Hub> {
    return this.media
      .boxed<Raw>(
        'createComposite',
        (_c, cb) => this.raw.create('Composite', {}, cb),
        (late) => this.media.releaseQuietly(late),
      )
      .then((box) => new KurentoHub(this.media, this.media.guard(box.value), (e) => KurentoMedia.rawOf(e)));
  }

  /**
   * One `transaction` for the whole set-up: create, subscribe to IceCandidateFound, the extra calls,
   * the optional filter and source connection, then processOffer. Anything created is released if
   * a later step fails, so a failed set-up leaves nothing on the server.
   */
  createEndpoint(setup: EndpointSetup): Promise<NegotiatedEndpoint> {
    return this.media
      .boxed<NegotiatedEndpoint>(
        'createWebRtcEndpoint+processOffer',
        (client, cb) => {
          const source = setup.source && KurentoMedia.rawOf(setup.source);
          if (setup.source && !source) throw new TypeError('source is not an element of this API');
          const batch = new KurentoBatch(client);
          const raw = this.media.guard(batch.create<kurento.WebRtcEndpoint>(this.raw, 'WebRtcEndpoint'));
          listen(raw, 'IceCandidateFound', candidateRelay(this.media, raw, setup.onIceCandidate));
          batch.subscribe(raw, 'IceCandidateFound');
          for (const type of setup.events?.types ?? []) {
            listen(raw, type, eventRelay(this.media, raw, type, setup.events!.listener));
            batch.subscribe(raw, type);
          }
          for (const c of [...bandwidthCalls(setup.bandwidth), ...(setup.calls ?? [])]) {
            batch.invoke(raw, c.operation, c.params);
          }
          let filter: Raw | undefined;
          if (setup.filter) {
            filter = this.media.guard(batch.create<Raw>(this.raw, setup.filter.type, setup.filter.options));
            batch.invoke(raw, 'connect', { sink: filter });
          }
          if (source) batch.invoke(source, 'connect', { sink: raw });
          let answer: unknown;
          batch.invoke(raw, 'processOffer', { offer: setup.offer }, (v) => (answer = v));
          batch.commit((e) => {
            let error: Error | null | undefined = e;
            if (!error && (typeof raw.id !== 'string' || !raw.id || (filter && typeof filter.id !== 'string'))) {
              error = this.media.malformed('createWebRtcEndpoint', 'no object id');
            } else if (!error && typeof answer !== 'string') {
              error = this.media.malformed('processOffer', 'the answer is not a string');
            }
            if (error) {
              // Created before the failing step: not the caller's to release, since it never gets them.
              if (raw.id) this.media.releaseQuietly(raw);
              if (filter?.id) this.media.releaseQuietly(filter);
              return cb(error, undefined as unknown as NegotiatedEndpoint);
            }
            const result: NegotiatedEndpoint = {
              endpoint: new KurentoEndpoint(this.media, raw),
              answer: answer as string,
            };
            if (filter && setup.filter) {
              const f = filter as unknown as RawElement;
              result.filter = new KurentoFilter(this.media, f, setup.filter.type, (e) => KurentoMedia.rawOf(e));
            }
            cb(null, result);
          });
        },
        (late) => {
          void late.endpoint.release().catch(() => undefined);
          if (late.filter) void late.filter.release().catch(() => undefined);
        },
      )
      .then((box) => box.value);
  }

  createFilter(type: string, options: Record<string, unknown>): Promise<Filter> {
    type Create = (t: string, p: Record<string, unknown>, cb: kurento.Callback<Raw>) => unknown;
    return this.media
      .boxed<Raw>(
        `create ${type}`,
        // A copy: kurento-client adds `mediaPipeline` to the params. It throws at once for a type it does
        // not know; the server answers 40108 for one it lacks.
        (_c, cb) => (this.raw.create as unknown as Create)(type, { ...options }, cb),
        (late) => this.media.releaseQuietly(late),
      )
      .then((box) => {
        const raw = this.media.guard(this.media.checkObject(`create ${type}`, box.value)) as unknown as RawElement;
        return new KurentoFilter(this.media, raw, type, (e) => KurentoMedia.rawOf(e));
      });
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.media
      .call<void>('releasePipeline', (_c, cb) => {
        // Unsubscribed with the release, not by a request of its own after it (see KurentoEndpoint#release).
        this.raw.removeAllListeners('Error');
        return this.raw.release(cb);
      })
      .catch((e: unknown) => {
        // Nothing was sent: the pipeline still exists on the server, so a later release must go out.
        if (e instanceof MediaServerUnavailableError) this.released = false;
        throw e;
      });
  }
}

export class KurentoEndpoint implements Endpoint {
  private released = false;

  constructor(
    private readonly media: KurentoMedia,
    readonly raw: kurento.WebRtcEndpoint,
  ) {}

  get id(): string {
    return this.raw.id;
  }

  processOffer(sdp: string): Promise<string> {
    return this.media.invoke<unknown>('processOffer', this.raw, 'processOffer', { offer: sdp }).then((answer) => {
      if (typeof answer !== 'string') throw this.media.malformed('processOffer', 'the answer is not a string');
      return answer;
    });
  }

  /** The four setters in one round trip (one `transaction`). */
  setVideoBandwidth(l: VideoBandwidth): Promise<void> {
    return this.media.call<void>('setVideoBandwidth', (client, cb) => {
      const batch = new KurentoBatch(client);
      for (const c of bandwidthCalls(l)) batch.invoke(this.raw, c.operation, c.params);
      batch.commit((e) => cb(e, undefined));
    });
  }

  gatherCandidates(): Promise<void> {
    return this.media.invoke<void>('gatherCandidates', this.raw, 'gatherCandidates');
  }

  addIceCandidate(c: IceCandidate): Promise<void> {
    const candidate = { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex };
    return this.media.invoke<void>('addIceCandidate', this.raw, 'addIceCandidate', { candidate });
  }

  onIceCandidate(listener: (candidate: IceCandidate) => void): void {
    this.raw.on('IceCandidateFound', candidateRelay(this.media, this.raw, listener));
  }

  connect(sink: Element, kind?: MediaKind): Promise<void> {
    const s = KurentoMedia.rawOf(sink);
    if (!s) return Promise.reject(new TypeError('sink is not an element of this API'));
    const raw = this.raw as unknown as RawElement;
    return this.media.call<void>('connect', (_c, cb) => (kind ? raw.connect(s, kind, cb) : raw.connect(s, cb)));
  }

  disconnect(sink: Element, kind?: MediaKind): Promise<void> {
    const s = KurentoMedia.rawOf(sink);
    if (!s) return Promise.reject(new TypeError('sink is not an element of this API'));
    const raw = this.raw as unknown as RawElement;
    return this.media.call<void>('disconnect', (_c, cb) =>
      kind ? raw.disconnect(s, kind, cb) : raw.disconnect(s, cb),
    );
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.media.call<void>('releaseEndpoint', (_c, cb) => {
      // kurento-client unsubscribes an event only after the release answer, a request nobody awaits
      // that a closing client leaves pending (a timer of the full request timeout). Unsubscribe first.
      this.raw.removeAllListeners('IceCandidateFound');
      return this.raw.release(cb);
    });
  }
}

/** A handler of one event type that hands `listener` the event's data and never throws into kurento-client. */
function eventRelay(
  media: KurentoMedia,
  raw: Raw,
  type: string,
  listener: (type: string, data: Record<string, unknown>) => void,
): (event: unknown) => void {
  return (event) => {
    if (!event || typeof event !== 'object' || Array.isArray(event)) return;
    try {
      listener(type, event as Record<string, unknown>);
    } catch (e) {
      media.warn(`${type} listener of ${raw.id} threw: ${(e as Error).message}`);
    }
  };
}

/** An IceCandidateFound handler that hands `listener` a clean candidate and never throws into kurento-client. */
function candidateRelay(
  media: KurentoMedia,
  raw: Raw,
  listener: (candidate: IceCandidate) => void,
): (event: unknown) => void {
  return (event) => {
    const c = (event as { candidate?: Partial<IceCandidate> } | undefined)?.candidate;
    // A candidate line is short; anything else is not relayed to the browser.
    if (typeof c?.candidate !== 'string' || !c.candidate || c.candidate.length > 4096) return;
    try {
      listener({
        candidate: c.candidate,
        sdpMid: typeof c.sdpMid === 'string' ? c.sdpMid.slice(0, 256) : '',
        sdpMLineIndex: Number.isSafeInteger(c.sdpMLineIndex) ? Number(c.sdpMLineIndex) : 0,
      });
    } catch (e) {
      // Thrown inside kurento-client's socket handler it would stop every later answer.
      media.warn(`IceCandidateFound listener of ${raw.id} threw: ${(e as Error).message}`);
    }
  };
}

/** MediaEndpoint#internalEndpointInitialization's video limits, as Kurento operations. */
function bandwidthCalls(l: VideoBandwidth | undefined): EndpointCall[] {
  if (!l) return [];
  return [
    { operation: 'setMaxVideoRecvBandwidth', params: { maxVideoRecvBandwidth: l.maxRecv } },
    { operation: 'setMinVideoRecvBandwidth', params: { minVideoRecvBandwidth: l.minRecv } },
    { operation: 'setMaxVideoSendBandwidth', params: { maxVideoSendBandwidth: l.maxSend } },
    { operation: 'setMinVideoSendBandwidth', params: { minVideoSendBandwidth: l.minSend } },
  ];
}
