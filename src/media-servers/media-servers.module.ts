import { Module } from '@nestjs/common';
import { OpenViduConfigService } from '../config/config.service.js';
import { KurentoMediaServerIo } from './kurento/kurento-io.js';
import { selectLoadStrategy } from './load-strategies/load-strategies.js';
import { MediaServersController } from './media-servers.controller.js';
import { MEDIA_SERVER_IO } from './media-server-io.js';
import { ACTIVE_LOAD_STRATEGY, MediaServersService } from './media-servers.service.js';

/**
 * The media-server pool; sessions and signalling inject `MediaServersService`. Its readiness
 * indicator (`MediaServersHealthIndicator`) is provided by the health module.
 */
@Module({
  controllers: [MediaServersController],
  providers: [
    {
      provide: ACTIVE_LOAD_STRATEGY,
      useFactory: (config: OpenViduConfigService) =>
        selectLoadStrategy(config.get('openvidu.pro.cluster.load.strategy')),
      inject: [OpenViduConfigService],
    },
    // Every socket the pool opens to its media servers is made here.
    { provide: MEDIA_SERVER_IO, useClass: KurentoMediaServerIo },
    MediaServersService,
  ],
  exports: [MediaServersService],
})
export class MediaServersModule {}
