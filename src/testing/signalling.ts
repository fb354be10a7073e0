/**
 * The signalling handlers over the real session model, a fake media server and fake sockets: what
 * SignallingTransport does around a request (answer, after-reply work, closing a client) is done
 * here the same way, without a WebSocket. Excluded from the production build.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
// eslint-disable-next-line no-restricted-imports -- a spec builds the emitter Nest would otherwise inject
import { EventEmitter2, EVENT_LISTENER_METADATA } from '@nestjs/event-emitter';
import { AuthService } from '../auth/auth.service.js';
import type { OpenViduConfig } from '../config/config.schema.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { Role, TokenOptions } from '../sessions/session.types.js';
import { FilterHandlers } from '../signalling/filter.handlers.js';
import { RpcError } from '../signalling/rpc-error.js';
import { SignallingClient } from '../signalling/signalling-client.js';
import { SignallingListener } from '../signalling/signalling.listener.js';
import { SignallingRegistry } from '../signalling/signalling.registry.js';
import { SignallingService } from '../signalling/signalling.service.js';
import { FakeMediaApi, FakePlacer, FakeSocket, fakeConfig } from './fakes.js';

export const SECRET = 'MY_SECRET';
export const SDP_OFFER = 'v=0 offer';

/** Subscribes `instance`'s `@OnEvent`/`@OnAppEvent` methods, as Nest's event-emitter module does. */
export function subscribeListeners(events: EventEmitter2, instance: object, errors: unknown[]): void {
  const proto = Object.getPrototypeOf(instance) as object;
  for (const name of Object.getOwnPropertyNames(proto)) {
    // The descriptor's value: reading a getter off the prototype would run it without an instance.
    const method: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
    if (typeof method !== 'function') continue;
    const meta = Reflect.getMetadata(EVENT_LISTENER_METADATA, method) as Array<{ event: string }> | undefined;
    for (const { event } of meta ?? []) {
      events.on(event, (payload: unknown) => {
        // Nest logs what a listener throws and carries on; a spec sees it in `errors`.
        try {
          (method as (p: unknown) => unknown).call(instance, payload);
        } catch (e) {
          errors.push(e);
        }
      });
    }
  }
}

/** A joined (or not yet joined) client and its socket. */
export interface TestClient {
  client: SignallingClient;
  socket: FakeSocket;
  /** The connectionId once joined. */
  id: string;
}

export function signallingUnit(overrides: Partial<OpenViduConfig> = {}) {
  // Refusals and media failures are logged as warnings by design; a spec checks the answers instead.
  Logger.overrideLogger(['error']);
  const events = new EventEmitter2();
  const config = fakeConfig({ 'openvidu.secret': SECRET, ...overrides });
  const placer = new FakePlacer('KMS-FAKE');
  const sessions = new SessionsService(config, events, placer);
  const servers = new Map<string, FakeMediaApi>();
  const kms = (id = placer.mediaServerId) => {
    let m = servers.get(id);
    if (!m) servers.set(id, (m = new FakeMediaApi(id)));
    return m;
  };
  const registry = new SignallingRegistry({ media: (id: string) => kms(id) });
  const filters = new FilterHandlers(sessions, registry);
  const service = new SignallingService(sessions, registry, new AuthService(config), filters, config);
  const listener = new SignallingListener(registry, sessions);
  const listenerErrors: unknown[] = [];
  subscribeListeners(events, listener, listenerErrors);

  /** A client on a new fake socket, tracked as the transport tracks an accepted socket. */
  const connect = (remoteAddress = '10.0.0.1'): TestClient => {
    const socket = new FakeSocket();
    const client = new SignallingClient(socket, remoteAddress);
    // SignallingTransport#close: the client ends for good and its socket closes.
    client.end = () => {
      client.closed = true;
      registry.untrack(client);
      socket.close(1000);
    };
    registry.track(client);
    return { client, socket, id: '' };
  };

  /** One request as the transport runs it: the answer, then the after-reply work; an error drops that work. */
  const call = async (c: TestClient, method: string, params: Record<string, unknown> = {}) => {
    try {
      const result = await service.handle(method, c.client, params);
      for (const fn of c.client.afterReply.splice(0)) fn();
      if (method === 'leaveRoom') c.client.end();
      return result;
    } catch (e) {
      c.client.afterReply = [];
      throw e;
    }
  };

  /** The RpcError a request fails with. */
  const fail = async (c: TestClient, method: string, params: Record<string, unknown> = {}): Promise<RpcError> => {
    try {
      await call(c, method, params);
    } catch (e) {
      if (e instanceof RpcError) return e;
      throw e;
    }
    throw new Error(`${method} did not fail`);
  };

  const token = (sessionId: string, role: Role = 'PUBLISHER', extra: Partial<TokenOptions> = {}) =>
    sessions.generateToken(sessionId, { role, data: '', ...extra }).token;

  /** A new client joined to `sessionId` with a fresh token of `role`. */
  const join = async (
    sessionId: string,
    role: Role = 'PUBLISHER',
    extra: Partial<TokenOptions> & { metadata?: string } = {},
  ): Promise<TestClient> => {
    const c = connect();
    const result = await call(c, 'joinRoom', {
      session: sessionId,
      token: token(sessionId, role, extra),
      metadata: extra.metadata ?? '',
      platform: 'unit',
    });
    c.id = String(result?.id);
    return c;
  };

  /** publishVideo with defaults; returns the streamId. */
  const publish = async (c: TestClient, params: Record<string, unknown> = {}): Promise<string> => {
    const r = await call(c, 'publishVideo', { sdpOffer: SDP_OFFER, hasAudio: true, hasVideo: true, ...params });
    return String(r?.id);
  };

  return {
    events,
    config,
    placer,
    sessions,
    registry,
    service,
    listenerErrors,
    kms,
    connect,
    call,
    fail,
    token,
    join,
    publish,
    newSession: () => sessions.createSession().sessionId,
  };
}
