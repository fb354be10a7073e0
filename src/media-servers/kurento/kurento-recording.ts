import type kurento from 'kurento-client';
import type { Element, Hub, Recorder } from '../media-api.js';
import type { KurentoCalls } from './kurento-connection.js';
import { guard, releaseQuietly, type RawElement } from './kurento-element.js';
import { KurentoFilter } from './kurento-filter.js';

/**
 * A RecorderEndpoint. Its operations and events go through the filter machinery (explicit,
 * bounded subscribe/invoke requests), so a refused subscription or a dead server rejects instead
 * of being lost inside kurento-client.
 */
export class KurentoRecorder extends KurentoFilter implements Recorder {
  async record(): Promise<void> {
    await this.invoke('record', {});
  }

  async stopAndWait(): Promise<void> {
    await this.invoke('stopAndWait', {});
  }
}

/** A Composite. Its ports are KMS children of the hub: releasing the hub releases them. */
export class KurentoHub implements Hub {
  private released = false;

  constructor(
    private readonly calls: KurentoCalls,
    private readonly raw: kurento.MediaObject,
  ) {}

  get id(): string {
    return this.raw.id;
  }

  async createPort(): Promise<Element> {
    const hub = this.raw as kurento.Hub;
    // Boxed: a media object is a thenable, and a port made after our timeout is released.
    const box = await this.calls.boxed<kurento.MediaObject>(
      'createHubPort',
      (_c, cb) => hub.createHubPort(cb),
      (late) => releaseQuietly(late),
    );
    const raw = guard(this.calls, box.value) as unknown as RawElement;
    return new KurentoFilter(this.calls, raw, 'HubPort');
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.calls.call<void>('releaseComposite', (_c, cb) => this.raw.release(cb));
  }
}
