// A hostile media server for tests: a WebSocket proxy in front of an emulator that lets the test
// rewrite, drop, delay, duplicate or inflate any frame the media server sends back. Requests go
// through untouched; each answer is handed to `mutate` with the request that caused it.
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { bootWith, type App } from './boot.js';
import { startEmulator } from './emulators.js';

export interface KmsRequest {
  id?: unknown;
  method?: string;
  params?: Record<string, unknown>;
}

/**
 * What to send instead of `reply` (the parsed answer of `request`, or the raw text when it is not
 * JSON): one or more frames (objects are serialised, strings sent as they are), or `[]` to drop it.
 * `undefined` passes it through. Events (no matching request) arrive with `request` undefined.
 */
export type Mutator = (request: KmsRequest | undefined, reply: unknown) => unknown[] | undefined;

export interface KmsProxy {
  readonly uri: string;
  mutate: Mutator | undefined;
  /** Frames sent back so far that the mutator changed. */
  readonly mutated: number;
  close(): Promise<void>;
}

export async function startKmsProxy(target: string, mutate?: Mutator): Promise<KmsProxy> {
  // Pings are forwarded, so a hung media server behind the proxy stays silent to them too.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 256 * 1024 * 1024, autoPong: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as { port: number }).port;
  const sockets = new Set<WebSocket>();
  let mutated = 0;
  const proxy: KmsProxy = {
    uri: `ws://127.0.0.1:${port}/kurento`,
    mutate,
    get mutated() {
      return mutated;
    },
    async close() {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  wss.on('connection', (client, req) => {
    const upstream = new WebSocket(new URL(req.url ?? '/kurento', target).href, {
      perMessageDeflate: false,
      autoPong: false,
    });
    sockets.add(client).add(upstream);
    const requests = new Map<string, KmsRequest>();
    const early: string[] = [];
    const end = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.terminate();
      upstream.terminate();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('open', () => {
      for (const m of early.splice(0)) upstream.send(m);
    });
    client.on('message', (data: RawData) => {
      const text = (data as Buffer).toString('utf8');
      try {
        const msg = JSON.parse(text) as KmsRequest;
        if (msg && msg.id !== undefined) requests.set(JSON.stringify(msg.id), msg);
      } catch {
        // forwarded as is
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else early.push(text);
    });
    client.on('ping', (d: Buffer) => upstream.readyState === WebSocket.OPEN && upstream.ping(d));
    upstream.on('pong', (d: Buffer) => client.readyState === WebSocket.OPEN && client.pong(d));
    upstream.on('message', (data: RawData) => {
      const text = (data as Buffer).toString('utf8');
      let reply: unknown = text;
      try {
        reply = JSON.parse(text);
      } catch {
        // handed over as text
      }
      const id = (reply as { id?: unknown } | null)?.id;
      const request = id !== undefined ? requests.get(JSON.stringify(id)) : undefined;
      if (id !== undefined) requests.delete(JSON.stringify(id));
      const out = proxy.mutate?.(request, reply);
      if (out === undefined) return client.readyState === WebSocket.OPEN && client.send(text);
      mutated++;
      for (const frame of out) {
        if (client.readyState !== WebSocket.OPEN) return;
        client.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
      }
    });
  });
  return proxy;
}

export type ProxiedApp = App & { proxy: KmsProxy };

/** The app against one emulator it reaches only through a proxy; `close()` closes all three. */
export async function bootBehindProxy(env: Record<string, string> = {}): Promise<ProxiedApp> {
  const emu = await startEmulator();
  const proxy = await startKmsProxy(emu.uri);
  let app: App;
  try {
    app = await bootWith([proxy.uri], env);
  } catch (err) {
    await proxy.close();
    await emu.close();
    throw err;
  }
  return {
    ...app,
    proxy,
    async close() {
      await app.close();
      await proxy.close();
      await emu.close();
    },
  };
}
