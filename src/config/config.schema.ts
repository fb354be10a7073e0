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

/** The TypeScript type a property of each kind holds; `OpenViduConfig` is derived from it and the table. */
export interface PropertyValueTypes {
  string: string;
  boolean: boolean;
  integer: number;
  'string[]': string[];
}
export type PropertyType = keyof PropertyValueTypes;

interface PropertySpecOf<T extends PropertyType> {
  type: T;
  default: PropertyValueTypes[T];
  /** Accepted by POST /pro/restart (docs/openvidu-api.md §3.2). */
  restartable?: boolean;
  /** Never logged nor returned. */
  secret?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Extra check on the parsed value; returns the reason it is wrong. */
  check?: (value: PropertyValueTypes[T]) => string | undefined;
  /**
   * Accepted (an OpenVidu 2.11 deployment sets it) but without effect here: why. A value other than
   * the default is warned about at boot and on restart (docs/compatibility.md).
   */
  ignored?: string;
}

/** One entry of the table: `type` and `default` must agree, or the table does not compile. */
export type PropertySpec = { [T in PropertyType]: PropertySpecOf<T> }[PropertyType];

type Extra<T extends PropertyType> = Omit<PropertySpecOf<T>, 'type' | 'default'>;

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

const ms = (def: number, min = 1, extra: Extra<'integer'> = {}): PropertySpecOf<'integer'> => ({
  type: 'integer',
  default: def,
  min,
  ...extra,
});
const str = (def: string, extra: Extra<'string'> = {}): PropertySpecOf<'string'> => ({
  type: 'string',
  default: def,
  ...extra,
});
const bool = (def: boolean, restartable = false): PropertySpecOf<'boolean'> => ({
  type: 'boolean',
  default: def,
  restartable,
});
const int = (def: number, extra: Extra<'integer'> = {}): PropertySpecOf<'integer'> => ({
  type: 'integer',
  default: def,
  min: 0,
  ...extra,
});
const list = (def: string[], extra: Extra<'string[]'> = {}): PropertySpecOf<'string[]'> => ({
  type: 'string[]',
  default: def,
  ...extra,
});

// Why some OpenVidu 2.11 properties are accepted without effect (docs/compatibility.md).
const STATS = "OpenVidu Pro's monitoring for Elasticsearch/Kibana is not run here (still reported by /pro/config)";
const KURENTO_CLIENT =
  "tunes 2.11's Java Kurento client; media-server connections here follow kms.connect.timeout, kms.request.timeout and kms.liveness.*";

/**
 * The table every property comes from, in the order they are listed and logged. `OpenViduConfig`
 * is derived from it, so an entry whose default does not fit its type fails to compile.
 */
