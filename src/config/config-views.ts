import type { OpenViduConfig } from './config.schema.js';
import { OPENVIDU_VERSION, resolvePublicUrl } from './public-url.js';

const withSlash = (p: string) => (p.endsWith('/') ? p : `${p}/`);

/** GET /config, docs/openvidu-api.md §2.15 (2.11 field set: recording and webhook fields only when enabled). */
export function communityConfigView(c: Readonly<OpenViduConfig>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: OPENVIDU_VERSION,
    openviduPublicurl: c['openvidu.publicurl'],
    openviduCdr: c['openvidu.cdr'],
    maxRecvBandwidth: c['openvidu.streams.video.max-recv-bandwidth'],
    minRecvBandwidth: c['openvidu.streams.video.min-recv-bandwidth'],
    maxSendBandwidth: c['openvidu.streams.video.max-send-bandwidth'],
    minSendBandwidth: c['openvidu.streams.video.min-send-bandwidth'],
    openviduRecording: c['openvidu.recording'],
  };
  if (c['openvidu.recording']) Object.assign(out, recordingFields(c));
  out.openviduWebhook = c['openvidu.webhook'];
  if (c['openvidu.webhook']) Object.assign(out, webhookFields(c));
  return out;
}

/** GET /pro/config, docs/openvidu-api.md §3.1: the key set and order of the 2.11 Pro sample. */
export function proConfigView(c: Readonly<OpenViduConfig>): Record<string, unknown> {
  return {
    version: OPENVIDU_VERSION,
    openviduPublicurl: resolvePublicUrl(c),
    openviduCdr: c['openvidu.cdr'],
    maxRecvBandwidth: c['openvidu.streams.video.max-recv-bandwidth'],
    minRecvBandwidth: c['openvidu.streams.video.min-recv-bandwidth'],
    maxSendBandwidth: c['openvidu.streams.video.max-send-bandwidth'],
    minSendBandwidth: c['openvidu.streams.video.min-send-bandwidth'],
    openviduRecording: c['openvidu.recording'],
    ...recordingFields(c),
    openviduWebhook: c['openvidu.webhook'],
    ...webhookFields(c),
    openviduServerDependencyVersion: OPENVIDU_VERSION,
    openviduProStatsMonitoringInterval: c['openvidu.pro.stats.monitoring-interval'],
    openviduProStatsWebrtcInterval: c['openvidu.pro.stats.webrtc-interval'],
    openviduProCluster: c['openvidu.pro.cluster'],
    openviduProClusterLoadStrategy: c['openvidu.pro.cluster.load.strategy'],
    kmsUris: [...c['kms.uris']],
  };
}

function recordingFields(c: Readonly<OpenViduConfig>) {
  return {
    openviduRecordingVersion: c['openvidu.recording.version'],
    openviduRecordingPath: withSlash(c['openvidu.recording.path']),
    openviduRecordingPublicAccess: c['openvidu.recording.public-access'],
    openviduRecordingNotification: c['openvidu.recording.notification'],
    openviduRecordingCustomLayout: withSlash(c['openvidu.recording.custom-layout']),
    openviduRecordingAutostopTimeout: c['openvidu.recording.autostop-timeout'],
  };
}

function webhookFields(c: Readonly<OpenViduConfig>) {
  return {
    openviduWebhookEndpoint: c['openvidu.webhook.endpoint'],
    openviduWebhookHeaders: [...c['openvidu.webhook.headers']],
    openviduWebhookEvents: [...c['openvidu.webhook.events']],
  };
}
