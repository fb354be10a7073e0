import { Injectable } from '@nestjs/common';
import type { MediaConnection, MediaConnectionOptions, MediaServerIo } from '../media-server-io.js';
import { KmsMonitor, type MonitorListener, type MonitorOptions } from './kms-monitor.js';
import { KurentoConnection } from './kurento-connection.js';
import { KurentoMedia } from './kurento-media.js';
import { LivenessProbe, type ProbeListener, type ProbeTiming } from './liveness-probe.js';

/** A media server's connections to a real Kurento (or the emulator): `ws` sockets and kurento-client. */
@Injectable()
export class KurentoMediaServerIo implements MediaServerIo {
  probe(uri: string, timing: ProbeTiming, listener: ProbeListener): LivenessProbe {
    return new LivenessProbe(uri, timing, listener);
  }

  monitor(uri: string, options: MonitorOptions, listener: MonitorListener): KmsMonitor {
    return new KmsMonitor(uri, options, listener);
  }

  media(id: string, uri: string, options: MediaConnectionOptions, available: () => boolean): MediaConnection {
    const connection = new KurentoConnection(id, uri, options, available);
    return {
      media: new KurentoMedia(connection),
      serverUp: () => connection.serverUp(),
      settle: () => connection.settle(),
      close: () => connection.close(),
    };
  }
}
