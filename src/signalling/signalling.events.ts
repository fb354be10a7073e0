/**
 * One per JSON-RPC request the signalling endpoint handled (EventEmitter2), for metrics: the method
 * (`unknown` for methods we do not serve, so the label set stays bounded), the OpenVidu error code
 * it failed with (null on success) and how long it took.
 */
export const SIGNALLING_REQUEST = 'signalling.request';

export interface SignallingRequestEvent {
  method: string;
  code: number | null;
  durationMs: number;
}

/** Name → payload of the signalling events (typed emit and `@OnAppEvent`). */
export interface SignallingEventMap {
  [SIGNALLING_REQUEST]: SignallingRequestEvent;
}
