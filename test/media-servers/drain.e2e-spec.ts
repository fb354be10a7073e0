// Draining a media server as later OpenVidu Pro versions do (PATCH with `{"status":
// "waiting-idle-to-terminate"}`): it takes no new session, keeps the ones it has, and deregisters
// itself when the last one ends, leaving nothing on its emulator; every status change reaches the
// webhook as `mediaNodeStatusChanged`. `running` cancels a drain still waiting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, mediaServers } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';
import { Receiver } from '../support/webhook-receiver.js';

void describe('draining a media server (PATCH /pro/media-servers/<id>)', () => {
  let h: Harness;
  const rx = new Receiver();
  const peers: Peer[] = [];
  const join = async (session: string, role = 'PUBLISHER') => {
    const p = await Peer.withRole(h, session, role);
    peers.push(p);
    return p;
  };
  const hostOf = async (session: string) =>
    (await mediaServers(h.url)).find((s) => s.sessions.some((x) => x.sessionId === session))?.id;
  const statusEvents = () =>
    rx.delivered
      .filter((r) => r.body.event === 'mediaNodeStatusChanged')
      .map((r) => [r.body.id, r.body.oldStatus, r.body.newStatus]);

  before(async () => {
    await rx.start();
    // `sessions` strategy: ties go to the first server, so only the drain keeps a new session off it.
    h = await boot(
      {
        OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'sessions',
        OPENVIDU_WEBHOOK: 'true',
        OPENVIDU_WEBHOOK_ENDPOINT: rx.url,
        OPENVIDU_WEBHOOK_EVENTS: '["mediaNodeStatusChanged"]',
      },
      2,
    );
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
    await rx.stop();
  });

  void it('refuses a bad status (400) and an unknown id (404)', async () => {
    const [a] = h.pool.list();
    for (const body of [{}, { status: 'terminated' }, { status: 3 }, []]) {
      const r = await rest(h.url, 'PATCH', `/pro/media-servers/${a.id}`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json().status, 400);
    }
    const r = await rest(h.url, 'PATCH', '/pro/media-servers/KMS-NOSUCH', { status: 'running' });
    assert.equal(r.status, 404);
    assert.equal(h.pool.list()[0].status, 'running');
  });

  void it('a drained server gets no new session, keeps its own, and disappears when they end', async () => {
    const [a, b] = h.pool.list();
    const s1 = await createSession(h.url);
    const p1 = await join(s1);
    assert.equal(await hostOf(s1), a.id);
    const s0 = await createSession(h.url);
    await join(s0);
    assert.equal(await hostOf(s0), b.id);

    const r = await rest(h.url, 'PATCH', `/pro/media-servers/${a.id}`, { status: 'waiting-idle-to-terminate' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().status, 'waiting-idle-to-terminate');
    const listed = await mediaServers(h.url);
    assert.deepEqual(
      listed.map((s) => [s.id, (s as unknown as { status: string }).status]),
      [
        [a.id, 'waiting-idle-to-terminate'],
        [b.id, 'running'],
      ],
    );

    // Equal load (one session each): without the drain the tie would go to A.
    const s2 = await createSession(h.url);
    await join(s2);
    assert.equal(await hostOf(s2), b.id, 'no new session on the draining server');

    // Its own session keeps working: a second participant joins it and media flows on A.
    const p1b = await join(s1, 'SUBSCRIBER');
    await p1.publish();
    await p1b.subscribe(p1.streamId);
    assert.equal(await hostOf(s1), a.id);
    assert.ok(h.emus[0].stats().pipelines > 0);

    await p1b.leave();
    assert.equal((await rest(h.url, 'GET', `/pro/media-servers/${a.id}`)).status, 200, 'one session still there');
    await p1.leave();
    await until('A deregistered', async () => (await rest(h.url, 'GET', `/pro/media-servers/${a.id}`)).status === 404);
    assert.deepEqual(
      (await mediaServers(h.url)).map((s) => s.id),
      [b.id],
    );
    await until('nothing left on A', () => {
      const st = h.emus[0].stats();
      return st.pipelines === 0 && st.objects === 0 && st.sockets === 0;
    });
    await until('three status events delivered', () => statusEvents().length === 3);
    assert.deepEqual(statusEvents(), [
      [a.id, 'running', 'waiting-idle-to-terminate'],
      [a.id, 'waiting-idle-to-terminate', 'terminating'],
      [a.id, 'terminating', 'terminated'],
    ]);
    const ev = rx.delivered.find((x) => x.body.event === 'mediaNodeStatusChanged')!.body;
    assert.deepEqual(Object.keys(ev), ['timestamp', 'id', 'ip', 'uri', 'newStatus', 'oldStatus', 'event']);
    assert.equal(ev.uri, a.uri);
  });

  void it('"running" cancels a drain still waiting; the server takes sessions again', async () => {
    const [b] = h.pool.list();
    assert.ok(b.sessions.length > 0);
    const before = statusEvents().length;
    assert.equal(
      (await rest(h.url, 'PATCH', `/pro/media-servers/${b.id}`, { status: 'waiting-idle-to-terminate' })).status,
      200,
    );
    const s3 = await createSession(h.url);
    const refused = await Peer.withRole(h, s3, 'PUBLISHER').then(
      (p) => (peers.push(p), 'joined'),
      (e: Error) => e.message,
    );
    assert.notEqual(refused, 'joined', 'no server takes a new session while the only one drains');
    const back = await rest(h.url, 'PATCH', `/pro/media-servers/${b.id}`, { status: 'running' });
    assert.equal(back.status, 200);
    assert.equal(back.json().status, 'running');
    await join(s3);
    assert.equal(await hostOf(s3), b.id);
    await until('two more status events', () => statusEvents().length === before + 2);
    assert.deepEqual(statusEvents().slice(before), [
      [b.id, 'running', 'waiting-idle-to-terminate'],
      [b.id, 'waiting-idle-to-terminate', 'running'],
    ]);
  });
});
