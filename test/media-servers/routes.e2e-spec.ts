// /pro/media-servers over the real app, docs/openvidu-api.md §3.3: list and get with load / sessions /
// extraInfo, the register / deregister matrix (force included), 501 with cluster off, 401, 404.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byUri, listServers, type MediaServerJson } from '../support/api.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { call, rest } from '../support/http.js';
import { FakeSession, placeOn } from '../support/media-servers.js';
import { until } from '../support/poll.js';

const ID = /^KMS-[A-Z0-9]{6}$/;

void describe('/pro/media-servers with openvidu.pro.cluster=true', () => {
  let emus: Emulator[];
  let spare: Emulator;
  let t: App;

  before(async () => {
    emus = await startEmulators(2);
    [spare] = await startEmulators(1);
    t = await bootWith(emus.map((e) => e.uri));
  });
  after(async () => {
    await t?.close();
    await Promise.all([...(emus ?? []), spare].filter(Boolean).map((e) => e.close()));
  });

  void it('GET lists every server in kms.uris order with the §3.3 keys in order', async () => {
    const r = await call(t.url, 'GET', '/pro/media-servers');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    const body = r.json<{ numberOfElements: number; content: MediaServerJson[] }>();
    assert.deepEqual(Object.keys(body), ['numberOfElements', 'content']);
    assert.equal(body.numberOfElements, 2);
    assert.deepEqual(
      body.content.map((s) => s.uri),
      emus.map((e) => e.uri),
    );
    for (const s of body.content) {
      // 2.11's keys, then `status` as later OpenVidu Pro versions show it (draining).
      assert.deepEqual(Object.keys(s), ['id', 'uri', 'ip', 'connected', 'connectionTime', 'status']);
      assert.equal(s.status, 'running');
      assert.match(s.id, ID);
      assert.equal(s.ip, '127.0.0.1');
      assert.equal(s.connected, true);
      assert.ok(s.connectionTime > 0 && s.connectionTime <= Date.now());
    }
    const one = await call(t.url, 'GET', `/pro/media-servers/${body.content[1].id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json(), body.content[1]);
  });

  void it('GET unknown id is 404 with an empty body; without credentials 401', async () => {
    const r = await call(t.url, 'GET', '/pro/media-servers/KMS-NOSUCH');
    assert.equal(r.status, 404);
    assert.equal(r.text, '');
    assert.equal((await call(t.url, 'GET', '/pro/media-servers', { auth: null })).status, 401);
    assert.equal((await call(t.url, 'DELETE', '/pro/media-servers/KMS-NOSUCH', { auth: null })).status, 401);
  });

  void it('?load, ?sessions and ?extraInfo add load, the hosted Session JSON and kurentoInfo', async () => {
    const target = await byUri(t.url, emus[0].uri);
    const session = new FakeSession('ses_view', 2);
    const placement = placeOn(t.pool, target.id, session.sessionId);
    placement.attach(session);
    try {
      const r = await call(t.url, 'GET', `/pro/media-servers/${target.id}?load=true&sessions=true&extraInfo=true`);
      assert.equal(r.status, 200);
      const s = r.json<MediaServerJson>();
      assert.deepEqual(Object.keys(s), [
        'id',
        'uri',
        'ip',
        'connected',
        'connectionTime',
        'status',
        'load',
        'sessions',
        'kurentoInfo',
      ]);
      assert.equal(s.load, 2, 'streams strategy: publishers + subscribers of the hosted session');
      assert.deepEqual(s.sessions, [session.toJson()]);
      const info = s.kurentoInfo as { memory: number; version: string; capabilities: string; modules: unknown[] };
      assert.deepEqual(Object.keys(info), ['memory', 'version', 'capabilities', 'modules']);
      assert.equal(info.memory, 60, 'the emulator reports 61440 KiB when empty: 60 MiB');
      assert.equal(info.version, '7.2.0');
      assert.equal(info.capabilities, '[transactions]');
      const names = (info.modules as Array<{ name: string; factories: string[] }>).map((m) => m.name);
      assert.deepEqual(names, ['core', 'elements', 'filters']);
      const other = await byUri(t.url, emus[1].uri, '?sessions=true&load=false');
      assert.deepEqual(other.sessions, []);
      assert.equal('load' in other, false);
    } finally {
      placement.release();
    }
  });

  void it('query booleans other than true/false are a 400 with the §2.0 body', async () => {
    const r = await call(t.url, 'GET', '/pro/media-servers?load=maybe');
    assert.equal(r.status, 400);
    const body = r.json();
    assert.deepEqual(Object.keys(body), ['timestamp', 'status', 'error', 'message', 'path']);
    assert.match(String(body.message), /load/);
  });

  void it('POST registers a reachable server: 200 MediaServer JSON, listed after, then 409 for the same uri', async () => {
    const r = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    assert.equal(r.status, 200);
    const s = r.json<MediaServerJson>();
    assert.deepEqual(Object.keys(s), ['id', 'uri', 'ip', 'connected', 'connectionTime', 'status']);
    assert.match(s.id, ID);
    assert.equal(s.uri, spare.uri);
    assert.equal(s.connected, true);
    assert.deepEqual((await byUri(t.url, spare.uri)).id, s.id);
    const again = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    assert.equal(again.status, 409);
    assert.equal(again.text, '');

    // Deregistered then registered again: the id stays the same for the uri.
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${s.id}`)).status, 204);
    const back = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    assert.equal(back.status, 200);
    assert.equal(back.json<MediaServerJson>().id, s.id);
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${s.id}`)).status, 204);
  });

  void it('POST with a bad body or uri is 400 with the §2.0 body', async () => {
    for (const body of [{}, { uri: 42 }, { uri: 'http://127.0.0.1:8888/kurento' }, { uri: 'not a uri' }, [], 'null']) {
      const r = await rest(t.url, 'POST', '/pro/media-servers', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(r.json()), ['timestamp', 'status', 'error', 'message', 'path']);
    }
  });

  void it('POST of a server that does not answer within kms.connect.timeout is 404 and leaves nothing behind', async () => {
    await spare.down();
    try {
      const r = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
      assert.equal(r.status, 404);
      assert.equal(r.text, '');
      assert.equal((await listServers(t.url)).length, 2);
    } finally {
      await spare.up();
    }
    spare.hang(true);
    try {
      assert.equal((await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri })).status, 404);
    } finally {
      spare.hang(false);
    }
    // Nothing half-registered: the uri can be registered now that it answers.
    const ok = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    assert.equal(ok.status, 200);
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${ok.json<MediaServerJson>().id}`)).status, 204);
  });

  void it('DELETE: 409 while it hosts sessions, 204 with force=true closing them with mediaServerDisconnect', async () => {
    const ok = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    const id = ok.json<MediaServerJson>().id;
    const attached = new FakeSession('ses_force_a', 1);
    placeOn(t.pool, id, attached.sessionId).attach(attached);
    placeOn(t.pool, id, 'ses_force_reserved'); // placed, not attached yet: still hosted

    const refused = await call(t.url, 'DELETE', `/pro/media-servers/${id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.text, '');
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${id}?force=false`)).status, 409);
    assert.deepEqual(attached.closes, []);

    const forced = await call(t.url, 'DELETE', `/pro/media-servers/${id}?force=true`);
    assert.equal(forced.status, 204);
    assert.equal(forced.text, '');
    assert.deepEqual(attached.closes, ['mediaServerDisconnect']);
    assert.equal((await call(t.url, 'GET', `/pro/media-servers/${id}`)).status, 404);
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${id}`)).status, 404);
    // The session ids are free again: placing them lands on a registered server.
    const p = t.pool.place('ses_force_reserved');
    assert.notEqual(p.mediaServerId, id);
    p.release();
  });

  void it('DELETE of a server without sessions is 204 and it is never chosen again', async () => {
    const ok = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    const id = ok.json<MediaServerJson>().id;
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${id}`)).status, 204);
    const placements = Array.from({ length: 9 }, (_, i) => t.pool.place(`ses_after_delete_${i}`));
    assert.ok(placements.every((p) => p.mediaServerId !== id));
    for (const p of placements) p.release();
    await until('every socket to the deregistered server closed', () => spare.stats().sockets === 0);
  });
});

