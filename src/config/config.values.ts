import { OpenViduConfig, PropertyDef, isHttpUrl } from './config.schema.js';

export type ParseResult = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Parses `kms.uris` the way 2.11 does: quotes, backslashes and whitespace are dropped first, so
 * `[ws://a:8888/kurento, "ws://b:8888/kurento"]` and a bare single URI are both accepted.
 */
export function parseKmsUris(text: string): string[] {
  let s = text.replace(/[\s"'\\]/g, '');
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  return s.split(',').filter((x) => x.length > 0);
}

/** A value written as text (environment variable or `.properties` line). */
export function parseText(def: PropertyDef, text: string): ParseResult {
  switch (def.type) {
    case 'string':
      return { ok: true, value: text };
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
      return { ok: false, reason: `expected true or false, got "${text}"` };
    }
    case 'integer': {
      const t = text.trim();
      if (!/^-?\d+$/.test(t)) return { ok: false, reason: `expected an integer, got "${text}"` };
      return { ok: true, value: Number(t) };
    }
    case 'string[]': {
      if (def.key === 'kms.uris') return { ok: true, value: parseKmsUris(text) };
      const t = text.trim();
      if (t === '') return { ok: true, value: [] };
      try {
        const v: unknown = JSON.parse(t);
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { ok: true, value: v };
      } catch {
        // fall through to the message below
      }
      return { ok: false, reason: 'expected a JSON array of strings' };
    }
  }
}

/** A value from a JSON body: the type must already be right (no string coercion). */
export function checkJsonType(def: PropertyDef, value: unknown): ParseResult {
  switch (def.type) {
    case 'string':
      return typeof value === 'string' ? { ok: true, value } : { ok: false, reason: 'must be a string' };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false, reason: 'must be a boolean' };
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? { ok: true, value }
        : { ok: false, reason: 'must be an integer number' };
    case 'string[]':
      return Array.isArray(value) && value.every((x) => typeof x === 'string')
        ? { ok: true, value: [...value] }
        : { ok: false, reason: 'must be an array of strings' };
  }
}

/** Range, enumeration and property-specific checks on a parsed value. */
export function checkValue(def: PropertyDef, value: unknown): string | undefined {
  if (def.type === 'integer') {
    const n = value as number;
    if (!Number.isSafeInteger(n)) return 'is out of range';
    if (def.min !== undefined && n < def.min) return `must be >= ${def.min}`;
    if (def.max !== undefined && n > def.max) return `must be <= ${def.max}`;
  }
  if (def.values && !def.values.includes(value as string)) {
    return `must be one of ${def.values.join(', ')}`;
  }
  return def.check ? (def.check as (v: unknown) => string | undefined)(value) : undefined;
}

/** Rules that involve more than one property; each entry names the key it blames. */
export function crossCheck(config: OpenViduConfig): Array<{ key: string; reason: string }> {
  const errors: Array<{ key: string; reason: string }> = [];
  if (config['openvidu.webhook'] && !isHttpUrl(config['openvidu.webhook.endpoint'])) {
    errors.push({
      key: 'openvidu.webhook.endpoint',
      reason: 'must be a valid http(s) URL when openvidu.webhook is true',
    });
  }
  const cert = config['server.ssl.certificate'];
  const key = config['server.ssl.certificate-private-key'];
  if (!!cert !== !!key) {
    errors.push({
      key: cert ? 'server.ssl.certificate-private-key' : 'server.ssl.certificate',
      reason: 'server.ssl.certificate and server.ssl.certificate-private-key must be set together',
    });
  }
  return errors;
}

/** The text form written to a `.properties` file (arrays as JSON text, as OpenVidu writes them). */
export function toPropertyText(value: unknown): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}
