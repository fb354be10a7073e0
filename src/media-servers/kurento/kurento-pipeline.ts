import type kurento from 'kurento-client';
import type {
  Endpoint,
  EndpointSetup,
  Filter,
  Hub,
  MediaProfile,
  NegotiatedEndpoint,
  Pipeline,
  Recorder,
} from '../media-api.js';
import { MediaServerUnavailableError } from '../media-servers.errors.js';
import { KurentoBatch, listen } from './kurento-batch.js';
import type { KurentoCalls } from './kurento-connection.js';
import {
  bandwidthCalls,
  candidateRelay,
  checkObject,
  eventRelay,
  guard,
  malformed,
  rawOf,
  releaseQuietly,
  type RawElement,
} from './kurento-element.js';
import { KurentoEndpoint } from './kurento-endpoint.js';
import { KurentoFilter } from './kurento-filter.js';
import { KurentoHub, KurentoRecorder } from './kurento-recording.js';

type Raw = kurento.MediaObject;

/** A MediaPipeline and the factory of everything created in it. */
export class KurentoPipeline implements Pipeline {
  private released = false;

  constructor(
    private readonly calls: KurentoCalls,
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
        this.calls.warn(`Error listener of ${this.raw.id} threw: ${(e as Error).message}`);
      }
    });
  }

  createWebRtcEndpoint(): Promise<Endpoint> {
    return this.calls
      .boxed<kurento.WebRtcEndpoint>(
        'createWebRtcEndpoint',
        (_c, cb) => this.raw.create('WebRtcEndpoint', cb),
        (late) => releaseQuietly(late),
      )
      .then(
        (box) =>
          new KurentoEndpoint(
            this.calls,
            guard(this.calls, checkObject(this.calls, 'createWebRtcEndpoint', box.value)),
          ),
      );
  }

  createRecorder(uri: string, profile: MediaProfile): Promise<Recorder> {
    return this.calls
      .boxed<Raw>(
        'createRecorderEndpoint',
        (_c, cb) => this.raw.create('RecorderEndpoint', { uri, mediaProfile: profile }, cb),
        (late) => releaseQuietly(late),
      )
      .then((box) => {
        const raw = guard(this.calls, box.value) as unknown as RawElement;
        return new KurentoRecorder(this.calls, raw, 'RecorderEndpoint');
      });
  }

  createComposite(): Promise<Hub> {
    return this.calls
      .boxed<Raw>(
        'createComposite',
        (_c, cb) => this.raw.create('Composite', {}, cb),
        (late) => releaseQuietly(late),
      )
      .then((box) => new KurentoHub(this.calls, guard(this.calls, box.value)));
  }

  /**
   * One `transaction` for the whole set-up: create, subscribe to IceCandidateFound, the extra calls,
   * the optional filter and source connection, then processOffer. Anything created is released if
   * a later step fails, so a failed set-up leaves nothing on the server.
   */
  createEndpoint(setup: EndpointSetup): Promise<NegotiatedEndpoint> {
    const calls = this.calls;
    return calls
      .boxed<NegotiatedEndpoint>(
        'createWebRtcEndpoint+processOffer',
        (client, cb) => {
          const source = setup.source && rawOf(setup.source);
          if (setup.source && !source) throw new TypeError('source is not an element of this API');
          const batch = new KurentoBatch(client);
          const raw = guard(calls, batch.create<kurento.WebRtcEndpoint>(this.raw, 'WebRtcEndpoint'));
          listen(raw, 'IceCandidateFound', candidateRelay(calls, raw, setup.onIceCandidate));
          batch.subscribe(raw, 'IceCandidateFound');
          for (const type of setup.events?.types ?? []) {
            listen(raw, type, eventRelay(calls, raw, type, setup.events!.listener));
            batch.subscribe(raw, type);
          }
          for (const c of [...bandwidthCalls(setup.bandwidth), ...(setup.calls ?? [])]) {
            batch.invoke(raw, c.operation, c.params);
          }
          let filter: Raw | undefined;
          if (setup.filter) {
            filter = guard(calls, batch.create<Raw>(this.raw, setup.filter.type, setup.filter.options));
            batch.invoke(raw, 'connect', { sink: filter });
          }
          if (source) batch.invoke(source, 'connect', { sink: raw });
          let answer: unknown;
          batch.invoke(raw, 'processOffer', { offer: setup.offer }, (v) => (answer = v));
          batch.commit((e) => {
            let error: Error | null | undefined = e;
            if (!error && (typeof raw.id !== 'string' || !raw.id || (filter && typeof filter.id !== 'string'))) {
              error = malformed(calls, 'createWebRtcEndpoint', 'no object id');
            } else if (!error && typeof answer !== 'string') {
              error = malformed(calls, 'processOffer', 'the answer is not a string');
            }
            if (error) {
              // Created before the failing step: not the caller's to release, since it never gets them.
              if (raw.id) releaseQuietly(raw);
              if (filter?.id) releaseQuietly(filter);
              return cb(error, undefined as unknown as NegotiatedEndpoint);
            }
            const result: NegotiatedEndpoint = { endpoint: new KurentoEndpoint(calls, raw), answer: answer as string };
            if (filter && setup.filter) {
              result.filter = new KurentoFilter(calls, filter as unknown as RawElement, setup.filter.type);
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
    return this.calls
      .boxed<Raw>(
        `create ${type}`,
        // A copy: kurento-client adds `mediaPipeline` to the params. It throws at once for a type it does
        // not know; the server answers 40108 for one it lacks.
        (_c, cb) => (this.raw.create as unknown as Create)(type, { ...options }, cb),
        (late) => releaseQuietly(late),
      )
      .then((box) => {
        const raw = guard(this.calls, checkObject(this.calls, `create ${type}`, box.value)) as unknown as RawElement;
        return new KurentoFilter(this.calls, raw, type);
      });
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.calls
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
