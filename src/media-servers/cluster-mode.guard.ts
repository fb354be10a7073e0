import { CanActivate, Inject, Injectable } from '@nestjs/common';
import { NotImplementedError } from '../common/errors.js';
import { OpenViduConfigService } from '../config/config.service.js';

/**
 * /pro/media-servers exists only in cluster mode: 501 (with a JSON message saying why) before any
 * body or query is looked at.
 */
@Injectable()
export class ClusterModeGuard implements CanActivate {
  constructor(@Inject(OpenViduConfigService) private readonly config: OpenViduConfigService) {}

  canActivate(): boolean {
    if (!this.config.get('openvidu.pro.cluster')) {
      throw new NotImplementedError(
        'Cluster mode is off: /pro/media-servers needs openvidu.pro.cluster=true (environment OPENVIDU_PRO_CLUSTER=true)',
      );
    }
    return true;
  }
}