void describe('/pro/media-servers with openvidu.pro.cluster=false', () => {
  let emu: Emulator;
  let t: App;
  before(async () => {
    [emu] = await startEmulators(1);
    t = await bootWith([emu.uri], { OPENVIDU_PRO_CLUSTER: 'false' });
  });
  after(async () => {
    await t?.close();
    await emu?.close();
  });

  void it('every route answers 501 with a JSON message naming the switch, while the pool still serves placements', async () => {
    const id = t.pool.list()[0].id;
    for (const [method, path, body] of [
      ['GET', '/pro/media-servers', undefined],
      ['GET', `/pro/media-servers/${id}?load=true`, undefined],
      ['GET', '/pro/media-servers/KMS-NOSUCH', undefined],
      ['POST', '/pro/media-servers', { uri: 'ws://127.0.0.1:1/kurento' }],
      ['POST', '/pro/media-servers', {}],
      ['DELETE', `/pro/media-servers/${id}?force=true`, undefined],
    ] as const) {
      const r = await rest(t.url, method, path, body);
      assert.equal(r.status, 501, `${method} ${path}`);
      // OpenVidu answers an empty 501; an operator trying the README needs to know what to turn on.
      const json = r.json<Record<string, unknown>>();
      assert.deepEqual(Object.keys(json), ['timestamp', 'status', 'error', 'message', 'path']);
      assert.equal(json.status, 501);
      assert.equal(json.error, 'Not Implemented');
      assert.equal(json.path, path.split('?')[0]);
      assert.match(String(json.message), /openvidu\.pro\.cluster=true.*OPENVIDU_PRO_CLUSTER=true/);
    }
    await until('connected', () => t.pool.connectedCount() === 1);
    const p = t.pool.place('ses_ce');
    assert.equal(p.mediaServerId, id);
    p.release();
  });
});
