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

export interface Endpoint {
  /** Kurento object id (`<pipelineId>/<uuid>_kurento.WebRtcEndpoint`). */
  readonly id: string;
  /** SDP offer in, SDP answer out. */
  processOffer(sdp: string): Promise<string>;
  gatherCandidates(): Promise<void>;
  addIceCandidate(candidate: IceCandidate): Promise<void>;
  /** Registers the listener for the server's candidates; call before `gatherCandidates()`. */
  onIceCandidate(listener: (candidate: IceCandidate) => void): void;
  /** Sends this endpoint's media to `sink` (both on the same pipeline). */
  connect(sink: Endpoint): Promise<void>;
  release(): Promise<void>;
}

export interface Pipeline {
  readonly id: string;
  createWebRtcEndpoint(): Promise<Endpoint>;
  /** Releases the pipeline and, on the server, everything in it. */
  release(): Promise<void>;
}

export interface MediaApi {
  readonly mediaServerId: string;
  createPipeline(): Promise<Pipeline>;
  /** Ids of every pipeline the server holds (ServerManager.getPipelines), from any client. */
  getPipelineIds(): Promise<string[]>;
}
