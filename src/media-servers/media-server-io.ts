import type { MonitorListener, MonitorOptions } from './kurento/kms-monitor.js';
import type { ProbeListener, ProbeTiming } from './kurento/liveness-probe.js';
import type { MediaApi } from './media-api.js';

/** The liveness probe of one server: its own socket, pinged every `kms.liveness.interval`. */
export interface Probe {
  start(): void;
  /** Releases its sockets and timer; the listener hears nothing afterwards. */
  stop(): void;
  /** Round trip of the last answered ping, in ms. */
  readonly roundTripMs: number | undefined;
}

/** The load sampler of one server, running while the server is connected. */
export interface Monitor {
  start(): void;
  stop(): void;
}

/** The media client of one server: the API signalling uses, and its lifecycle. */
export interface MediaConnection {
  readonly media: MediaApi;
  /** The probe sees the server again: reconnect now rather than after the client's own backoff. */
  serverUp(): void;
  /** Resolves once no call waits for an answer. */
  settle(): Promise<void>;
  /** Fails the calls in flight and closes the client. */
  close(): void;
}

export interface MediaConnectionOptions {
  requestTimeout: number;
  maxFrameBytes: number;
}

/**
 * Makes the three connections a media server owns (probe, sampler, media client). The pool's one
 * provider of external connections: Kurento in the app, fakes in unit specs.
 */
export interface MediaServerIo {
  probe(uri: string, timing: ProbeTiming, listener: ProbeListener): Probe;
  monitor(uri: string, options: MonitorOptions, listener: MonitorListener): Monitor;
  media(
    mediaServerId: string,
    uri: string,
    options: MediaConnectionOptions,
    /** Whether the probe sees the server: calls fail fast while it does not. */
    available: () => boolean,
  ): MediaConnection;
}

export const MEDIA_SERVER_IO = Symbol('MEDIA_SERVER_IO');
