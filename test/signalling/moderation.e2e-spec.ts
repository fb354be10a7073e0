// Moderation reaches live participants (docs/openvidu-api.md §8 forceDisconnect/forceUnpublish, §2.6–2.8):
// only a MODERATOR may force over RPC (401 otherwise); the REST routes act the same way; the
// evicted socket is told and closed, the others get participantLeft/participantEvicted, and the
// media of what was removed is released on the media server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { leftovers } from '../support/emulators.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

void describe('signalling: moderation over RPC and REST', () => {
  let h: Harness;
  const peers: Peer[] = [];
  const join = async (session: string, role: string) => {
    const p = await Peer.withRole(h, session, role, role);
    peers.push(p);
    return p;
  };
  let base = 0;
  /** Endpoints on the emulator made by the running test. */
  const endpoints = () => h.emus[0].stats().endpoints - base;

  before(async () => {
    h = await boot();
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  void it('RPC: a PUBLISHER or SUBSCRIBER gets 401; a MODERATOR force-unpublishes and force-disconnects', async () => {
    base = h.emus[0].stats().endpoints;
    const session = await createSession(h.url);
    const mod = await join(session, 'MODERATOR');
    const pub = await join(session, 'PUBLISHER');
    const sub = await join(session, 'SUBSCRIBER');
    await pub.publish();
    await mod.subscribe(pub.streamId);
    await sub.subscribe(pub.streamId);
    assert.equal(endpoints(), 3);

    assert.equal((await pub.rpc.fail('forceUnpublish', { streamId: pub.streamId })).code, 401);
    assert.equal((await pub.rpc.fail('forceDisconnect', { connectionId: sub.id })).code, 401);
    assert.equal((await sub.rpc.fail('forceDisconnect', { connectionId: mod.id })).code, 401);
    assert.equal((await mod.rpc.fail('forceUnpublish', { streamId: `${pub.id}_CAMERA_NOPE` })).code, 105);
    assert.equal((await mod.rpc.fail('forceDisconnect', { connectionId: 'nosuchconnection' })).code, 102);
    assert.equal((await sessionJson(h.url, session))?.connections.numberOfElements, 3, 'refusals change nothing');

    await mod.rpc.call('forceUnpublish', { streamId: pub.streamId });
    for (const p of [mod, pub, sub]) {
      const n = await p.rpc.waitFor('participantUnpublished', (x) => x.connectionId === pub.id);
      assert.deepEqual(n.params, { connectionId: pub.id, reason: 'forceUnpublishByUser' }, 'the owner is told too');
    }
    let json = await sessionJson(h.url, session);
    for (const c of json!.connections.content) assert.deepEqual([c.publishers, c.subscribers], [[], []]);
    await until('the three endpoints to be released', () => endpoints() === 0);

    await pub.publish();
    await sub.subscribe(pub.streamId);
    await mod.rpc.call('forceDisconnect', { connectionId: sub.id });
    const evicted = await sub.rpc.waitFor('participantEvicted');
    assert.deepEqual(evicted.params, { connectionId: sub.id, reason: 'forceDisconnectByUser' });
    await sub.rpc.whenClosed();
    for (const p of [mod, pub]) {
      const left = await p.rpc.waitFor('participantLeft', (x) => x.connectionId === sub.id);
      assert.deepEqual(left.params, { connectionId: sub.id, reason: 'forceDisconnectByUser' });
      const ev = await p.rpc.waitFor('participantEvicted', (x) => x.connectionId === sub.id);
      assert.deepEqual(ev.params, { connectionId: sub.id, reason: 'forceDisconnectByUser' });
    }
    json = await sessionJson(h.url, session);
    assert.deepEqual(
      json?.connections.content.map((c) => c.connectionId),
      [mod.id, pub.id],
    );
    await until("the evicted subscriber's endpoint to be released", () => endpoints() === 1);
    await mod.leave();
    await pub.leave();
    await until('everything to be released', () => endpoints() === 0);
  });

  void it('REST: DELETE stream, connection and session act on live participants (§2.6–2.8)', async () => {
    base = h.emus[0].stats().endpoints;
    const session = await createSession(h.url);
    const a = await join(session, 'PUBLISHER');
    const b = await join(session, 'SUBSCRIBER');
    const c = await join(session, 'PUBLISHER');
    await a.publish();
    await b.subscribe(a.streamId);

    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}/stream/${a.streamId}`)).status, 204);
    for (const p of [a, b, c]) {
      const n = await p.rpc.waitFor('participantUnpublished', (x) => x.connectionId === a.id);
      assert.deepEqual(n.params, { connectionId: a.id, reason: 'forceUnpublishByServer' });
    }
    const again = await rest(h.url, 'DELETE', `/api/sessions/${session}/stream/${a.streamId}`);
    assert.deepEqual([again.status, again.text], [404, '']);
    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/nosuchsession/stream/${a.streamId}`)).status, 400);
    await until('the publisher and subscriber endpoints to be released', () => endpoints() === 0);

    await a.publish();
    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}/connection/${b.id}`)).status, 204);
    const ev = await b.rpc.waitFor('participantEvicted');
    assert.deepEqual(ev.params, { connectionId: b.id, reason: 'forceDisconnectByServer' });
    await b.rpc.whenClosed();
    for (const p of [a, c]) {
      const left = await p.rpc.waitFor('participantLeft', (x) => x.connectionId === b.id);
      assert.equal(left.params.reason, 'forceDisconnectByServer');
    }
    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}/connection/${b.id}`)).status, 404);

    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}`)).status, 204);
    for (const p of [a, c]) {
      const own = await p.rpc.waitFor('participantEvicted', (x) => x.connectionId === p.id);
      assert.equal(own.params.reason, 'sessionClosedByServer');
      await p.rpc.whenClosed();
    }
    // Evicted in join order: C was still there when A went, and was told.
    const left = await c.rpc.waitFor('participantLeft', (x) => x.connectionId === a.id);
    assert.equal(left.params.reason, 'sessionClosedByServer');
    assert.equal(await sessionJson(h.url, session), null);
    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}`)).status, 404);
    await until('the media to be released', () => endpoints() === 0 && leftovers(h.emus) === 0);
  });
});
