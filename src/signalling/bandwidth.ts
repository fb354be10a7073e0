import type { OpenViduConfig } from '../config/config.schema.js';
import type { VideoBandwidth } from '../media-servers/media-api.js';
import type { KurentoOptions } from '../sessions/session.types.js';

/**
 * The video limits of an endpoint owned by a connection (MediaEndpoint's constructor in 2.11): each
 * value its token's kurentoOptions carries, else the server-wide `openvidu.streams.video.*` value
 * current at creation time (so a /pro/restart applies to endpoints created after it).
 */
export function videoBandwidth(config: Readonly<OpenViduConfig>, k: KurentoOptions | undefined): VideoBandwidth {
  return {
    maxRecv: k?.videoMaxRecvBandwidth ?? config['openvidu.streams.video.max-recv-bandwidth'],
    minRecv: k?.videoMinRecvBandwidth ?? config['openvidu.streams.video.min-recv-bandwidth'],
    maxSend: k?.videoMaxSendBandwidth ?? config['openvidu.streams.video.max-send-bandwidth'],
    minSend: k?.videoMinSendBandwidth ?? config['openvidu.streams.video.min-send-bandwidth'],
  };
}