const TABLE = {
  'server.address': str('0.0.0.0'),
  'server.port': int(4443, { min: 0, max: 65535 }),
  'server.ssl.enabled': bool(true),
  'server.ssl.key-store': str('classpath:openvidu-selfsigned.jks'),
  'server.ssl.key-store-password': str('openvidu', { secret: true }),
  'server.ssl.key-store-type': str('JKS', { values: ['JKS', 'PKCS12'] }),
  'server.ssl.key-alias': str('openvidu-selfsigned', {
    ignored: 'the PKCS12 key store is loaded whole; no alias is looked up in it',
  }),
  'server.ssl.certificate': str(''),
  'server.ssl.certificate-private-key': str(''),
  'server.data-dir': str('data'),
  'server.shutdown.timeout': ms(10000),
  // SIGTERM: readiness down at once, still serving this long, then sessions close (0 = close at once).
  'server.shutdown.drain-delay': ms(0, 0),
  // A second, plain-HTTP listener serving only GET /metrics without auth; 0 = off.
  'metrics.port': int(0, { max: 65535 }),
  'metrics.address': str('0.0.0.0'),
  'kms.uris': list([], { check: checkWsUris }),
  // With no kms.uris: start the Kurento-protocol emulator in-process (false: start with no media
  // server and wait for POST /pro/media-servers, as a Kubernetes deployment does).
  'kms.embedded-emulator': bool(true),
  'kms.liveness.interval': ms(200),
  'kms.liveness.timeout': ms(600),
  'kms.connect.timeout': ms(3000),
  'kms.load.sampling-interval': ms(1000),
  'kms.disconnect.grace': ms(3000, 0),
  'kms.request.timeout': ms(10000),
  'openvidu.secret': str('MY_SECRET', { restartable: true, secret: true, check: checkSecret }),
  'openvidu.publicurl': str('local'),
  'openvidu.cdr': bool(false, true),
  'openvidu.cdr.path': str('log'),
  'openvidu.webhook': bool(false, true),
  'openvidu.webhook.endpoint': str('', { restartable: true }),
  'openvidu.webhook.headers': list([], { restartable: true, check: checkHeaders }),
  'openvidu.webhook.events': list(DEFAULT_WEBHOOK_EVENTS, { restartable: true, check: checkEvents }),
  'openvidu.webhook.queue-size': int(10000, { min: 1 }),
  'openvidu.webhook.timeout': ms(5000),
  // Deliveries per event, the first included; 0 sends once without retrying, as OpenVidu 2.11 does.
  'openvidu.webhook.retry.max-attempts': int(8, { min: 0 }),
  'openvidu.webhook.retry.initial-delay': ms(500),
  'openvidu.recording': bool(false, true),
  'openvidu.recording.version': str('2.9.0', {
    ignored: "tags 2.11's recording container image; no image is run here (still reported by /config)",
  }),
  'openvidu.recording.path': str('/opt/openvidu/recordings', { restartable: true }),
  'openvidu.recording.public-access': bool(false, true),
  'openvidu.recording.notification': str('publisher_moderator', { restartable: true, values: RECORDING_NOTIFICATIONS }),
  'openvidu.recording.custom-layout': str('/opt/openvidu/custom-layout', {
    restartable: true,
    ignored:
      'COMPOSED video is mixed by the media server, so no custom layout page is loaded (still reported by /config)',
  }),
  'openvidu.recording.autostop-timeout': int(120, { restartable: true }),
  'openvidu.recording.composed-url': str('', {
    ignored: "the page 2.11's recording container opens; COMPOSED video is mixed by the media server here",
  }),
  // Not an OpenVidu property: how long a stop waits (ms) for a media server's file to reach our disk.
  'openvidu.recording.file-wait-timeout': ms(5000, 0, { restartable: true }),
  'openvidu.streams.video.max-recv-bandwidth': int(1000, { restartable: true }),
  'openvidu.streams.video.min-recv-bandwidth': int(300, { restartable: true }),
  'openvidu.streams.video.max-send-bandwidth': int(1000, { restartable: true }),
  'openvidu.streams.video.min-send-bandwidth': int(300, { restartable: true }),
  // Sessions nobody joins expire by default (OpenVidu 2.13's values); interval 0 turns it off.
  'openvidu.sessions.garbage.interval': int(900),
  'openvidu.sessions.garbage.threshold': int(3600),
  'openvidu.pro.stats.monitoring-interval': int(30, { restartable: true, ignored: STATS }),
  'openvidu.pro.stats.webrtc-interval': int(30, { restartable: true, ignored: STATS }),
  'openvidu.pro.cluster': bool(false),
  'openvidu.pro.cluster.load.strategy': str('streams', { values: LOAD_STRATEGIES }),
  'openvidu.pro.kibana.host': str('', { ignored: 'there is no Elasticsearch/Kibana integration' }),
  // coturn's redis user database, where tokens' TURN users go (coturn.credentials=redis).
  'coturn.redis.ip': str('127.0.0.1'),
  'coturn.redis.port': int(6379, { min: 1, max: 65535 }),
  'coturn.redis.dbname': str('0', { check: (v) => (/^\d{1,5}$/.test(v) ? undefined : 'a database number') }),
  'coturn.redis.password': str('turn', { secret: true }),
  'coturn.redis.connect-timeout': int(30),
  'coturn.sqlite': str('/opt/openvidu/coturn/turndb', {
    ignored: "TURN users go to coturn's redis database (coturn.redis.*); no sqlite database is written",
  }),
  // Not 2.11 properties: tokens carry TURN REST credentials when the secret is set (coturn's static-auth-secret).
  'coturn.shared-secret': str('', { restartable: true, secret: true }),
  // redis: a coturn user per token in coturn's redis (what 2.10/2.11 browsers can use); rest-api:
  // coturn's use-auth-secret scheme (its `=` padding never reaches 2.10/2.11 browsers).
  'coturn.credentials': str('redis', { restartable: true, values: COTURN_CREDENTIALS }),
  'coturn.credential-lifetime': int(86400, { restartable: true, min: 60 }),
  'logging.level.root': str('info', { values: LOG_LEVELS }),
  'jsonRpcClientWebSocket.reconnectionDelay': ms(2000, 1, { ignored: KURENTO_CLIENT }),
  'jsonRpcClientWebSocket.timeout': ms(60000, 1, { ignored: KURENTO_CLIENT }),
  'jsonRpcClientWebSocket.packetSize': int(1000000, { min: 1, ignored: KURENTO_CLIENT }),
  'jsonRpcClientWebSocket.connectionTimeout': ms(5000, 1, { ignored: KURENTO_CLIENT }),
  'kurento.client.keepAliveTime': ms(240000, 1, { ignored: KURENTO_CLIENT }),
  'ws.sessionReconnectionTime': int(10),
  'ws.pingInterval': ms(5000),
  // Signalling sockets open at once (joined or not); past it a new one is refused with 503.
  'ws.maxSessions': int(10000, { min: 1 }),
  // Limits (README "Limits"): every per-peer cost has one.
  'kms.max-frame-size': int(8 * 1024 * 1024, { min: 64 * 1024 }),
  'ws.maxSessionsPerAddress': int(1000, { min: 1 }),
  'ws.joinTimeout': ms(30000),
  'ws.maxBufferedAmount': int(16 * 1024 * 1024, { min: 64 * 1024 }),
  'ws.maxFrameSize': int(1024 * 1024, { min: 16 * 1024, max: 64 * 1024 * 1024 }),
  'ws.secretAttemptsPerMinute': int(20, { min: 1 }),
  'openvidu.sessions.max': int(10000, { min: 1 }),
  'openvidu.sessions.max-metadata-length': int(10000, { min: 1 }),
  'openvidu.sessions.max-ice-candidates': int(100),
  'openvidu.sessions.max-allowed-filters': int(100),
} satisfies Record<string, PropertySpec>;

