// Who may join and how (docs/openvidu-api.md §8 joinRoom): single-use tokens bound to their session, the admin
// join with the secret, the hidden RECORDER participant, calls before joining, and error 204 when
// no media server can host the session (§7).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, createToken, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { leftovers } from '../support/emulators.js';
import { SECRET } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer, RpcClient } from '../support/rpc.js';

const UNAUTHORIZED = 'Unable to join room. The user is not authorized';

void describe('signalling: tokens, admin and RECORDER joins (§8 joinRoom)', () => {
  let h: Harness;
  const open: RpcClient[] = [];
  const connect = async () => {
    const c = await RpcClient.connect(h.wsUrl);
    open.push(c);
    return c;
  };

  before(async () => {
    h = await boot();
  });
  after(async () => {
    for (const c of open) await c.close();
    await h?.close();
  });

  void it('a token is single use: a second join with it gets 401, as does a token of another session', async () => {
    const session = await createSession(h.url);
    const token = await createToken(h.url, session);
    const first = await Peer.join(h, session, token);
    open.push(first.rpc);
    const again = await (await connect()).fail('joinRoom', { token, session, platform: 'x', metadata: '', secret: '' });
    assert.equal(again.code, 401);
    assert.equal(again.message, UNAUTHORIZED);
    const other = await createSession(h.url);
    const foreign = await (
      await connect()
    ).fail('joinRoom', {
      token: await createToken(h.url, other),
      session,
      platform: 'x',
      metadata: '',
      secret: '',
    });
    assert.equal(foreign.code, 401);
    const unknown = await (await connect()).fail('joinRoom', { token, session: 'nosuchsession', secret: '' });
    assert.equal(unknown.code, 401);
    // Left, the token is gone for good: it cannot bring the connection back.
    await first.leave();
    const after = await (await connect()).fail('joinRoom', { token, session: other, secret: '' });
    assert.equal(after.code, 401);
    const s = await sessionJson(h.url, other);
    assert.equal(s?.connections.numberOfElements, 0, 'failed joins leave no connection behind');
  });

  void it('every method but joinRoom needs a joined connection (803); an unknown method gets no answer; one socket joins once', async () => {
    const c = await connect();
    for (const method of ['publishVideo', 'sendMessage', 'leaveRoom', 'forceDisconnect']) {
      const e = await c.fail(method, {});
      assert.equal(e.code, 803, method);
      assert.equal(typeof (e.data as { sessionId?: unknown }).sessionId, 'string', 'error.data carries sessionId');
    }
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9999, method: 'noSuchMethod', params: {} }));
    // Requests are answered in order: once the ping's answer is here, the unknown method's never will be.
    const pong = await c.call('ping', { interval: 5000 });
    assert.equal(pong.value, 'pong');
    assert.equal(typeof pong.sessionId, 'string');
    assert.ok(!c.frames.some((f) => f.id === 9999), 'an unknown method is only logged');
    const session = await createSession(h.url);
    const p = await Peer.withRole(h, session, 'PUBLISHER');
    open.push(p.rpc);
    const twice = await p.rpc.fail('joinRoom', { token: await createToken(h.url, session), session, secret: '' });
    assert.equal(twice.code, 401);
  });

  void it('the secret joins without a token as a PUBLISHER with moderator rights, creating the session (recordingMode ALWAYS)', async () => {
    const custom = `admin-made-${Date.now()}`;
    const bad = await (await connect()).fail('joinRoom', { token: '', session: custom, secret: 'wrong' });
    assert.equal(bad.code, 401);
    assert.equal(await sessionJson(h.url, custom), null);
    const admin = await Peer.join(h, custom, `ws://localhost?sessionId=${custom}&secret=${SECRET}`, 'admin', {
      secret: SECRET,
    });
    open.push(admin.rpc);
    const json = await sessionJson(h.url, custom);
    assert.ok(json);
    assert.equal((json as unknown as { recordingMode: string }).recordingMode, 'ALWAYS');
    const conn = json.connections.content[0];
    assert.equal(conn.role, 'PUBLISHER');
    assert.ok(!JSON.stringify(json).includes(SECRET), 'the secret never shows in the session JSON');
    const user = await Peer.withRole(h, custom, 'PUBLISHER', 'user');
    open.push(user.rpc);
    await admin.rpc.call('forceDisconnect', { connectionId: user.id });
    await user.rpc.whenClosed();
    await admin.leave();
    await until('the admin-made session to close', async () => (await sessionJson(h.url, custom)) === null);
  });

  void it('the RECORDER participant is hidden: not in the session JSON, value, or any notification', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER', 'A');
    open.push(a.rpc);
    await a.publish();
    const rec = await Peer.join(h, session, `ws://localhost?sessionId=${session}&secret=${SECRET}&recorder=true`, '', {
      secret: SECRET,
      recorder: true,
    });
    open.push(rec.rpc);
    assert.equal(rec.id, 'RECORDER');
    const sub = await rec.subscribe(a.streamId);
    assert.match(sub.sdpAnswer, /^v=0/);
    const b = await Peer.withRole(h, session, 'PUBLISHER', 'B');
    open.push(b.rpc);
    assert.deepEqual(
      b.join.value.map((v) => v.id),
      [a.id],
      'value lists the visible participants only',
    );
    const json = await sessionJson(h.url, session);
    assert.deepEqual(
      json?.connections.content.map((c) => c.connectionId),
      [a.id, b.id],
    );
    await rec.leave();
    await rec.rpc.whenClosed();
    await a.sync();
    const aboutRecorder = a.rpc.notifications.filter((n) => JSON.stringify(n.params).includes('RECORDER'));
    assert.deepEqual(aboutRecorder, [], 'no participantJoined/participantLeft for RECORDER');
    assert.equal(a.rpc.received('participantJoined').length, 1, 'only B joined as far as A knows');
    await a.leave();
    await b.leave();
    await until('the session to close', async () => (await sessionJson(h.url, session)) === null);
  });
});

