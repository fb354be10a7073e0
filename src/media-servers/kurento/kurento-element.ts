import type { EventEmitter } from 'node:events';
import type kurento from 'kurento-client';
import type { Element, EndpointCall, IceCandidate, MediaKind, VideoBandwidth } from '../media-api.js';
import { MediaServerRequestError } from '../media-servers.errors.js';
import type { KurentoCalls } from './kurento-connection.js';

type Raw = kurento.MediaObject;

/** The kurento-client surface of an element media flows through (endpoints, filters, hub ports). */
export interface RawElement extends EventEmitter {
  readonly id: string;
  connect(sink: RawElement, cb: kurento.Callback<void>): unknown;
  connect(sink: RawElement, kind: MediaKind, cb: kurento.Callback<void>): unknown;
  disconnect(sink: RawElement, cb: kurento.Callback<void>): unknown;
  disconnect(sink: RawElement, kind: MediaKind, cb: kurento.Callback<void>): unknown;
  release(cb: kurento.Callback<void>): unknown;
}

/** The kurento-client object behind each element this API handed out. */
const raws = new WeakMap<Element, RawElement>();

/** Records `raw` as the object behind `element`, so it can be passed as another element's sink. */
export function adopt(element: Element, raw: RawElement): void {
  raws.set(element, raw);
}

/** The kurento-client object behind an element of this API (undefined for anything else). */
export function rawOf(element: Element): RawElement | undefined {
  return raws.get(element);
}

/** `connect`/`disconnect` of `raw` to another element of this API, with or without a media kind. */
export function link(
  calls: KurentoCalls,
  op: 'connect' | 'disconnect',
  raw: RawElement,
  sink: Element,
  kind?: MediaKind,
): Promise<void> {
  const s = rawOf(sink);
  if (!s) return Promise.reject(new TypeError('sink is not an element of this API'));
  return calls.call<void>(op, (_c, cb) => (kind ? raw[op](s, kind, cb) : raw[op](s, cb)));
}

/**
 * A failed `subscribe` makes kurento-client `emit('error')` on the object, and objects refuse
 * `on('error')`, so the throw would crash the process (docs/kurento-protocol.md §5.3). Route it to our log instead.
 */
export function guard<T extends Raw>(calls: KurentoCalls, raw: T): T {
  const emit = raw.emit.bind(raw);
  raw.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error' && raw.listenerCount('error') === 0) {
      calls.warn(`${raw.id}: ${(args[0] as Error)?.message}`);
      return true;
    }
    return emit(event, ...args);
  }) as T['emit'];
  return raw;
}

/** A created object must carry a string id: anything else was not made by a Kurento server. */
export function checkObject<T extends Raw>(calls: KurentoCalls, label: string, raw: T): T {
  if (!raw || typeof raw !== 'object' || typeof raw.id !== 'string' || !raw.id) {
    if (raw && typeof raw === 'object') releaseQuietly(raw);
    throw malformed(calls, label, 'no object id');
  }
  return raw;
}

export function malformed(calls: KurentoCalls, label: string, what: string): MediaServerRequestError {
  return new MediaServerRequestError(
    `${label} on media server ${calls.mediaServerId} failed: malformed answer (${what})`,
    calls.mediaServerId,
    undefined,
    undefined,
  );
}

export function releaseQuietly(raw: Raw): void {
  try {
    raw.release(() => undefined);
  } catch {
    // Best effort: the server's garbage collector removes what we cannot.
  }
}

/** A handler of one event type that hands `listener` the event's data and never throws into kurento-client. */
export function eventRelay(
  calls: KurentoCalls,
  raw: Raw,
  type: string,
  listener: (type: string, data: Record<string, unknown>) => void,
): (event: unknown) => void {
  return (event) => {
    if (!event || typeof event !== 'object' || Array.isArray(event)) return;
    try {
      listener(type, event as Record<string, unknown>);
    } catch (e) {
      calls.warn(`${type} listener of ${raw.id} threw: ${(e as Error).message}`);
    }
  };
}

/** An IceCandidateFound handler that hands `listener` a clean candidate and never throws into kurento-client. */
export function candidateRelay(
  calls: KurentoCalls,
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
      calls.warn(`IceCandidateFound listener of ${raw.id} threw: ${(e as Error).message}`);
    }
  };
}

/** MediaEndpoint#internalEndpointInitialization's video limits, as Kurento operations. */
export function bandwidthCalls(l: VideoBandwidth | undefined): EndpointCall[] {
  if (!l) return [];
  return [
    { operation: 'setMaxVideoRecvBandwidth', params: { maxVideoRecvBandwidth: l.maxRecv } },
    { operation: 'setMinVideoRecvBandwidth', params: { minVideoRecvBandwidth: l.minRecv } },
    { operation: 'setMaxVideoSendBandwidth', params: { maxVideoSendBandwidth: l.maxSend } },
    { operation: 'setMinVideoSendBandwidth', params: { minVideoSendBandwidth: l.minSend } },
  ];
}
