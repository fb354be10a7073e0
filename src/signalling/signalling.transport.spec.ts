import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpAdapterHost } from '@nestjs/core';
import type { OpenViduConfig } from '../config/config.schema.js';
import { FakeTransportSocket } from '../testing/fakes.js';
import { signallingUnit } from '../testing/signalling.js';
import { MAX_QUEUED_REQUESTS, SignallingTransport } from './signalling.transport.js';

/** Lets the per-client request queues (promise chains) run; setImmediate is not mocked. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function transport(overrides: Partial<OpenViduConfig> = {}) {
  const u = signallingUnit({
    'ws.joinTimeout': 400,
    'ws.sessionReconnectionTime': 1,
    ...overrides,
  });
  const host = { httpAdapter: { getHttpServer: () => undefined } } as unknown as HttpAdapterHost;
  const t = new SignallingTransport(host, u.config, u.service, u.events, u.registry);
  let nextId = 1;
  const open = (address = '10.0.0.1') => {
    const ws = new FakeTransportSocket();
    t.accept(ws, address);
    return ws;
  };
  /** A request; resolves with its answer (result or error) once the queue ran. */
  const request = async (ws: FakeTransportSocket, method: string, params: Record<string, unknown> = {}) => {
    const id = nextId++;
    ws.receive({ jsonrpc: '2.0', id, method, params });
    await settle();
    return ws.answer(id) as { result?: Record<string, unknown>; error?: { code: number } } | undefined;
  };
  const join = async (session: string) => {
    const ws = open();
    const r = await request(ws, 'joinRoom', { session, token: u.token(session), metadata: '' });
    assert.ok(r?.result, JSON.stringify(r));
    return { ws, id: String(r.result.id), rpcSessionId: String(r.result.sessionId) };
  };
  return { u, t, open, request, join };
}