/** The configuration in force: each key of the table with the TypeScript type of its kind. */
export type OpenViduConfig = { [K in keyof typeof TABLE]: PropertyValueTypes[(typeof TABLE)[K]['type']] };
export type ConfigKey = keyof OpenViduConfig;

export type PropertyDef = PropertySpec & { key: ConfigKey };

export const PROPERTIES: readonly PropertyDef[] = Object.entries(TABLE).map(
  ([key, spec]) => ({ key, ...spec }) as PropertyDef,
);

export const PROPERTY_BY_KEY: ReadonlyMap<string, PropertyDef> = new Map(PROPERTIES.map((p) => [p.key, p]));

/**
 * One warning naming every ignored property (see `ignored`) that `config` sets to something other
 * than its default, among `keys` (all of them by default); undefined when there is none.
 */
export function ignoredPropertiesWarning(
  config: Readonly<Partial<OpenViduConfig>>,
  keys: Iterable<string> = PROPERTY_BY_KEY.keys(),
): string | undefined {
  const set: string[] = [];
  for (const key of keys) {
    const def = PROPERTY_BY_KEY.get(key);
    if (!def?.ignored || !(key in config)) continue;
    const value = config[key as ConfigKey];
    if (JSON.stringify(value) !== JSON.stringify(def.default)) set.push(`${key} (${def.ignored})`);
  }
  return set.length ? `Set but without effect on this server: ${set.join('; ')}` : undefined;
}

/** `openvidu.pro.cluster.load.strategy` → `OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY`. */
export function envName(key: string): string {
  return key.replace(/[.-]/g, '_').toUpperCase();
}

export function defaultConfig(): OpenViduConfig {
  const out: Record<string, unknown> = {};
  for (const p of PROPERTIES) out[p.key] = Array.isArray(p.default) ? [...p.default] : p.default;
  return out as unknown as OpenViduConfig;
}
