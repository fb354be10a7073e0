// Sessions live on media servers (docs/openvidu-api.md §7, §3.3): placement across three emulators follows the
// `sessions` strategy; a restarted server drops its streams with mediaServerDisconnect but keeps the
// participants, who can publish again on a new pipeline; a server that stays down past the grace
// has its sessions closed with everyone told; nothing is left on any emulator at the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KmsEmulator } from '../../src/kms-emulator/index.js';
import { createSession, type MediaServerJson, mediaServers, sessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { leftovers } from '../support/emulators.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

void describe('signalling: placement and media-server faults across three emulators', () => {
  let h: Harness;
  const peers: Peer[] = [];
  const join = async (session: string, role = 'PUBLISHER') => {
    const p = await Peer.withRole(h, session, role);
    peers.push(p);
    return p;
  };
  /** The server hosting `session` in the §3.3 view, and its emulator. */
  const host = async (session: string): Promise<{ server: MediaServerJson; emu: KmsEmulator }> => {
    const servers = await mediaServers(h.url);
    const server = servers.find((s) => s.sessions.some((x) => x.sessionId === session));
    assert.ok(server, `session ${session} should be hosted somewhere`);
    return { server, emu: h.emus.find((e) => e.uri === server.uri)! };
  };

  before(async () => {
    h = await boot({ OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'sessions', KMS_DISCONNECT_GRACE: '500' }, 3);
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  void it('three sessions go one per server; each pipeline is on the server the REST view names', async () => {
    const sessions = [await createSession(h.url), await createSession(h.url), await createSession(h.url)];
    const owners: Peer[] = [];
    for (const s of sessions) {
      const p = await join(s);
      await p.publish();
      owners.push(p);
    }
    const servers = await mediaServers(h.url);
    assert.deepEqual(
      servers.map((s) => [s.load, s.sessions.length]),
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    );
    for (const s of servers) {
      const emu = h.emus.find((e) => e.uri === s.uri)!;
      assert.deepEqual([emu.stats().pipelines, emu.stats().endpoints], [1, 1], `${s.id} holds its session's media`);
      assert.deepEqual(s.sessions[0], await sessionJson(h.url, s.sessions[0].sessionId));
      const ids = await h.pool.media(s.id).getPipelineIds();
      assert.equal(ids.length, 1);
    }
    // A tie goes to the first registered server (getLessLoadedKms).
    const fourth = await createSession(h.url);
    const p4 = await join(fourth);
    assert.equal((await host(fourth)).server.uri, h.emus[0].uri);
    await p4.leave();
    for (const p of owners) await p.leave();
    await until('every pipeline to be released', () => leftovers(h.emus) === 0);
    for (const s of await mediaServers(h.url)) assert.deepEqual([s.load, s.sessions], [0, []]);
  });

  void it('a restarted server drops every stream with mediaServerDisconnect; participants stay and publish again on a new pipeline', async () => {
    const session = await createSession(h.url);
    const a = await join(session);
    const b = await join(session);
    const c = await join(session, 'SUBSCRIBER');
    await a.publish();
    await b.publish();
    await a.subscribe(b.streamId);
    await b.subscribe(a.streamId);
    await c.subscribe(a.streamId);
    const { emu, server } = await host(session);
    const oldPipelines = await h.pool.media(server.id).getPipelineIds();
    await emu.restart();
    for (const p of [a, b, c]) {
      for (const owner of [a, b]) {
        const n = await p.rpc.waitFor('participantUnpublished', (x) => x.connectionId === owner.id);
        assert.deepEqual(n.params, { connectionId: owner.id, reason: 'mediaServerDisconnect' });
      }
    }
    const json = await sessionJson(h.url, session);
    assert.deepEqual(
      json?.connections.content.map((x) => [x.connectionId, x.publishers.length, x.subscribers.length]),
      [
        [a.id, 0, 0],
        [b.id, 0, 0],
        [c.id, 0, 0],
      ],
      'participants stay, streams are gone',
    );
    for (const p of [a, b, c]) assert.equal(p.rpc.closed, false);
    const r = await a.publish();
    assert.match(r.sdpAnswer, /^v=0/);
    await c.subscribe(a.streamId);
    await b.rpc.waitFor('participantPublished', (x) => x.id === a.id);
    const now = await h.pool.media(server.id).getPipelineIds();
    assert.equal(now.length, 1, 'one pipeline on the restarted server');
    assert.ok(!oldPipelines.includes(now[0]), 'a new one');
    assert.deepEqual([emu.stats().pipelines, emu.stats().endpoints], [1, 2]);
    assert.equal((await host(session)).server.id, server.id, 'the session stays on its server');
    for (const p of [a, b, c]) await p.leave();
    await until('every pipeline to be released', () => leftovers(h.emus) === 0);
  });

  void it('a server down longer than the grace has its sessions closed (participantEvicted, socket closed); nothing is left once it is back', async () => {
    const session = await createSession(h.url);
    const a = await join(session);
    const b = await join(session);
    await a.publish();
    await b.subscribe(a.streamId);
    const other = await createSession(h.url);
    const elsewhere = await join(other);
    const { emu, server } = await host(session);
    assert.notEqual((await host(other)).server.id, server.id, 'sessions strategy spread them');
    await emu.down();
    for (const p of [a, b]) {
      const ev = await p.rpc.waitFor('participantEvicted', (x) => x.connectionId === p.id);
      assert.equal(ev.params.reason, 'mediaServerDisconnect');
      await p.rpc.whenClosed();
    }
    assert.equal(await sessionJson(h.url, session), null, 'no ghost session');
    const down = (await mediaServers(h.url)).find((s) => s.id === server.id)!;
    assert.deepEqual(down.sessions, []);
    assert.equal(elsewhere.rpc.closed, false, 'sessions on the other servers are untouched');
    assert.equal((await sessionJson(h.url, other))?.connections.numberOfElements, 1);
    await emu.up();
    await until('the server to reconnect', () => h.pool.connectedCount() === 3);
    await until('the closed session media to be released on the server that came back', () => {
      return emu.stats().pipelines + emu.stats().objects === 0;
    });
    await elsewhere.leave();
    await until('every pipeline to be released', () => leftovers(h.emus) === 0);
  });
});

void describe('signalling: a media server removed with DELETE ?force=true (§3.3)', () => {
  let h: Harness;
  let peers: Peer[] = [];
  before(async () => {
    h = await boot({}, 2);
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  void it('closes its sessions with everyone told (mediaServerDisconnect) and leaves nothing on it', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    const b = await Peer.withRole(h, session, 'SUBSCRIBER');
    peers = [a, b];
    await a.publish();
    await b.subscribe(a.streamId);
    const server = (await mediaServers(h.url)).find((s) => s.sessions.length)!;
    const emu = h.emus.find((e) => e.uri === server.uri)!;
    assert.deepEqual([emu.stats().pipelines, emu.stats().endpoints], [1, 2]);
    const r = await rest(h.url, 'DELETE', `/pro/media-servers/${server.id}?force=true`);
    assert.equal(r.status, 204);
    for (const p of [a, b]) {
      const ev = await p.rpc.waitFor('participantEvicted', (x) => x.connectionId === p.id);
      assert.equal(ev.params.reason, 'mediaServerDisconnect');
      await p.rpc.whenClosed();
    }
    assert.equal(await sessionJson(h.url, session), null);
    assert.deepEqual([emu.stats().pipelines, emu.stats().objects], [0, 0], 'released before its client was closed');
  });
});
