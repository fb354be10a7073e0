// Keepalive and reconnection (docs/openvidu-api.md §8): a client that stops pinging is removed after three
// missed intervals with networkDisconnect; one whose socket drops may `connect {sessionId}` on a
// new socket within ws.sessionReconnectionTime (1 s here) and keeps its place; after it, it is gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { until } from '../support/poll.js';
import { Peer, RpcClient } from '../support/rpc.js';

void describe('signalling: ping watchdog and the reconnection window', () => {
  let h: Harness;
  const open: RpcClient[] = [];
  const ids = async (session: string) =>
    (await sessionJson(h.url, session))?.connections.content.map((c) => c.connectionId) ?? [];
  const pair = async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER', 'A');
    const b = await Peer.withRole(h, session, 'PUBLISHER', 'B');
    open.push(a.rpc, b.rpc);
    return { session, a, b };
  };

  before(async () => {
    h = await boot({ WS_SESSIONRECONNECTIONTIME: '1' });
  });
  after(async () => {
    for (const c of open) await c.close();
    await h?.close();
  });

  // Which pings keep a client, the clamp of huge intervals and the window's exact edges are timed on
  // mock timers in src/signalling/signalling.transport.spec.ts; here, what real sockets do.
  void it('a client that stops pinging is removed with networkDisconnect, its socket closed and its media released', async () => {
    const { session, a, b } = await pair();
    await b.publish();
    await a.subscribe(b.streamId);
    const endpoints = h.emus[0].stats().endpoints;
    await b.rpc.call('ping', { interval: 200 });
    const left = await a.rpc.waitFor('participantLeft', (p) => p.connectionId === b.id);
    assert.deepEqual(left.params, { connectionId: b.id, reason: 'networkDisconnect' });
    const ev = await a.rpc.waitFor('participantEvicted', (p) => p.connectionId === b.id);
    assert.equal(ev.params.reason, 'networkDisconnect');
    await b.rpc.whenClosed();
    assert.equal(a.rpc.closed, false, 'the client that pinged is untouched');
    assert.deepEqual(await ids(session), [a.id]);
    await until("B's publisher and A's subscriber endpoints to be released", () => {
      return h.emus[0].stats().endpoints === endpoints - 2;
    });
    await a.leave();
  });

  void it('a dropped socket that reconnects within the window keeps its place, its stream and its notifications', async () => {
    const { session, a, b } = await pair();
    await b.publish();
    await b.rpc.drop();
    const fresh = await RpcClient.connect(h.wsUrl);
    open.push(fresh);
    const r = await fresh.call('connect', { sessionId: b.join.sessionId });
    assert.equal(r.sessionId, b.join.sessionId, 'the resumed RPC session keeps its id');
    assert.deepEqual(await ids(session), [a.id, b.id]);
    const json = await sessionJson(h.url, session);
    assert.equal(json?.connections.content[1].publishers[0]?.streamId, b.streamId);
    await a.sync();
    assert.deepEqual(a.rpc.received('participantLeft'), [], 'nobody was told B left');
    // The new socket is B: it gets B's notifications and may act as B.
    await a.rpc.call('sendMessage', { message: JSON.stringify({ to: [b.id], data: 'still there?', type: 'signal' }) });
    const msg = await fresh.waitFor('sendMessage', (p) => p.data === 'still there?');
    assert.equal(msg.params.from, a.id);
    await fresh.call('unpublishVideo', {});
    await a.rpc.waitFor('participantUnpublished', (p) => p.connectionId === b.id);
    await fresh.call('leaveRoom', {});
    await a.rpc.waitFor('participantLeft', (p) => p.connectionId === b.id && p.reason === 'disconnect');
    await a.leave();
  });

  void it('after the window the participant is gone (networkDisconnect) and connect answers 40007', async () => {
    const { session, a, b } = await pair();
    await b.rpc.drop();
    const left = await a.rpc.waitFor('participantLeft', (p) => p.connectionId === b.id);
    assert.equal(left.params.reason, 'networkDisconnect');
    assert.deepEqual(await ids(session), [a.id]);
    const late = await RpcClient.connect(h.wsUrl);
    open.push(late);
    const e = await late.fail('connect', { sessionId: b.join.sessionId });
    assert.equal(e.code, 40007);
    assert.equal((await late.fail('connect', { sessionId: 'nosuchrpcsession' })).code, 40007);
    // A client that left on purpose cannot come back either.
    await a.leave();
    const again = await RpcClient.connect(h.wsUrl);
    open.push(again);
    assert.equal((await again.fail('connect', { sessionId: a.join.sessionId })).code, 40007);
    assert.equal(await sessionJson(h.url, session), null, 'the last one out closed the session');
  });
});
