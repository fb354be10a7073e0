// CDR (docs/openvidu-api.md §6): the JSON lines written for sessions driven through the session model, the
// daily file name, GET /cdr and GET /cdr/<file>.log, and the /pro/restart toggle.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CdrFileWriter } from '../../src/cdr/cdr-file.writer.js';
import { createToken, sessionWithToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { CAMERA } from '../support/fixtures.js';
import { call } from '../support/http.js';

type J = Record<string, unknown>;
type Line = Record<string, J>;

void describe('CDR file (docs/openvidu-api.md §6)', () => {
  let srv: Harness;
  let dir: string;
  let writer: CdrFileWriter;

  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'ov-cdr-'));
    dir = join(root, 'cdr');
    srv = await boot({ OPENVIDU_CDR: 'true', OPENVIDU_CDR_PATH: dir });
    writer = srv.app.get(CdrFileWriter);
  });
  after(async () => {
    await srv.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function lines(): Promise<Line[]> {
    await writer.flush();
    return readFileSync(writer.currentFile(), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  }
  const since = async (n: number) => (await lines()).slice(n);
  const nameOf = (l: Line) => Object.keys(l)[0];

  function assertEnd(e: J, start: number) {
    assert.equal(e.startTime, start);
    assert.equal(e.duration, Math.trunc(((e.timestamp as number) - start) / 1000));
  }

  void it('create → join ×2 → publish → subscribe → leave → DELETE: the lines, their keys and order', async () => {
    const before = (await lines().catch(() => [])).length;
    const { sessionId, token } = await sessionWithToken(srv.url);
    const created = srv.sessions.get(sessionId)!.createdAt;
    const a = srv.sessions.join(sessionId, { token, platform: 'Chrome 75', location: 'Madrid, Spain' });
    const b = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId), platform: 'Firefox' });
    const stream = srv.sessions.publish(a, CAMERA);
    const sub = srv.sessions.subscribe(b, stream.streamId);
    srv.sessions.leave(b, 'disconnect');
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${sessionId}`)).status, 204);

    const got = await since(before);
    assert.deepEqual(got.map(nameOf), [
      'sessionCreated',
      'participantJoined',
      'participantJoined',
      'webrtcConnectionCreated',
      'webrtcConnectionCreated',
      'webrtcConnectionDestroyed',
      'participantLeft',
      'webrtcConnectionDestroyed',
      'participantLeft',
      'sessionDestroyed',
    ]);
    const [sc, ja, jb, pubC, subC, subD, lb, pubD, la, sd] = got.map((l) => Object.values(l)[0]);
    assert.deepEqual(sc, { sessionId, timestamp: created });
    assert.deepEqual(ja, {
      sessionId,
      timestamp: a.createdAt,
      participantId: a.connectionId,
      location: 'Madrid, Spain',
      platform: 'Chrome 75',
    });
    assert.deepEqual(Object.keys(ja), ['sessionId', 'timestamp', 'participantId', 'location', 'platform']);
    assert.equal(jb.location, 'unknown');
    const video = {
      videoSource: 'CAMERA',
      videoFramerate: 30,
      videoDimensions: '{"width":640,"height":480}',
      audioEnabled: true,
      videoEnabled: true,
    };
    assert.deepEqual(pubC, {
      sessionId,
      timestamp: stream.createdAt,
      streamId: stream.streamId,
      participantId: a.connectionId,
      connection: 'OUTBOUND',
      ...video,
    });
    assert.deepEqual(Object.keys(pubC), [
      'sessionId',
      'timestamp',
      'streamId',
      'participantId',
      'connection',
      ...Object.keys(video),
    ]);
    assert.deepEqual(subC, {
      sessionId,
      timestamp: sub.createdAt,
      streamId: stream.streamId,
      participantId: b.connectionId,
      connection: 'INBOUND',
      receivingFrom: a.connectionId,
      ...video,
    });
    assert.deepEqual(Object.keys(subD), [
      'sessionId',
      'timestamp',
      'startTime',
      'duration',
      'reason',
      'streamId',
      'participantId',
      'connection',
      'receivingFrom',
      ...Object.keys(video),
    ]);
    assert.equal(subD.reason, 'disconnect');
    assertEnd(subD, sub.createdAt);
    assert.deepEqual(Object.keys(lb), [
      'sessionId',
      'timestamp',
      'startTime',
      'duration',
      'reason',
      'participantId',
      'location',
      'platform',
    ]);
    assert.equal(lb.participantId, b.connectionId);
    assert.equal(lb.reason, 'disconnect');
    assertEnd(lb, b.createdAt);
    assert.equal(pubD.connection, 'OUTBOUND');
    assert.equal(pubD.reason, 'sessionClosedByServer');
    assertEnd(pubD, stream.createdAt);
    assert.equal(la.reason, 'sessionClosedByServer');
    assert.deepEqual(Object.keys(sd), ['sessionId', 'timestamp', 'startTime', 'duration', 'reason']);
    assert.equal(sd.reason, 'sessionClosedByServer');
    assertEnd(sd, created);
  });

  void it('the last participant leaving ends the session as lastParticipantLeft; audio-only has no video keys', async () => {
    const before = (await lines()).length;
    const { sessionId, token } = await sessionWithToken(srv.url);
    const a = srv.sessions.join(sessionId, { token, platform: 'Chrome' });
    srv.sessions.publish(a, { ...CAMERA, hasVideo: false, typeOfVideo: '' });
    srv.sessions.leave(a, 'networkDisconnect');
    const got = (await since(before)).map((l) => [nameOf(l), Object.values(l)[0]] as const);
    assert.deepEqual(
      got.map(([n, e]) => [n, e.reason]),
      [
        ['sessionCreated', undefined],
        ['participantJoined', undefined],
        ['webrtcConnectionCreated', undefined],
        ['webrtcConnectionDestroyed', 'networkDisconnect'],
        ['participantLeft', 'networkDisconnect'],
        ['sessionDestroyed', 'lastParticipantLeft'],
      ],
    );
    assert.deepEqual(Object.keys(got[2][1]), [
      'sessionId',
      'timestamp',
      'streamId',
      'participantId',
      'connection',
      'audioEnabled',
      'videoEnabled',
    ]);
  });

  void it('a session nobody joined leaves no line', async () => {
    const before = (await lines()).length;
    const { sessionId } = await sessionWithToken(srv.url);
    await call(srv.url, 'DELETE', `/api/sessions/${sessionId}`);
    assert.equal((await lines()).length, before);
  });

  void it('GET /cdr lists CDR.<yyyy-MM-dd>_<HH-mm-ss>.log of today; GET /cdr/<file> serves it', async () => {
    const list = await call(srv.url, 'GET', '/cdr');
    assert.equal(list.status, 200);
    const names = list.json<string[]>();
    assert.deepEqual(names, [writer.currentFile().split('/').pop()]);
    const d = new Date();
    const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    assert.match(names[0], new RegExp(`^CDR\\.${today}_\\d{2}-\\d{2}-\\d{2}\\.log$`));
    const file = await call(srv.url, 'GET', `/cdr/${names[0]}`);
    assert.equal(file.status, 200);
    assert.equal(file.text, readFileSync(writer.currentFile(), 'utf8'));
    assert.equal((await call(srv.url, 'GET', '/cdr', { auth: null })).status, 401);
    assert.equal((await call(srv.url, 'GET', `/cdr/${names[0]}`, { auth: null })).status, 401);
  });

  void it('GET /cdr/<file> cannot leave the CDR directory', async () => {
    mkdirSync(join(dir, 'sub.log'), { recursive: true });
    writeFileSync(join(dir, '..', 'outside.log'), 'secret');
    symlinkSync(join(dir, '..', 'outside.log'), join(dir, 'link.log'));
    for (const p of [
      '/cdr/..%2Foutside.log',
      '/cdr/%2e%2e%2foutside.log',
      '/cdr/..%5Coutside.log',
      '/cdr/link.log',
      '/cdr/sub.log',
      '/cdr/missing.log',
      '/cdr/..',
      '/cdr/../outside.log',
    ]) {
      const r = await call(srv.url, 'GET', p);
      // '/cdr/..' is '/' once the URL is resolved, and '/' leads to the Inspector: never to a file.
      const root = new URL(p, srv.url).pathname === '/';
      assert.equal(r.status, root ? 302 : 404, p);
      if (root) assert.equal(r.headers.location, '/inspector', p);
      assert.ok(!r.text.includes('secret'), p);
    }
  });

  void it('/pro/restart toggles the file without a process restart', async () => {
    const before = (await lines()).length;
    const off = await call(srv.url, 'POST', '/pro/restart', { body: { 'openvidu.cdr': false } });
    assert.equal(off.status, 200, off.text);
    const s1 = await sessionWithToken(srv.url);
    srv.sessions.leave(srv.sessions.join(s1.sessionId, { token: s1.token }));
    assert.equal((await lines()).length, before);
    assert.equal((await call(srv.url, 'POST', '/pro/restart', { body: { 'openvidu.cdr': true } })).status, 200);
    const s2 = await sessionWithToken(srv.url);
    srv.sessions.leave(srv.sessions.join(s2.sessionId, { token: s2.token }));
    const got = await since(before);
    assert.equal(got.length, 4);
    assert.ok(got.every((l) => Object.values(l)[0].sessionId === s2.sessionId));
  });
});

void describe('CDR off (the default)', () => {
  void it('writes nothing and GET /cdr is an empty array', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ov-cdr-off-'));
    const srv = await boot({ OPENVIDU_CDR_PATH: join(root, 'cdr') });
    try {
      const { sessionId, token } = await sessionWithToken(srv.url);
      srv.sessions.leave(srv.sessions.join(sessionId, { token }));
      await srv.app.get(CdrFileWriter).flush();
      const r = await call(srv.url, 'GET', '/cdr');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), []);
      assert.equal(existsSync(join(root, 'cdr')), false);
    } finally {
      await srv.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
