/**
 * The part of kurento-client 7.2 (CommonJS, ships no types) this project uses: `kurento/` here and
 * the emulator's conformance suite. Only callback forms are declared on purpose: the promise forms
 * swallow server errors (docs/kurento-protocol.md §5.1). One declaration per module name: TypeScript keeps a
 * single `export =`, so a second `declare module 'kurento-client'` elsewhere would be ignored.
 */
declare module 'kurento-client' {
  import type { EventEmitter } from 'node:events';

  function kurento(
    uri: string,
    options: kurento.ClientOptions,
    callback: kurento.Callback<kurento.KurentoClient>,
  ): kurento.KurentoClient;

  namespace kurento {
    type Callback<T> = (error: RawError | null | undefined, result: T) => void;

    /** What the client rejects with: a KMS error keeps `code` and `data.type`. */
    interface RawError extends Error {
      code?: number;
      data?: { type?: string };
    }
    type KurentoError = RawError;

    /** Builds a complex value (`IceCandidate`…) carrying `__module__`/`__type__`. */
    function getComplexType(name: string): (value: object) => object;

    interface ClientOptions {
      [option: string]: unknown;
      failAfter?: number;
      request_timeout?: number;
      response_timeout?: number;
      duplicates_timeout?: number;
      strict?: boolean;
    }

    interface IceCandidate {
      candidate: string;
      sdpMid: string;
      sdpMLineIndex: number;
    }

    interface MediaObject extends EventEmitter {
      readonly id: string;
      release(callback: Callback<void>): unknown;
    }

    interface MediaPipeline extends MediaObject {
      create(type: 'WebRtcEndpoint', callback: Callback<WebRtcEndpoint>): unknown;
      create(type: string, params: Record<string, unknown>, callback: Callback<MediaObject>): unknown;
    }

    interface Hub extends MediaObject {
      createHubPort(callback: Callback<MediaObject>): unknown;
    }

    interface WebRtcEndpoint extends MediaObject {
      processOffer(offer: string, callback: Callback<string>): unknown;
      setMaxVideoRecvBandwidth(kbps: number, callback: Callback<void>): unknown;
      setMinVideoRecvBandwidth(kbps: number, callback: Callback<void>): unknown;
      setMaxVideoSendBandwidth(kbps: number, callback: Callback<void>): unknown;
      setMinVideoSendBandwidth(kbps: number, callback: Callback<void>): unknown;
      gatherCandidates(callback: Callback<void>): unknown;
      addIceCandidate(candidate: IceCandidate, callback: Callback<void>): unknown;
      connect(sink: MediaObject, callback: Callback<void>): unknown;
    }

    interface ServerManager extends MediaObject {
      getPipelines(callback: Callback<MediaObject[]>): unknown;
    }

    /** An explicit transaction (`client.beginTransaction()`); see kurento-batch.ts for why it needs a repair. */
    interface Transaction extends EventEmitter {
      commit(callback: Callback<unknown>): unknown;
    }

    const TransactionsManager: {
      Transaction: new (commit: unknown) => Transaction;
    };

    /** reconnect-core's emitter, reachable as the non-enumerable `client._re` (docs/kurento-protocol.md §4). */
    interface Reconnector extends EventEmitter {
      connected: boolean;
      reconnect: boolean;
      reset(): void;
      disconnect(): void;
    }

    interface KurentoClient extends EventEmitter {
      readonly _re: Reconnector;
      /** Throws once the client gave up (`failAfter` exhausted). */
      readonly sessionId: string | undefined;
      create(type: 'MediaPipeline', callback: Callback<MediaPipeline>): unknown;
      create(type: string, callback: Callback<MediaObject>): unknown;
      getMediaobjectById(id: string, callback: Callback<MediaObject>): unknown;
      getServerManager(callback: Callback<ServerManager>): unknown;
      beginTransaction(): Transaction;
      close(): void;
    }
  }

  export = kurento;
}
