import { Logger } from '@nestjs/common';
import kurento from 'kurento-client';
import {
  MediaServerRequestError,
  MediaServerTimeoutError,
  MediaServerUnavailableError,
} from '../media-servers.errors.js';
import { guardClientConnection } from './client-guard.js';
import { runInFaultDomain, type FaultDomain } from './fault-domain.js';
import { KurentoBatch } from './kurento-batch.js';

export interface KurentoConnectionOptions {
  /** `kms.request.timeout`: our own limit on every call, and kurento-client's `request_timeout`. */
  requestTimeout: number;
  /** `kms.max-frame-size`: the largest frame read from the media server, in bytes. */
  maxFrameBytes: number;
}

/** Makes a kurento-client; the default is the library itself, unit specs pass a fake. */
export type KurentoClientFactory = (
  uri: string,
  options: kurento.ClientOptions,
  checked: kurento.Callback<kurento.KurentoClient>,
) => kurento.KurentoClient;

export const createKurentoClient: KurentoClientFactory = (uri, options, checked) => kurento(uri, options, checked);

/** Starts one kurento-client call in callback style; `cb` must be called once. */
export type KurentoStart<T> = (client: kurento.KurentoClient, cb: kurento.Callback<T>) => unknown;

/**
 * What an element adapter (pipeline, endpoint, filter…) uses of its media server's connection:
 * bounded calls that reject with the pool's typed errors, and the server's log.
 */
export interface KurentoCalls {
  readonly mediaServerId: string;
  /**
   * Runs one call with our timeout. The result comes boxed: media objects are thenables, and a
   * promise resolved with one adopts a read-only copy (docs/kurento-protocol.md §5.2). `onLate`
   * receives a result that arrives after the timeout (an object created too late) to release it.
   */
  boxed<T>(label: string, start: KurentoStart<T>, onLate?: (result: T) => void): Promise<{ value: T }>;
  /** `boxed()` for results that are not media objects (strings, void, arrays). */
  call<T>(label: string, start: KurentoStart<T>): Promise<T>;
  /** One operation on `object` in one round trip. */
  invoke<T>(
    label: string,
    object: kurento.MediaObject,
    operation: string,
    params?: Record<string, unknown>,
  ): Promise<T>;
  warn(message: string): void;
}

/** How often a media server's rejected frames are reported (the first one at once). */
const REJECT_LOG_EVERY_MS = 10_000;

/**
 * The one kurento-client of a media server, used for signalling's media objects only. It is
 * created on first use, reconnects by itself (docs/kurento-protocol.md §4), and every call goes
 * through `boxed()`: callback style (promise style swallows errors, docs/kurento-protocol.md §5.1)
 * with our own timeout, and a check that the probe says the server is up so nothing waits on a
 * dead server.
 */
export class KurentoConnection implements KurentoCalls, FaultDomain {
  private readonly logger = new Logger('KurentoMedia');
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
    private readonly opts: KurentoConnectionOptions,
    /** Whether the liveness probe sees the server: calls fail fast while it does not. */
    private readonly available: () => boolean,
    private readonly newClient: KurentoClientFactory = createKurentoClient,
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

  call<T>(label: string, start: KurentoStart<T>): Promise<T> {
    return this.boxed(label, start).then((box) => box.value);
  }

  /**
   * Sent as a one-operation `transaction`: the same single round trip as a plain `invoke`, without
   * kurento-client's per-call promise chain (bench/PROFILE.md).
   */
  invoke<T>(
    label: string,
    object: kurento.MediaObject,
    operation: string,
    params?: Record<string, unknown>,
  ): Promise<T> {
    return this.call<T>(label, (client, cb) => {
      const batch = new KurentoBatch(client);
      let value: unknown;
      batch.invoke(object, operation, params, (v) => (value = v));
      batch.commit((e) => cb(e, value as T));
    });
  }

  boxed<T>(label: string, start: KurentoStart<T>, onLate?: (result: T) => void): Promise<{ value: T }> {
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

  warn(message: string): void {
    this.logger.warn(`Media server ${this.mediaServerId}: ${message}`);
  }

  private toError(label: string, e: kurento.RawError): Error {
    if (e instanceof MediaServerRequestError) return e;
    const msg = `${label} on media server ${this.mediaServerId} failed: ${e?.message ?? String(e)}`;
    if (/timed out/i.test(e?.message ?? '')) return new MediaServerTimeoutError(msg, this.mediaServerId);
    return new MediaServerRequestError(msg, this.mediaServerId, e?.code, e?.data?.type);
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

  /**
   * Created inside this server's fault domain, so a throw from any of its sockets or timers is
   * charged to it by the last-resort handler.
   */
  private createClient(): kurento.KurentoClient {
    return runInFaultDomain(this, () => this.openClient());
  }

  private openClient(): kurento.KurentoClient {
    const t = this.opts.requestTimeout;
    const client = this.newClient(
      this.uri,
      // Short duplicate/response caches: each answered request keeps a timer that long (kurento-jsonrpc).
      { request_timeout: t, response_timeout: 100, duplicates_timeout: 100 },
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
