import type kurento from 'kurento-client';
import type { Element, Hub, Recorder } from '../media-api.js';
import { KurentoFilter, type RawElement } from './kurento-filter.js';
import type { KurentoMedia } from './kurento-media.js';

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
    private readonly media: KurentoMedia,
    private readonly raw: kurento.MediaObject,
    private readonly rawOf: (e: Element) => RawElement | undefined,
  ) {}

  get id(): string {
    return this.raw.id;
  }

  async createPort(): Promise<Element> {
    const hub = this.raw as kurento.Hub;
    // Boxed: a media object is a thenable, and a port made after our timeout is released.
    const box = await this.media.boxed<kurento.MediaObject>(
      'createHubPort',
      (_c, cb) => hub.createHubPort(cb),
      (late) => this.media.releaseQuietly(late),
    );
    const raw = this.media.guard(box.value) as unknown as RawElement;
    return new KurentoFilter(this.media, raw, 'HubPort', this.rawOf);
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.media.call<void>('releaseComposite', (_c, cb) => this.raw.release(cb));
  }
}
