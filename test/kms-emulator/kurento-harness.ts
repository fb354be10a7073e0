// kurento-client seen through callback-style helpers: the only style that surfaces server errors (docs/kurento-protocol.md §5.1).
import kurentoModule from 'kurento-client';

// The loose shape this suite needs of kurento-client (the project's own declaration is narrower on purpose).
export interface KErr extends Error {
  code?: number;
  data?: { type?: string };
}
export interface MO {
  readonly id: string;
  on(event: string, listener: (event: Record<string, unknown>) => void): this;
}
interface Reconnector {
  on(event: 'error', listener: (e: Error) => void): this;
  disconnect(): void;
}
export interface Client {
  readonly sessionId: string | undefined;
  readonly _re: Reconnector;
  on(event: 'reconnected', listener: (sameSession: boolean) => void): this;
  close(): void;
}
interface Kurento {
  (uri: string, options: Record<string, unknown>, callback: (error: Error | null | undefined) => void): Client;
  getComplexType(name: string): (value: object) => object;
}
export const kurento = kurentoModule as unknown as Kurento;

// Small duplicate/response caches: kurento-jsonrpc keeps a timer per answered request for that long.
const CLIENT_OPTS = { request_timeout: 3000, response_timeout: 50, duplicates_timeout: 50 };
const clients: Client[] = [];

/** Closes every client connect() made (test teardown). */
export function closeAllClients(): void {
  for (const c of clients.splice(0)) closeClient(c);
}

/** Connects and waits for the strict-mode module check. Wrapped: a bare client is a thenable. */
export function connect(uri: string, opts: Record<string, unknown> = {}): Promise<{ client: Client }> {
  return new Promise((resolve, reject) => {
    const client = kurento(uri, { ...CLIENT_OPTS, ...opts }, (err) => (err ? reject(err) : resolve({ client })));
    // The reconnector re-emits ECONNREFUSED as 'error'; unheard, that is an uncaught exception (and a crash).
    client._re.on('error', () => {});
    clients.push(client);
  });
}

/** close() waits for the last RPC to settle; dropping the reconnector as well stops any retry at once. */
export function closeClient(client: Client): void {
  client.close();
  client._re.disconnect();
}

/** Listeners subscribe asynchronously; an invoke is queued behind the subscribes, so its answer means they are in. */
export async function settled(o: MO): Promise<void> {
  await call(o, 'getName');
}

function invoke(obj: object, method: string, args: unknown[], cb: (err: KErr | null | undefined, v: unknown) => void) {
  const fn = (obj as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new TypeError(`no method ${method}`);
  (fn as (...a: unknown[]) => unknown).apply(obj, [...args, cb]);
}

/** A remote call returning plain data. */
export function call<T = unknown>(obj: object, method: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve, reject) => invoke(obj, method, args, (e, v) => (e ? reject(e) : resolve(v as T))));
}

/** A remote call returning a MediaObject (wrapped, since media objects are thenables too). */
export function make(obj: object, method: string, ...args: unknown[]): Promise<{ o: MO }> {
  return new Promise((resolve, reject) =>
    invoke(obj, method, args, (e, v) => (e ? reject(e) : resolve({ o: v as MO }))),
  );
}

/** A remote call that must fail; resolves the client-side error object. */
export function fails(obj: object, method: string, ...args: unknown[]): Promise<KErr> {
  return new Promise((resolve, reject) =>
    invoke(obj, method, args, (e) => (e ? resolve(e) : reject(new Error(`${method} unexpectedly succeeded`)))),
  );
}

export function collect(o: MO, type: string): Array<Record<string, unknown>> {
  const seen: Array<Record<string, unknown>> = [];
  o.on(type, (e) => seen.push(e));
  return seen;
}

export function reconnected(client: Client): Promise<boolean> {
  return new Promise((resolve) => client.on('reconnected', (same) => resolve(same)));
}
