import type kurento from 'kurento-client';
import type { Element, Endpoint, IceCandidate, MediaKind, VideoBandwidth } from '../media-api.js';
import { KurentoBatch } from './kurento-batch.js';
import type { KurentoCalls } from './kurento-connection.js';
import { adopt, bandwidthCalls, candidateRelay, link, malformed, type RawElement } from './kurento-element.js';

/** A WebRtcEndpoint. */
export class KurentoEndpoint implements Endpoint {
  private released = false;

  constructor(
    private readonly calls: KurentoCalls,
    private readonly raw: kurento.WebRtcEndpoint,
  ) {
    adopt(this, raw as unknown as RawElement);
  }

  get id(): string {
    return this.raw.id;
  }

  processOffer(sdp: string): Promise<string> {
    return this.calls.invoke<unknown>('processOffer', this.raw, 'processOffer', { offer: sdp }).then((answer) => {
      if (typeof answer !== 'string') throw malformed(this.calls, 'processOffer', 'the answer is not a string');
      return answer;
    });
  }

  /** The four setters in one round trip (one `transaction`). */
  setVideoBandwidth(l: VideoBandwidth): Promise<void> {
    return this.calls.call<void>('setVideoBandwidth', (client, cb) => {
      const batch = new KurentoBatch(client);
      for (const c of bandwidthCalls(l)) batch.invoke(this.raw, c.operation, c.params);
      batch.commit((e) => cb(e, undefined));
    });
  }

  gatherCandidates(): Promise<void> {
    return this.calls.invoke<void>('gatherCandidates', this.raw, 'gatherCandidates');
  }

  addIceCandidate(c: IceCandidate): Promise<void> {
    const candidate = { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex };
    return this.calls.invoke<void>('addIceCandidate', this.raw, 'addIceCandidate', { candidate });
  }

  onIceCandidate(listener: (candidate: IceCandidate) => void): void {
    this.raw.on('IceCandidateFound', candidateRelay(this.calls, this.raw, listener));
  }

  connect(sink: Element, kind?: MediaKind): Promise<void> {
    return link(this.calls, 'connect', this.raw as unknown as RawElement, sink, kind);
  }

  disconnect(sink: Element, kind?: MediaKind): Promise<void> {
    return link(this.calls, 'disconnect', this.raw as unknown as RawElement, sink, kind);
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.calls.call<void>('releaseEndpoint', (_c, cb) => {
      // kurento-client unsubscribes an event only after the release answer, a request nobody awaits
      // that a closing client leaves pending (a timer of the full request timeout). Unsubscribe first.
      this.raw.removeAllListeners('IceCandidateFound');
      return this.raw.release(cb);
    });
  }
}
