/**
 * Every configuration property the server understands, keyed by its OpenVidu dotted name.
 * The environment name is derived (dots and dashes become `_`, upper-cased) so `OPENVIDU_SECRET`,
 * `KMS_URIS` and `OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY` map as Spring's relaxed binding did.
 */
export const WEBHOOK_EVENT_NAMES = [
  'sessionCreated',
  'sessionDestroyed',
  'participantJoined',
  'participantLeft',
  'webrtcConnectionCreated',
  'webrtcConnectionDestroyed',
  'recordingStatusChanged',
  // Later OpenVidu Pro's media-node event: every status change of a draining media server.
  'mediaNodeStatusChanged',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

export const LOAD_STRATEGIES = ['streams', 'sessions', 'mediaObjects', 'cpu'] as const;
export type LoadStrategyName = (typeof LOAD_STRATEGIES)[number];

export const RECORDING_NOTIFICATIONS = ['all', 'publisher_moderator', 'moderator', 'none'] as const;
export const COTURN_CREDENTIALS = ['redis', 'rest-api'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'off'] as const;

export interface OpenViduConfig {
  'server.address': string;
  'server.port': number;
  'server.ssl.enabled': boolean;
  'server.ssl.key-store': string;
  'server.ssl.key-store-password': string;
  'server.ssl.key-store-type': string;
  'server.ssl.key-alias': string;
  'server.ssl.certificate': string;
  'server.ssl.certificate-private-key': string;
  'server.data-dir': string;
  'server.shutdown.timeout': number;
  'server.shutdown.drain-delay': number;
  'metrics.port': number;
  'metrics.address': string;
  'kms.uris': string[];
  'kms.embedded-emulator': boolean;
  'kms.liveness.interval': number;
  'kms.liveness.timeout': number;
  'kms.connect.timeout': number;
  'kms.load.sampling-interval': number;
  'kms.disconnect.grace': number;
  'kms.request.timeout': number;
  'openvidu.secret': string;
  'openvidu.publicurl': string;
  'openvidu.cdr': boolean;
  'openvidu.cdr.path': string;
  'openvidu.webhook': boolean;
  'openvidu.webhook.endpoint': string;
  'openvidu.webhook.headers': string[];
  'openvidu.webhook.events': string[];
  'openvidu.webhook.queue-size': number;
  'openvidu.webhook.timeout': number;
  'openvidu.webhook.retry.max-attempts': number;
  'openvidu.webhook.retry.initial-delay': number;
  'openvidu.recording': boolean;
  'openvidu.recording.version': string;
  'openvidu.recording.path': string;
  'openvidu.recording.public-access': boolean;
  'openvidu.recording.notification': string;
  'openvidu.recording.custom-layout': string;
  'openvidu.recording.autostop-timeout': number;
  'openvidu.recording.composed-url': string;
  'openvidu.recording.file-wait-timeout': number;
  'openvidu.streams.video.max-recv-bandwidth': number;
  'openvidu.streams.video.min-recv-bandwidth': number;
  'openvidu.streams.video.max-send-bandwidth': number;
  'openvidu.streams.video.min-send-bandwidth': number;
  'openvidu.sessions.garbage.interval': number;
  'openvidu.sessions.garbage.threshold': number;
  'openvidu.pro.stats.monitoring-interval': number;
  'openvidu.pro.stats.webrtc-interval': number;
  'openvidu.pro.cluster': boolean;
  'openvidu.pro.cluster.load.strategy': string;
  'openvidu.pro.kibana.host': string;
  'coturn.redis.ip': string;
  'coturn.redis.port': number;
  'coturn.redis.dbname': string;
  'coturn.redis.password': string;
  'coturn.redis.connect-timeout': number;
  'coturn.sqlite': string;
  'coturn.shared-secret': string;
  'coturn.credentials': string;
  'coturn.credential-lifetime': number;
  'logging.level.root': string;
  'jsonRpcClientWebSocket.reconnectionDelay': number;
  'jsonRpcClientWebSocket.timeout': number;
  'jsonRpcClientWebSocket.packetSize': number;
  'jsonRpcClientWebSocket.connectionTimeout': number;
  'kurento.client.keepAliveTime': number;
  'ws.sessionReconnectionTime': number;
  'ws.pingInterval': number;
  'ws.maxSessions': number;
  'kms.max-frame-size': number;
  'ws.maxSessionsPerAddress': number;
  'ws.joinTimeout': number;
  'ws.maxBufferedAmount': number;
  'ws.maxFrameSize': number;
  'ws.secretAttemptsPerMinute': number;
  'openvidu.sessions.max': number;
  'openvidu.sessions.max-metadata-length': number;
  'openvidu.sessions.max-ice-candidates': number;
  'openvidu.sessions.max-allowed-filters': number;
}
export type ConfigKey = keyof OpenViduConfig;

export type PropertyType = 'string' | 'boolean' | 'integer' | 'string[]';

export interface PropertyDef<K extends ConfigKey = ConfigKey> {
  key: K;
  type: PropertyType;
  default: OpenViduConfig[K];
  /** Accepted by POST /pro/restart (docs/openvidu-api.md §3.2). */
  restartable?: boolean;
  /** Never logged nor returned. */
  secret?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Extra check on the parsed value; returns the reason it is wrong. */
  check?: (value: OpenViduConfig[K]) => string | undefined;
}

const DEFAULT_WEBHOOK_EVENTS: string[] = [...WEBHOOK_EVENT_NAMES];

/** Names the HTTP client sets itself: a configured value would clash with the request it sends. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

function checkHeaders(headers: string[]): string | undefined {
  if (headers.length > 50) return 'at most 50 headers';
  for (const [n, h] of headers.entries()) {
    const i = h.indexOf(': ');
    if (i <= 0 || i + 2 >= h.length || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.slice(0, i))) {
      // The header is not echoed: its value is often a credential (e.g. Authorization).
      return `header #${n + 1} is not of the form "Name: value"`;
    }
    if (RESERVED_HEADERS.has(h.slice(0, i).toLowerCase())) {
      return `header #${n + 1} (${h.slice(0, i)}) is set by the webhook sender itself`;
    }
    // CR, LF, NUL and other controls (tab aside) would make every delivery fail, or split the request.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(h.slice(i + 2)) || h.length > 8192) {
      return `header #${n + 1} has a value with control characters or longer than 8192 characters`;
    }
  }
  return undefined;
}

/**
 * The secret travels in every Basic auth header and in joinRoom. 128 characters keeps every later
 * request under the header limit (a longer one would lock out even the request undoing it); a lone
 * surrogate does not survive UTF-8 (the file, a reboot) and control characters other than tab
 * cannot be typed by a client.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkSecret(v: string): string | undefined {
  if (!v) return 'must not be empty';
  if (v.length > 128) return 'must be at most 128 characters';
  if (LONE_SURROGATE.test(v) || /(?!\t)\p{Cc}/u.test(v)) {
    return 'must be well-formed text without control characters (tab aside)';
  }
  return undefined;
}

function checkEvents(events: string[]): string | undefined {
  const bad = events.filter((e) => !(WEBHOOK_EVENT_NAMES as readonly string[]).includes(e));
  return bad.length ? `unknown event name(s) ${bad.join(', ')}; valid: ${WEBHOOK_EVENT_NAMES.join(', ')}` : undefined;
}

function checkWsUris(uris: string[]): string | undefined {
  for (const u of uris) {
    if (!isWsUri(u)) return `"${u}" is not a ws:// or wss:// URI`;
  }
  return undefined;
}

export function isWsUri(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && !!url.hostname;
  } catch {
    return false;
  }
}

export function isHttpUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.hostname;
  } catch {
    return false;
  }
}

const ms = (key: ConfigKey, def: number, min = 1): PropertyDef => ({ key, type: 'integer', default: def, min });
const str = (key: ConfigKey, def: string, extra: Partial<PropertyDef> = {}): PropertyDef => ({
  key,
  type: 'string',
  default: def,
  ...extra,
});
const bool = (key: ConfigKey, def: boolean, restartable = false): PropertyDef => ({
  key,
  type: 'boolean',
  default: def,
  restartable,
});
const int = (key: ConfigKey, def: number, extra: Partial<PropertyDef> = {}): PropertyDef => ({
  key,
  type: 'integer',
  default: def,
  min: 0,
  ...extra,
});

export const PROPERTIES: readonly PropertyDef[] = [
  str('server.address', '0.0.0.0'),
  int('server.port', 4443, { min: 0, max: 65535 }),
  bool('server.ssl.enabled', true),
  str('server.ssl.key-store', 'classpath:openvidu-selfsigned.jks'),
  str('server.ssl.key-store-password', 'openvidu', { secret: true }),
  str('server.ssl.key-store-type', 'JKS', { values: ['JKS', 'PKCS12'] }),
  str('server.ssl.key-alias', 'openvidu-selfsigned'),
  str('server.ssl.certificate', ''),
  str('server.ssl.certificate-private-key', ''),
  str('server.data-dir', 'data'),
  ms('server.shutdown.timeout', 10000),
  // SIGTERM: readiness down at once, still serving this long, then sessions close (0 = close at once).
  ms('server.shutdown.drain-delay', 0, 0),
  // A second, plain-HTTP listener serving only GET /metrics without auth; 0 = off.
  int('metrics.port', 0, { max: 65535 }),
  str('metrics.address', '0.0.0.0'),
  {
    key: 'kms.uris',
    type: 'string[]',
    default: [],
    check: (v: string[]) => checkWsUris(v),
  } as PropertyDef,
  // With no kms.uris: start the Kurento-protocol emulator in-process (false: start with no media
  // server and wait for POST /pro/media-servers, as a Kubernetes deployment does).
  bool('kms.embedded-emulator', true),
  ms('kms.liveness.interval', 200),
  ms('kms.liveness.timeout', 600),
  ms('kms.connect.timeout', 3000),
  ms('kms.load.sampling-interval', 1000),
  ms('kms.disconnect.grace', 3000, 0),
  ms('kms.request.timeout', 10000),
  str('openvidu.secret', 'MY_SECRET', {
    restartable: true,
    secret: true,
    check: checkSecret,
  } as Partial<PropertyDef>),
  str('openvidu.publicurl', 'local'),
  bool('openvidu.cdr', false, true),
  str('openvidu.cdr.path', 'log'),
  bool('openvidu.webhook', false, true),
  str('openvidu.webhook.endpoint', '', { restartable: true }),
  {
    key: 'openvidu.webhook.headers',
    type: 'string[]',
    default: [],
    restartable: true,
    check: checkHeaders,
  } as PropertyDef,
  {
    key: 'openvidu.webhook.events',
    type: 'string[]',
    default: DEFAULT_WEBHOOK_EVENTS,
    restartable: true,
    check: checkEvents,
  } as PropertyDef,
  int('openvidu.webhook.queue-size', 10000, { min: 1 }),
  ms('openvidu.webhook.timeout', 5000),
  // Deliveries per event, the first included; 0 sends once without retrying, as OpenVidu 2.11 does.
  int('openvidu.webhook.retry.max-attempts', 8, { min: 0 }),
  ms('openvidu.webhook.retry.initial-delay', 500),
  bool('openvidu.recording', false, true),
  str('openvidu.recording.version', '2.9.0'),
  str('openvidu.recording.path', '/opt/openvidu/recordings', { restartable: true }),
  bool('openvidu.recording.public-access', false, true),
  str('openvidu.recording.notification', 'publisher_moderator', { restartable: true, values: RECORDING_NOTIFICATIONS }),
  str('openvidu.recording.custom-layout', '/opt/openvidu/custom-layout', { restartable: true }),
  int('openvidu.recording.autostop-timeout', 120, { restartable: true }),
  str('openvidu.recording.composed-url', ''),
  // Not an OpenVidu property: how long a stop waits (ms) for a media server's file to reach our disk.
  { ...ms('openvidu.recording.file-wait-timeout', 5000, 0), restartable: true },
  int('openvidu.streams.video.max-recv-bandwidth', 1000, { restartable: true }),
  int('openvidu.streams.video.min-recv-bandwidth', 300, { restartable: true }),
  int('openvidu.streams.video.max-send-bandwidth', 1000, { restartable: true }),
  int('openvidu.streams.video.min-send-bandwidth', 300, { restartable: true }),
  // Sessions nobody joins expire by default (OpenVidu 2.13's values); interval 0 turns it off.
  int('openvidu.sessions.garbage.interval', 900),
  int('openvidu.sessions.garbage.threshold', 3600),
  int('openvidu.pro.stats.monitoring-interval', 30, { restartable: true }),
  int('openvidu.pro.stats.webrtc-interval', 30, { restartable: true }),
  bool('openvidu.pro.cluster', false),
  str('openvidu.pro.cluster.load.strategy', 'streams', { values: LOAD_STRATEGIES }),
  str('openvidu.pro.kibana.host', ''),
  // coturn's redis user database, where tokens' TURN users go (coturn.credentials=redis).
  str('coturn.redis.ip', '127.0.0.1'),
  int('coturn.redis.port', 6379, { min: 1, max: 65535 }),
  str('coturn.redis.dbname', '0', {
    check: (v) => (typeof v === 'string' && /^\d{1,5}$/.test(v) ? undefined : 'a database number'),
  }),
  str('coturn.redis.password', 'turn', { secret: true }),
  int('coturn.redis.connect-timeout', 30),
  str('coturn.sqlite', '/opt/openvidu/coturn/turndb'),
  // Not 2.11 properties: tokens carry TURN REST credentials when the secret is set (coturn's static-auth-secret).
  str('coturn.shared-secret', '', { restartable: true, secret: true }),
  // redis: a coturn user per token in coturn's redis (what 2.10/2.11 browsers can use); rest-api:
  // coturn's use-auth-secret scheme (its `=` padding never reaches 2.10/2.11 browsers).
  str('coturn.credentials', 'redis', { restartable: true, values: COTURN_CREDENTIALS }),
  int('coturn.credential-lifetime', 86400, { restartable: true, min: 60 }),
  str('logging.level.root', 'info', { values: LOG_LEVELS }),
  ms('jsonRpcClientWebSocket.reconnectionDelay', 2000),
  ms('jsonRpcClientWebSocket.timeout', 60000),
  int('jsonRpcClientWebSocket.packetSize', 1000000, { min: 1 }),
  ms('jsonRpcClientWebSocket.connectionTimeout', 5000),
  ms('kurento.client.keepAliveTime', 240000),
  int('ws.sessionReconnectionTime', 10),
  ms('ws.pingInterval', 5000),
  // Signalling sockets open at once (joined or not); past it a new one is refused with 503.
  int('ws.maxSessions', 10000, { min: 1 }),
  // Limits (README "Limits"): every per-peer cost has one.
  int('kms.max-frame-size', 8 * 1024 * 1024, { min: 64 * 1024 }),
  int('ws.maxSessionsPerAddress', 1000, { min: 1 }),
  ms('ws.joinTimeout', 30000),
  int('ws.maxBufferedAmount', 16 * 1024 * 1024, { min: 64 * 1024 }),
  int('ws.maxFrameSize', 1024 * 1024, { min: 16 * 1024, max: 64 * 1024 * 1024 }),
  int('ws.secretAttemptsPerMinute', 20, { min: 1 }),
  int('openvidu.sessions.max', 10000, { min: 1 }),
  int('openvidu.sessions.max-metadata-length', 10000, { min: 1 }),
  int('openvidu.sessions.max-ice-candidates', 100),
  int('openvidu.sessions.max-allowed-filters', 100),
];

export const PROPERTY_BY_KEY: ReadonlyMap<string, PropertyDef> = new Map(PROPERTIES.map((p) => [p.key, p]));

/** `openvidu.pro.cluster.load.strategy` → `OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY`. */
export function envName(key: string): string {
  return key.replace(/[.-]/g, '_').toUpperCase();
}

export function defaultConfig(): OpenViduConfig {
  const out: Record<string, unknown> = {};
  for (const p of PROPERTIES) out[p.key] = Array.isArray(p.default) ? [...p.default] : p.default;
  return out as unknown as OpenViduConfig;
}
