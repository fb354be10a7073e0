import type kurento from 'kurento-client';
import type { MediaApi, Pipeline } from '../media-api.js';
import type { KurentoConnection } from './kurento-connection.js';
import { checkObject, guard, malformed, releaseQuietly } from './kurento-element.js';
import { KurentoPipeline } from './kurento-pipeline.js';

/**
 * The media API of one media server (what signalling and recordings get from
 * `MediaServersService.media(id)`), over that server's kurento-client connection.
 */
export class KurentoMedia implements MediaApi {
  constructor(private readonly connection: KurentoConnection) {}

  get mediaServerId(): string {
    return this.connection.mediaServerId;
  }

  createPipeline(): Promise<Pipeline> {
    const calls = this.connection;
    return calls
      .boxed<kurento.MediaPipeline>(
        'createPipeline',
        (c, cb) => c.create('MediaPipeline', cb),
        (late) => releaseQuietly(late),
      )
      .then((box) => new KurentoPipeline(calls, guard(calls, checkObject(calls, 'createPipeline', box.value))));
  }

  getPipelineIds(): Promise<string[]> {
    const calls = this.connection;
    return calls
      .boxed<kurento.ServerManager>('getServerManager', (c, cb) => c.getServerManager(cb))
      .then((box) => calls.call<kurento.MediaObject[]>('getPipelines', (_c, cb) => box.value.getPipelines(cb)))
      .then((list) => {
        if (!Array.isArray(list)) throw malformed(calls, 'getPipelines', 'not a list');
        return list.map((p) => p?.id).filter((id): id is string => typeof id === 'string');
      });
  }
}
