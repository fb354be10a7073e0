// Every per-client cost of the signalling endpoint has a limit: sockets in total and per address, a
// deadline to join, an outgoing buffer ceiling, a rate for admin-secret guesses, bounded metadata and
// ICE history, and RPC methods looked up as own properties only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createSession, createToken, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { SECRET } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer, RpcClient } from '../support/rpc.js';

/** Opens a socket from `localAddress`; resolves 'open' or the HTTP status of a refused upgrade. */
function open(url: string, localAddress = '127.0.0.1'): Promise<{ ws: WebSocket; status: number | 'open' }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress });
    ws.once('open', () => resolve({ ws, status: 'open' }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ws, status: res.statusCode ?? 0 });
      res.resume();
    });
    ws.once('error', () => resolve({ ws, status: 0 }));
  });
}

const join = (rpc: RpcClient, session: string, extra: Record<string, unknown>) =>
  rpc.call('joinRoom', { session, platform: 'test', metadata: '', secret: '', recorder: false, token: '', ...extra });

void describe('signalling socket limits', () => {
  let h: Harness;
  before(async () => {
    h = await boot({ WS_MAXSESSIONS: '12', WS_MAXSESSIONSPERADDRESS: '5', WS_JOINTIMEOUT: '60000' });
  });
  after(() => h?.close());

  void it('refuses sockets past ws.maxSessionsPerAddress (429) and ws.maxSessions (503), and frees them on close', async () => {
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const r = await open(h.wsUrl);
        assert.equal(r.status, 'open');
        sockets.push(r.ws);
      }
      assert.equal((await open(h.wsUrl)).status, 429);
      // Other addresses still get in, up to the total.
      for (const addr of ['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.3', '127.0.0.3']) {
        const r = await open(h.wsUrl, addr);
        assert.equal(r.status, 'open', `from ${addr}`);
        sockets.push(r.ws);
      }
      assert.equal((await open(h.wsUrl, '127.0.0.4')).status, 503);
      // A closed socket gives its place back.
      sockets.shift()!.close();
      await until('a place to free up', async () => {
        const r = await open(h.wsUrl);
        if (r.status === 'open') sockets.push(r.ws);
        else r.ws.terminate();
        return r.status === 'open';
      });
      // REST is unaffected.
      assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200);
    } finally {
      for (const s of sockets) s.terminate();
    }
  });
});

void describe('signalling per-client limits', () => {
  let h: Harness;
  before(async () => {
    h = await boot({
      WS_JOINTIMEOUT: '400',
      WS_MAXBUFFEREDAMOUNT: String(64 * 1024),
      WS_SECRETATTEMPTSPERMINUTE: '3',
      OPENVIDU_SESSIONS_MAX_METADATA_LENGTH: '100',
      OPENVIDU_SESSIONS_MAX_ICE_CANDIDATES: '3',
    });
  });
  after(() => h?.close());

  // That a joined client is left alone, and the deadline's exact edge, are timed on mock timers in
  // src/signalling/signalling.transport.spec.ts (a real join could itself take longer than 400 ms here).
  void it('closes a socket that does not join within ws.joinTimeout', async () => {
    const idle = await RpcClient.connect(h.wsUrl);
    // Pinging does not count as joining.
    await idle.call('ping', { interval: 100000 });
    await idle.whenClosed();
  });

  void it('cuts off a client that stops reading once ws.maxBufferedAmount is queued for it', async () => {
    const session = await createSession(h.url);
    const peer = await Peer.join(h, session, await createToken(h.url, session));
    const raw = (peer.rpc.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const big = 'x'.repeat(100_000);
    // Each ping echoes its 100 KB id; self-addressed signals come back the same way.
    for (let i = 0; i < 300; i++) {
      peer.rpc.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: {}, id: `${big}${i}` }));
      if (i % 50 === 0) {
        const message = JSON.stringify({ to: [peer.id], data: big, type: 'signal:flood' });
        peer.rpc.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'sendMessage', params: { message }, id: i }));
      }
    }
    // Still not reading: the server cut the socket, and the participant left as after any lost
    // socket (reconnection window 1 s), so the session is gone.
    await until('the participant to be evicted', async () => !(await sessionJson(h.url, session)));
    raw.resume();
    await peer.rpc.whenClosed();
  });

  void it('limits wrong admin secrets per address and minute, then refuses even the right one', async () => {
    const rpc = await RpcClient.connect(h.wsUrl);
    try {
      for (let i = 0; i < 3; i++) {
        const e = await rpc.fail('joinRoom', { session: `s${i}`, secret: `guess-${i}`, token: '', metadata: '' });
        assert.equal(e.code, 401);
      }
      const e = await rpc.fail('joinRoom', { session: 'admin-room', secret: SECRET, token: '', metadata: '' });
      assert.equal(e.code, 401, 'past the limit the secret is not even checked');
      assert.equal(await sessionJson(h.url, 'admin-room'), null);
    } finally {
      await rpc.close();
    }
    // Another address is not affected.
    const ws = new WebSocket(h.wsUrl, { localAddress: '127.0.0.2' });
    await new Promise((r) => ws.once('open', r));
    const answer = new Promise<Record<string, unknown>>((resolve) =>
      ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)),
    );
    ws.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'joinRoom',
        params: { session: 'admin-room', secret: SECRET, token: '', metadata: '', platform: 't', recorder: false },
      }),
    );
    assert.ok((await answer).result, 'the right secret from another address joins');
    ws.close();
  });

  void it('refuses metadata longer than openvidu.sessions.max-metadata-length, accepts it at the limit', async () => {
    const session = await createSession(h.url);
    const rpc = await RpcClient.connect(h.wsUrl);
    try {
      const e = await rpc.fail('joinRoom', {
        session,
        token: await createToken(h.url, session),
        metadata: 'm'.repeat(101),
        secret: '',
      });
      assert.equal(e.code, 999);
      await join(rpc, session, { token: await createToken(h.url, session), metadata: 'm'.repeat(100) });
    } finally {
      await rpc.close();
    }
  });

  void it('keeps at most openvidu.sessions.max-ice-candidates received candidates, refuses an oversized one', async () => {
    const session = await createSession(h.url);
    const peer = await Peer.join(h, session, await createToken(h.url, session));
    await peer.publish();
    const candidate = (i: number) => ({
      endpointName: peer.id,
      candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host generation 0`,
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    for (let i = 0; i < 10; i++) await peer.rpc.call('onIceCandidate', candidate(i));
    const e = await peer.rpc.fail('onIceCandidate', { ...candidate(11), candidate: 'c'.repeat(5000) });
    assert.equal(e.code, 999);
    const r = await rest(h.url, 'GET', `/api/sessions/${session}?webRtcStats=true`);
    const pub = r.json<{
      connections: { content: Array<{ publishers: Array<{ receivedCandidates: unknown[] }> }> };
    }>().connections.content[0].publishers[0];
    assert.equal(pub.receivedCandidates.length, 3);
    await peer.leave();
    await peer.rpc.close();
  });

  void it('resolves RPC methods as own names only: constructor, __proto__ and toString are unknown', async () => {
    const session = await createSession(h.url);
    const peer = await Peer.join(h, session, await createToken(h.url, session));
    for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'x'.repeat(900_000)]) {
      peer.rpc.ws.send(JSON.stringify({ jsonrpc: '2.0', method, params: {}, id: 777 }));
    }
    await peer.sync();
    assert.ok(!peer.rpc.frames.some((f) => f.id === 777), 'no answer to a method that does not exist');
    await peer.leave();
    await peer.rpc.close();
  });
});
