import { networkInterfaces } from 'node:os';
import type { OpenViduConfig } from './config.schema.js';

export const OPENVIDU_VERSION = '2.11.0';

function firstExternalIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * The final public URL, always ending in `/`: `local` → https://localhost:<port>/, `docker` → this
 * host's first external IPv4, anything else is used as given (https:// assumed without a scheme).
 */
export function resolvePublicUrl(config: Readonly<OpenViduConfig>): string {
  const raw = config['openvidu.publicurl'];
  const scheme = config['server.ssl.enabled'] ? 'https' : 'http';
  const port = config['server.port'];
  let url: string;
  if (raw === 'local') url = `${scheme}://localhost:${port}/`;
  else if (raw === 'docker') url = `${scheme}://${firstExternalIPv4()}:${port}/`;
  else url = /^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`;
  return url.endsWith('/') ? url : `${url}/`;
}

/** `wss://host:port` (no trailing slash), the base of every token URL. */
export function resolveWsBase(config: Readonly<OpenViduConfig>): string {
  const u = new URL(resolvePublicUrl(config));
  const scheme = u.protocol === 'http:' || u.protocol === 'ws:' ? 'ws' : 'wss';
  return `${scheme}://${u.host}`;
}