void describe('signalling: no media server connected (§7)', () => {
  let h: Harness;
  let rpc: RpcClient | undefined;
  before(async () => {
    h = await boot();
  });
  after(async () => {
    await rpc?.close();
    await h?.close();
  });

  void it("joinRoom fails with 204 and OpenVidu's message; the token still works once a server is back", async () => {
    const session = await createSession(h.url);
    const token = await createToken(h.url, session);
    await h.emus[0].down();
    await until('the media server to be seen as down', () => h.pool.connectedCount() === 0);
    rpc = await RpcClient.connect(h.wsUrl);
    const e = await rpc.fail('joinRoom', { token, session, platform: 'x', metadata: '', secret: '' });
    assert.equal(e.code, 204);
    assert.equal(e.message, `There is no available media server where to initialize session '${session}'`);
    const s = await rest(h.url, 'GET', `/api/sessions/${session}`);
    assert.equal(s.status, 200, 'the session is still there, not active');
    await h.emus[0].up();
    await until('the media server to reconnect', () => h.pool.connectedCount() === 1);
    const joined = await rpc.call<{ id: string }>('joinRoom', {
      token,
      session,
      platform: 'x',
      metadata: '',
      secret: '',
    });
    assert.match(joined.id, /^[a-z0-9]{16}$/);
    await rpc.call('leaveRoom', {});
    await until('the media to be released', () => leftovers(h.emus) === 0);
  });
});

void describe('signalling: wss on the TLS listener, as openvidu-browser always connects (§8)', () => {
  let h: Harness;
  const peers: Peer[] = [];
  before(async () => {
    h = await boot({ SERVER_SSL_ENABLED: 'true' });
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  void it('joins, publishes, subscribes and leaves over wss://…/openvidu with the self-signed certificate', async () => {
    assert.match(h.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+\/openvidu$/);
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    const b = await Peer.withRole(h, session, 'SUBSCRIBER');
    peers.push(a, b);
    await a.publish();
    await b.rpc.waitFor('participantPublished', (p) => p.id === a.id);
    assert.match((await b.subscribe(a.streamId)).sdpAnswer, /^v=0/);
    await b.leave();
    await a.rpc.waitFor('participantLeft', (p) => p.connectionId === b.id);
    await a.leave();
    await until('the media to be released', () => leftovers(h.emus) === 0);
  });
});
