import { errorTypeFor, KmsError } from './errors.js';

interface Failure {
  remaining: number;
  code: number;
  message: string | undefined;
}

/** Fault-injection switches shared by every socket of one emulator. */
export class Faults {
  /** Read requests and WebSocket pings but answer nothing (no results, no events, no pongs). */
  hung = false;
  /** Added before each request is handled, inside the socket's queue (a slow KMS holds the socket too). */
  latencyMs = 0;
  private readonly failures = new Map<string, Failure>();

  /** `operation` is a JSON-RPC method (create, invoke, ping…) or an invoke operation (processOffer…). */
  failNext(operation: string, count: number, code: number, message?: string): void {
    if (count <= 0) this.failures.delete(operation);
    else this.failures.set(operation, { remaining: count, code, message });
  }

  /** Consumes one armed failure matching the request, method name first, then invoke operation. */
  take(method: string, operation: unknown): KmsError | undefined {
    if (this.failures.size === 0) return undefined;
    let key: string | undefined;
    if (this.failures.has(method)) key = method;
    else if (typeof operation === 'string' && this.failures.has(operation)) key = operation;
    if (key === undefined) return undefined;
    const f = this.failures.get(key)!;
    if (--f.remaining <= 0) this.failures.delete(key);
    return new KmsError(f.code, f.message ?? `Fault injected by kms-emulator into '${key}'`, errorTypeFor(f.code));
  }

  armed(): Array<{ operation: string; remaining: number; code: number }> {
    return [...this.failures].map(([operation, f]) => ({ operation, remaining: f.remaining, code: f.code }));
  }

  reset(): void {
    this.hung = false;
    this.latencyMs = 0;
    this.failures.clear();
  }
}