void describe('SignallingTransport (Kurento JSON-RPC semantics) on mock timers and fake sockets', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  void it('answers with the RPC session id, errors with OpenVidu codes, and bad frames with JSON-RPC errors', async () => {
    const { u, open, request, join } = transport();
    const session = u.newSession();
    const a = await join(session);
    assert.match(a.rpcSessionId, /^[0-9a-f-]{36}$/);
    const pong = await request(a.ws, 'ping', {});
    assert.deepEqual(pong?.result, { value: 'pong', sessionId: a.rpcSessionId });
    const e = await request(a.ws, 'receiveVideoFrom', { sender: 42 });
    assert.deepEqual(e?.error, {
      code: 999,
      message: "Param 'sender' is required and must be a string",
      data: { sessionId: a.rpcSessionId },
    });
    const ws = open();
    ws.receive('{nope');
    ws.receive('[1,2]');
    assert.deepEqual(
      ws.sent.map((m) => (m.error as { code: number }).code),
      [-32700, -32600],
    );
    assert.equal(await request(ws, 'noSuchMethod'), undefined, 'unknown methods get no answer');
  });

  void describe('the ping watchdog (three missed intervals)', () => {
    void it('a client that keeps pinging stays; once it stops it is evicted with networkDisconnect', async () => {
      const { u, request, join } = transport();
      const session = u.newSession();
      const a = await join(session);
      const b = await join(session);
      await request(b.ws, 'ping', { interval: 200 });
      for (let i = 0; i < 10; i++) {
        mock.timers.tick(100);
        await request(b.ws, 'ping', {});
      }
      mock.timers.tick(599);
      await settle();
      assert.equal(b.ws.isClosed, false, 'still within three intervals of the last ping');
      assert.equal(a.ws.params('participantLeft').length, 0);
      mock.timers.tick(1);
      await settle();
      assert.ok(b.ws.isClosed);
      assert.deepEqual(a.ws.params('participantLeft'), [{ connectionId: b.id, reason: 'networkDisconnect' }]);
      assert.deepEqual(a.ws.params('participantEvicted'), [{ connectionId: b.id, reason: 'networkDisconnect' }]);
      assert.equal(u.registry.clientOf(b.id), undefined);
    });

    void it('no watchdog before the first ping, as in Kurento', async () => {
      const { u, join } = transport();
      const a = await join(u.newSession());
      mock.timers.tick(24 * 3600_000);
      await settle();
      assert.equal(a.ws.isClosed, false);
    });

    void it('a ping interval beyond what a timer can wait is clamped, not turned into an immediate expiry', async () => {
      const { u, request, join } = transport();
      const a = await join(u.newSession());
      await request(a.ws, 'ping', { interval: 1e300 });
      mock.timers.tick(3600_000);
      await settle();
      assert.equal(a.ws.isClosed, false);
      assert.equal((await request(a.ws, 'ping', {}))?.result?.value, 'pong');
    });
  });

  void describe('the reconnection window (ws.sessionReconnectionTime)', () => {
    void it('a dropped socket resumed with connect {sessionId} keeps its participant past the window', async () => {
      const { u, open, request, join } = transport();
      const session = u.newSession();
      const a = await join(session);
      const b = await join(session);
      b.ws.drop();
      mock.timers.tick(300);
      const fresh = open();
      const r = await request(fresh, 'connect', { sessionId: b.rpcSessionId });
      assert.deepEqual(r?.result, { sessionId: b.rpcSessionId });
      mock.timers.tick(1300);
      await settle();
      assert.ok(u.sessions.participant({ sessionId: session, connectionId: b.id }), 'still there');
      assert.equal(a.ws.params('participantLeft').length, 0, 'nobody was told B left');
      // The new socket is B: it receives B's notifications and acts as B.
      await request(a.ws, 'sendMessage', { message: JSON.stringify({ to: [b.id], data: 'hi', type: 'signal' }) });
      assert.deepEqual(fresh.params('sendMessage'), [{ data: 'hi', from: a.id, type: 'signal' }]);
      assert.deepEqual((await request(fresh, 'leaveRoom'))?.result, { sessionId: b.rpcSessionId });
      assert.deepEqual(a.ws.params('participantLeft'), [{ connectionId: b.id, reason: 'disconnect' }]);
    });

    void it('past the window the participant is evicted (networkDisconnect) and connect answers 40007', async () => {
      const { u, open, request, join } = transport();
      const session = u.newSession();
      const a = await join(session);
      const b = await join(session);
      b.ws.drop();
      mock.timers.tick(999);
      await settle();
      assert.equal(a.ws.params('participantLeft').length, 0);
      mock.timers.tick(1);
      await settle();
      assert.deepEqual(a.ws.params('participantLeft'), [{ connectionId: b.id, reason: 'networkDisconnect' }]);
      const late = open();
      assert.equal((await request(late, 'connect', { sessionId: b.rpcSessionId }))?.error?.code, 40007);
      assert.equal((await request(late, 'connect', { sessionId: 'nosuchrpcsession' }))?.error?.code, 40007);
    });

    void it('a socket that joined cannot take over another client (40007) and keeps its own', async () => {
      const { u, request, join } = transport();
      const session = u.newSession();
      const a = await join(session);
      const b = await join(session);
      assert.equal((await request(a.ws, 'connect', { sessionId: b.rpcSessionId }))?.error?.code, 40007);
      assert.equal(u.registry.clientOf(a.id)?.socket, a.ws);
      assert.equal(u.registry.clientOf(b.id)?.socket, b.ws);
    });
  });

  void describe('per-client limits', () => {
    void it('a socket that does not join within ws.joinTimeout is closed; pinging does not count; one that joined stays', async () => {
      const { u, open, request, join } = transport();
      const idle = open();
      await request(idle, 'ping', { interval: 100_000 });
      const joined = await join(u.newSession());
      mock.timers.tick(399);
      await settle();
      assert.equal(idle.isClosed, false);
      mock.timers.tick(1);
      await settle();
      assert.equal(idle.closedWith, 1000);
      assert.equal(joined.ws.isClosed, false);
      mock.timers.tick(60_000);
      await settle();
      assert.equal(joined.ws.isClosed, false);
      assert.equal(u.registry.clientCount, 1);
    });

    void it(`a client ${MAX_QUEUED_REQUESTS} requests ahead is cut off`, async () => {
      const { u, join } = transport();
      const a = await join(u.newSession());
      for (let i = 0; i <= MAX_QUEUED_REQUESTS; i++) a.ws.receive({ jsonrpc: '2.0', id: 1000 + i, method: 'ping' });
      assert.ok(a.ws.terminated);
      await settle();
    });

    void it('shutdown closes every socket with 1001 and forgets every client', async () => {
      const { u, t, open, join } = transport();
      const a = await join(u.newSession());
      const idle = open();
      mock.timers.reset();
      await t.beforeApplicationShutdown();
      assert.deepEqual([a.ws.closedWith, idle.closedWith], [1001, 1001]);
      assert.equal(t.clientCount, 0);
    });
  });
});
