import { randomUUID } from 'node:crypto';
import { ErrorCode, KmsError, marshall } from './errors.js';

export const uuid = (): string => randomUUID();

export type Params = Record<string, unknown>;

export function isObject(v: unknown): v is Params {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every timer the emulator arms goes through one of these, so close()/restart() can drop them all at once. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  set(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** Resolves after ms; never settles if the set is cleared first (its owner is gone by then). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.set(resolve, ms));
  }

  clearAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}

// Parameter readers mirror the messages of Kurento's generated unmarshalling code
// ("'offer' parameter should be a string"), all MARSHALL_ERROR.

export function operationParams(p: unknown, required: boolean): Params {
  if (p === undefined || p === null) {
    if (required) throw marshall("'operationParams' is required");
    return {};
  }
  if (!isObject(p)) throw marshall("'operationParams' should be an object");
  return p;
}

export function reqString(p: Params, name: string): string {
  const v = p[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw marshall(`'${name}' parameter should be a string`);
}

export function optString(p: Params, name: string, dflt: string): string {
  return p[name] === undefined ? dflt : reqString(p, name);
}

export function reqInt(p: Params, name: string): number {
  const v = p[name];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw marshall(`'${name}' parameter should be an integer`);
}

export function optInt(p: Params, name: string, dflt: number): number {
  return p[name] === undefined ? dflt : reqInt(p, name);
}

export function reqBool(p: Params, name: string): boolean {
  const v = p[name];
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw marshall(`'${name}' parameter should be a boolean`);
}

export function optBool(p: Params, name: string, dflt: boolean): boolean {
  return p[name] === undefined ? dflt : reqBool(p, name);
}

export type MediaType = 'AUDIO' | 'VIDEO' | 'DATA';
export const MEDIA_TYPES: readonly MediaType[] = ['AUDIO', 'VIDEO', 'DATA'];

export function optMediaType(p: Params, name: string): MediaType | undefined {
  const v = p[name];
  if (v === undefined) return undefined;
  if (v === 'AUDIO' || v === 'VIDEO' || v === 'DATA') return v;
  throw marshall(`'${name}' parameter should be a MediaType`);
}

export function reqMediaType(p: Params, name: string): MediaType {
  const v = optMediaType(p, name);
  if (!v) throw marshall(`'${name}' parameter should be a MediaType`);
  return v;
}

/** The JSON-RPC-level "missing parameter" error of KMS's JsonRpc::getValue. */
export function topString(p: Params, name: string): string {
  const v = p[name];
  if (v === undefined) throw new KmsError(ErrorCode.SERVER_ERROR_INIT, `'${name}' parameter is required`, undefined);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new KmsError(ErrorCode.SERVER_ERROR_INIT, `'${name}' parameter should be a string`, undefined);
}

export const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A complex value as KMS serialises it (the client passes these through as plain objects). */
export function complex<T extends object>(type: string, value: T): T & { __module__: 'kurento'; __type__: string } {
  return { __module__: 'kurento', __type__: type, ...value };
}
