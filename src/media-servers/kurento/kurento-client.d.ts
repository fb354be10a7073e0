/**
 * The part of kurento-client 7.2 (CommonJS, ships no types) that `kurento/` uses. Only callback
 * forms are declared on purpose: the promise forms swallow server errors (protocol notes §5.1).
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

    interface ClientOptions {
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
    }

    interface WebRtcEndpoint extends MediaObject {
      processOffer(offer: string, callback: Callback<string>): unknown;
      gatherCandidates(callback: Callback<void>): unknown;
      addIceCandidate(candidate: IceCandidate, callback: Callback<void>): unknown;
      connect(sink: MediaObject, callback: Callback<void>): unknown;
    }

    interface ServerManager extends MediaObject {
      getPipelines(callback: Callback<MediaObject[]>): unknown;
    }

    /** reconnect-core's emitter, reachable as the non-enumerable `client._re` (notes §4). */
    interface Reconnector extends EventEmitter {
      connected: boolean;
      reconnect: boolean;
      reset(): void;
      disconnect(): void;
    }

    interface KurentoClient extends EventEmitter {
      readonly _re: Reconnector;
      create(type: 'MediaPipeline', callback: Callback<MediaPipeline>): unknown;
      getServerManager(callback: Callback<ServerManager>): unknown;
      close(): void;
    }
  }

  export = kurento;
}
