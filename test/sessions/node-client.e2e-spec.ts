// openvidu-node-client 2.11.0 (what application backends use) against the running server over HTTPS
// with its self-signed certificate: every call it makes on the community REST API (docs/clients.md §1).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenVidu, OpenViduRole, type Session } from 'openvidu-node-client';
import { boot, type Harness } from '../support/boot.js';
import { CAMERA, SECRET } from '../support/fixtures.js';
import { acceptSelfSignedCertificates, call } from '../support/http.js';

void describe('openvidu-node-client 2.11.0 (docs/openvidu-api.md §2.2–2.8, docs/clients.md §1)', () => {
  let srv: Harness;
  let ov: OpenVidu;
  const quiet = { log: console.log, warn: console.warn };
  let verifyAgain: () => void;

  before(async () => {
    verifyAgain = acceptSelfSignedCertificates();
    srv = await boot({ SERVER_SSL_ENABLED: 'true', OPENVIDU_PUBLICURL: 'local' });
    ov = new OpenVidu(srv.url, SECRET);
    // The client logs every call on stdout; keep the test report readable.
    console.log = () => undefined;
    console.warn = () => undefined;
  });
  after(async () => {
    console.log = quiet.log;
    console.warn = quiet.warn;
    await srv.close();
    verifyAgain();
  });

  const exists = async (id: string) => (await call(srv.url, 'GET', `/api/sessions/${id}`)).status === 200;
  const rejection = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return (e as Error).message;
    }
    return 'resolved';
  };

  void it('createSession() with a random id, then Session.fetch() reports no change', async () => {
    const session = await ov.createSession();
    assert.match(session.sessionId, /^[a-z0-9]{16}$/);
    assert.ok(session.createdAt > 0);
    assert.ok(await exists(session.sessionId));
    assert.equal(await session.fetch(), false);
  });

  void it('createSession({customSessionId}) and again with the same id (409 is success for the client)', async () => {
    const first = await ov.createSession({ customSessionId: 'node-client-custom' });
    assert.equal(first.sessionId, 'node-client-custom');
    const second = await ov.createSession({ customSessionId: 'node-client-custom' });
    assert.equal(second.sessionId, 'node-client-custom');
    const list = (await call(srv.url, 'GET', '/api/sessions')).json<{ content: { sessionId: string }[] }>();
    assert.equal(list.content.filter((s) => s.sessionId === 'node-client-custom').length, 1);
  });

  void it('generateToken() for each role returns a usable single-use token string', async () => {
    const session = await ov.createSession();
    for (const role of [OpenViduRole.SUBSCRIBER, OpenViduRole.PUBLISHER, OpenViduRole.MODERATOR]) {
      const token = await session.generateToken({ role, data: `data-${role}` });
      assert.match(
        token,
        new RegExp(
          `^wss://localhost:\\d+\\?sessionId=${session.sessionId}&token=[a-z0-9]{16}&role=${role}&version=2\\.11\\.0$`,
        ),
      );
      const p = srv.sessions.join(session.sessionId, { token, platform: 'node' });
      assert.equal(p.role, role);
      assert.equal(p.serverData, `data-${role}`);
      assert.throws(() => srv.sessions.join(session.sessionId, { token, platform: 'node' }), /not authorized/);
    }
    const dflt = await session.generateToken();
    assert.match(dflt, /&role=PUBLISHER&/);
  });

  void it('Session.fetch() and OpenVidu.fetch() see joins and streams, and report false when nothing changed', async () => {
    const session = await ov.createSession();
    await ov.fetch();
    assert.equal(await ov.fetch(), false);
    const token = await session.generateToken();
    const p = srv.sessions.join(session.sessionId, { token, platform: 'Chrome', clientData: 'me' });
    assert.equal(await session.fetch(), true);
    assert.equal(await session.fetch(), false);
    assert.equal(session.activeConnections.length, 1);
    const conn = session.activeConnections[0];
    assert.equal(conn.connectionId, p.connectionId);
    assert.equal(conn.clientData, 'me');
    assert.equal(conn.location, 'unknown');
    srv.sessions.publish(p, CAMERA);
    assert.equal(await ov.fetch(), true);
    assert.equal(await ov.fetch(), false);
    const fetched = ov.activeSessions.find((s) => s.sessionId === session.sessionId)!;
    const pub = fetched.activeConnections[0].publishers[0];
    assert.equal(pub.streamId, p.publisher!.streamId);
    assert.equal(pub.hasVideo, true);
    assert.equal(pub.typeOfVideo, 'CAMERA');
  });

  void it('forceUnpublish and forceDisconnect of real ones resolve and update the client and the server', async () => {
    const session = await ov.createSession();
    const a = srv.sessions.join(session.sessionId, { token: await session.generateToken(), platform: 'A' });
    const b = srv.sessions.join(session.sessionId, { token: await session.generateToken(), platform: 'B' });
    const stream = srv.sessions.publish(a, CAMERA);
    srv.sessions.subscribe(b, stream.streamId);
    await session.fetch();
    const publisher = session.activeConnections.find((c) => c.connectionId === a.connectionId)!.publishers[0];
    await session.forceUnpublish(publisher);
    assert.equal(a.publisher, null);
    assert.equal(b.subscriptions.size, 0);
    const conn = session.activeConnections.find((c) => c.connectionId === b.connectionId)!;
    await session.forceDisconnect(conn);
    assert.deepEqual(
      session.activeConnections.map((c) => c.connectionId),
      [a.connectionId],
    );
    assert.equal(srv.sessions.get(session.sessionId)!.participants.has(b.connectionId), false);
    assert.equal(await session.fetch(), false);
  });

  void it('forceDisconnect / forceUnpublish on unknown ids reject with 404, on an unknown session with 400', async () => {
    const session = await ov.createSession();
    srv.sessions.join(session.sessionId, { token: await session.generateToken(), platform: 'A' });
    assert.equal(await rejection(session.forceDisconnect('nobody00nobody00')), '404');
    assert.equal(await rejection(session.forceUnpublish('nobody00nobody00_CAMERA_ABCDE')), '404');
    await session.close();
    assert.equal(await rejection(session.forceDisconnect('nobody00nobody00')), '400');
    assert.equal(await rejection(session.forceUnpublish('nobody00nobody00_CAMERA_ABCDE')), '400');
  });

  void it('Session.close() deletes it (then 404), and OpenVidu.fetch() drops it', async () => {
    const session: Session = await ov.createSession();
    await ov.fetch();
    assert.ok(ov.activeSessions.some((s) => s.sessionId === session.sessionId));
    await session.close();
    assert.equal(await exists(session.sessionId), false);
    assert.equal(await rejection(session.close()), '404');
    await ov.fetch();
    assert.ok(!ov.activeSessions.some((s) => s.sessionId === session.sessionId));
    assert.equal(await rejection(session.generateToken()), '404');
  });
});
