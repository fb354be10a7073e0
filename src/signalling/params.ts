import { RpcCode, RpcError } from './rpc-error.js';

type Params = Record<string, unknown>;

/** A required string param; a missing one is the client's error, answered as OpenVidu does (999). */
export function str(p: Params, name: string): string {
  const v = p[name];
  if (typeof v !== 'string') throw new RpcError(RpcCode.GENERIC, `Param '${name}' is required and must be a string`);
  return v;
}

/** Booleans arrive as JSON booleans from openvidu-browser, but tolerate "true"/"false". */
export function bool(p: Params, name: string, fallback: boolean): boolean {
  const v = p[name];
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return fallback;
}

/** An object param that may also arrive as a JSON string (filter options do). */
export function obj(p: Params, name: string): Record<string, unknown> {
  const v = p[name];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
  }
  if (v === undefined || v === '') return {};
  throw new RpcError(RpcCode.GENERIC, `Param '${name}' must be a JSON object`);
}

export interface Signal {
  to: string[];
  data: string;
  type: string;
}

/** sendMessage's `message` is a JSON string `{to, data, type}` (docs/openvidu-api.md §8); bad JSON → 600. */
export function parseSignal(raw: unknown): Signal {
  let m: unknown;
  try {
    m = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    throw new RpcError(RpcCode.SIGNAL_FORMAT_INVALID, 'Signal message is not valid JSON');
  }
  if (!m || typeof m !== 'object') {
    throw new RpcError(RpcCode.SIGNAL_FORMAT_INVALID, 'Signal message must be an object');
  }
  const { to, data, type } = m as { to?: unknown; data?: unknown; type?: unknown };
  if (to !== undefined && (!Array.isArray(to) || !to.every((x) => typeof x === 'string'))) {
    throw new RpcError(RpcCode.SIGNAL_TO_INVALID, '"to" must be an array of connection ids');
  }
  return {
    to: to ?? [],
    data: typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data),
    type: typeof type === 'string' ? type : 'signal',
  };
}
