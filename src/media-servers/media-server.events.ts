/**
 * Media-server state changes, emitted through EventEmitter2. Signalling and sessions subscribe with
 * `@OnAppEvent(MEDIA_SERVER_DISCONNECTED)` etc. On a restart the pool emits `restarted` and then
 * `connected`, both while the server is already marked connected, so a listener may rebuild
 * pipelines straight away.
 */
export const MEDIA_SERVER_CONNECTED = 'media-server.connected';
export const MEDIA_SERVER_DISCONNECTED = 'media-server.disconnected';
export const MEDIA_SERVER_RESTARTED = 'media-server.restarted';

export type MediaServerEventName =
  typeof MEDIA_SERVER_CONNECTED | typeof MEDIA_SERVER_DISCONNECTED | typeof MEDIA_SERVER_RESTARTED;

export interface MediaServerEvent {
  /** `KMS-XXXXXX` */
  id: string;
  uri: string;
  /** Epoch ms of the state change. */
  at: number;
}

/** A registered server's status changed (draining); the CDR turns it into `mediaNodeStatusChanged`. */
export const MEDIA_SERVER_STATUS_CHANGED = 'media-server.status-changed';

export interface MediaServerStatusEvent {
  id: string;
  uri: string;
  ip: string;
  oldStatus: string;
  newStatus: string;
  at: number;
}

/** Name → payload of every media-server event (typed emit and `@OnAppEvent`). */
export interface MediaServerEventMap {
  [MEDIA_SERVER_CONNECTED]: MediaServerEvent;
  [MEDIA_SERVER_DISCONNECTED]: MediaServerEvent;
  [MEDIA_SERVER_RESTARTED]: MediaServerEvent;
  [MEDIA_SERVER_STATUS_CHANGED]: MediaServerStatusEvent;
}
