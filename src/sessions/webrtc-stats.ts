import type { WebRtcStats } from './session.types.js';

/**
 * The one place the `?webRtcStats=true` histories grow (MediaEndpoint#withStatsToJson in 2.11):
 * candidates the browser sent and media-server events. Each history is bounded here; the oldest
 * entries go first.
 */
export const MAX_RECEIVED_CANDIDATES = 100;
export const MAX_ENDPOINT_EVENTS = 200;

export function recordCandidate(
  stats: WebRtcStats,
  candidate: Record<string, unknown>,
  max = MAX_RECEIVED_CANDIDATES,
): void {
  stats.receivedCandidates.push(candidate);
  while (stats.receivedCandidates.length > max) stats.receivedCandidates.shift();
}

/** Kurento 7 renamed some events; 2.11 ran on Kurento 6 and shows these names. */
const KURENTO6_NAMES: Record<string, string> = {
  MediaFlowInStateChanged: 'MediaFlowInStateChange',
  MediaFlowOutStateChanged: 'MediaFlowOutStateChange',
  MediaTranscodingStateChanged: 'MediaTranscodingStateChange',
  IceComponentStateChanged: 'IceComponentStateChange',
};

/** The WebRtcEndpoint events 2.11 records (KurentoParticipantEndpointConfig#addEndpointListeners), Kurento 7 names. */
export const RECORDED_ENDPOINT_EVENTS = [
  'MediaFlowInStateChanged',
  'MediaFlowOutStateChanged',
  'IceGatheringDone',
  'ConnectionStateChanged',
  'NewCandidatePairSelected',
  'MediaTranscodingStateChanged',
  'IceComponentStateChanged',
  'Error',
] as const;

/**
 * KmsEvent#toJson minus what withStatsToJson removes: the event's own fields without `tags`,
 * `timestampMillis` and `source`, plus `timestamp` (ms) and `msSinceEndpointCreation`. A selected
 * candidate pair also fills `localCandidate`/`remoteCandidate`.
 */
export function recordEndpointEvent(
  stats: WebRtcStats,
  endpointCreatedAt: number,
  type: string,
  data: Record<string, unknown>,
): void {
  const timestamp = Number(data.timestampMillis) || Date.now();
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'tags' || k === 'timestampMillis' || k === 'source' || k === 'timestamp' || k === 'type') continue;
    // Event fields are small Kurento values; anything else is not kept.
    if (typeof v === 'string' && v.length > 2048) continue;
    event[k] = v;
  }
  event.type = KURENTO6_NAMES[type] ?? type;
  event.timestamp = timestamp;
  event.msSinceEndpointCreation = timestamp - endpointCreatedAt;
  stats.events.push(event);
  if (stats.events.length > MAX_ENDPOINT_EVENTS) stats.events.shift();
  if (type === 'NewCandidatePairSelected') {
    const pair = data.candidatePair as { localCandidate?: unknown; remoteCandidate?: unknown } | undefined;
    if (typeof pair?.localCandidate === 'string') stats.localCandidate = pair.localCandidate;
    if (typeof pair?.remoteCandidate === 'string') stats.remoteCandidate = pair.remoteCandidate;
  }
}

/** Where an endpoint's events end up once its stream or subscription exists. */
export type EndpointEventSink = (type: string, data: Record<string, unknown>, endpointCreatedAt: number) => void;

/**
 * Holds an endpoint's events until its stream or subscription exists (the media server reports
 * some while the endpoint is being negotiated), then hands them, and every later one, to the sink.
 */
export class EndpointStatsCollector {
  private sink: EndpointEventSink | undefined;
  private readonly pending: Array<[string, Record<string, unknown>]> = [];
  readonly createdAt = Date.now();

  readonly onEvent = (type: string, data: Record<string, unknown>): void => {
    if (this.sink) this.sink(type, data, this.createdAt);
    else if (this.pending.length < MAX_ENDPOINT_EVENTS) this.pending.push([type, data]);
  };

  attach(sink: EndpointEventSink): void {
    this.sink = sink;
    for (const [type, data] of this.pending.splice(0)) sink(type, data, this.createdAt);
  }
}
