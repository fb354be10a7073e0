/**
 * The media operations signalling needs, per media server (`MediaServersService.media(id)`).
 * Every call has its own timeout (`kms.request.timeout`) and rejects with a `MediaServerError`
 * subclass (unavailable, timeout, or the Kurento error code); none is left unhandled.
 */
export interface IceCandidate {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
}

/** One kind of media of a connection; without it a connection carries audio, video and data. */
export type MediaKind = 'AUDIO' | 'VIDEO';

/** Anything media flows through on a pipeline: endpoints and filters. */
export interface Element {
  /** Kurento object id (`<pipelineId>/<uuid>_kurento.<Type>`). */
  readonly id: string;
  /** Sends this element's media to `sink` (same pipeline); a sink takes one source, so this replaces its old one. */
  connect(sink: Element, kind?: MediaKind): Promise<void>;
  disconnect(sink: Element, kind?: MediaKind): Promise<void>;
  release(): Promise<void>;
}

/**
 * A Kurento filter (GStreamerFilter, ZBarFilter…). Events are subscribed on the server one type at a
 * time; `release()` unsubscribes them first.
 */
export interface Filter extends Element {
  readonly type: string;
  /** Any operation of the filter's class, e.g. GStreamerFilter `setElementProperty`; resolves its value. */
  invoke(method: string, params: Record<string, unknown>): Promise<unknown>;
  /** Subscribes to `eventType`; `listener` gets each event's data. Rejects if the server refuses it. */
  on(eventType: string, listener: (data: Record<string, unknown>) => void): Promise<void>;
  off(eventType: string): Promise<void>;
}

/** Video bandwidth limits of a WebRtcEndpoint, in kbps (0 = unconstrained), as Kurento takes them. */
export interface VideoBandwidth {
  maxRecv: number;
  minRecv: number;
  maxSend: number;
  minSend: number;
}

export interface Endpoint extends Element {
  /** setMax/MinVideoRecv/SendBandwidth on the media server; call before `processOffer()`. */
  setVideoBandwidth(limits: VideoBandwidth): Promise<void>;
  /** SDP offer in, SDP answer out. */
  processOffer(sdp: string): Promise<string>;
  gatherCandidates(): Promise<void>;
  addIceCandidate(candidate: IceCandidate): Promise<void>;
  /** Registers the listener for the server's candidates; call before `gatherCandidates()`. */
  onIceCandidate(listener: (candidate: IceCandidate) => void): void;
}

/** Kurento's MediaProfileSpecType values the recordings use. */
export type MediaProfile = 'WEBM' | 'WEBM_AUDIO_ONLY' | 'WEBM_VIDEO_ONLY' | 'MP4' | 'MP4_AUDIO_ONLY' | 'MP4_VIDEO_ONLY';

/**
 * A RecorderEndpoint writing `uri` (a `file://` path on the media server's own disk). Subscribe to
 * `Recording`, `Stopped` and `Error` before `record()`; event data carries `timestampMillis`.
 */
export interface Recorder extends Filter {
  record(): Promise<void>;
  /** Resolves once the server closed the file. */
  stopAndWait(): Promise<void>;
}

/** A Kurento Composite: mixes the media of every port into every port's output. */
export interface Hub {
  readonly id: string;
  /** A new HubPort: connect a source to it to mix that source, or it to a sink to receive the mix. */
  createPort(): Promise<Element>;
  /** Releases the hub and, on the server, its ports. */
  release(): Promise<void>;
}

/** An operation invoked on a new endpoint during its set-up, e.g. `setMaxVideoRecvBandwidth`. */
export interface EndpointCall {
  operation: string;
  /** Kurento's operation params, e.g. `{ maxVideoRecvBandwidth: 600 }`. */
  params?: Record<string, unknown>;
}

/**
 * Everything a publisher's or subscriber's endpoint needs before it answers the browser's offer,
 * done in one round trip to the media server (a Kurento `transaction`).
 */
export interface EndpointSetup {
  /** The browser's SDP offer; the answer comes back with the endpoint. */
  offer: string;
  /** Gets the server's ICE candidates; subscribed before any can be gathered. */
  onIceCandidate: (candidate: IceCandidate) => void;
  /** Video limits set before the offer is processed (setMax/MinVideoRecv/SendBandwidth). */
  bandwidth?: VideoBandwidth;
  /** Further events of the endpoint to subscribe to with it (media-flow, ICE state, `Error`…); `listener` never throws into the client. */
  events?: { types: readonly string[]; listener: (type: string, data: Record<string, unknown>) => void };
  /** Invoked on the new endpoint, in order, after the limits and before the offer is processed. */
  calls?: readonly EndpointCall[];
  /** Connected to the new endpoint (a subscriber's publisher endpoint or that publisher's filter). */
  source?: Element;
  /** A filter created with the endpoint and fed by it (a publisher's initial filter). */
  filter?: { type: string; options: Record<string, unknown> };
}

export interface NegotiatedEndpoint {
  endpoint: Endpoint;
  answer: string;
  /** The filter of `EndpointSetup.filter`. */
  filter?: Filter;
}

export interface Pipeline {
  readonly id: string;
  createWebRtcEndpoint(): Promise<Endpoint>;
  createRecorder(uri: string, profile: MediaProfile): Promise<Recorder>;
  createComposite(): Promise<Hub>;
  /** A WebRtcEndpoint set up and negotiated in one round trip; on failure nothing it created is kept. */
  createEndpoint(setup: EndpointSetup): Promise<NegotiatedEndpoint>;
  /** `options` are the type's constructor params (GStreamerFilter `{command}`); an unknown type rejects. */
  createFilter(type: string, options: Record<string, unknown>): Promise<Filter>;
  /** Subscribes to the pipeline's `Error` events (a media failure of the whole session). */
  onError(listener: (data: Record<string, unknown>) => void): void;
  /** Releases the pipeline and, on the server, everything in it. */
  release(): Promise<void>;
}

export interface MediaApi {
  readonly mediaServerId: string;
  createPipeline(): Promise<Pipeline>;
  /** Ids of every pipeline the server holds (ServerManager.getPipelines), from any client. */
  getPipelineIds(): Promise<string[]>;
}
