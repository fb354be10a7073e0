// The session model as the signalling layer drives it, inside the real app with an emulated KMS:
// tokens, placement on a media server, publish/subscribe rules, departures and their events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { MediaServersService } from '../../src/media-servers/media-servers.service.js';
import * as E from '../../src/sessions/session-errors.js';
import { SessionEvents } from '../../src/sessions/session-events.js';
import { createToken, sessionWithToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { AUDIO_ONLY, CAMERA } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { until } from '../support/poll.js';

type Seen = { name: string; payload: Record<string, unknown> };

void describe('session model (docs/openvidu-api.md §2.6–2.8, §6, §7 placement, §8 join rules)', () => {
  let srv: Harness;
  let pool: MediaServersService;
  let seen: Seen[] = [];

  before(async () => {
    srv = await boot({ OPENVIDU_PRO_CLUSTER: 'true' });
    pool = srv.app.get(MediaServersService);
    const emitter = srv.app.get(EventEmitter2);
    for (const name of Object.values(SessionEvents)) {
      emitter.on(name, (payload: Record<string, unknown>) => seen.push({ name, payload }));
    }
  });
  after(() => srv.close());

  const names = () => seen.map((s) => s.name);

  void it('a token is single use, bound to its session, and refused once its participant left', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    const other = await sessionWithToken(srv.url);
    assert.throws(() => srv.sessions.join(other.sessionId, { token }), E.UnauthorizedError);
    assert.throws(() => srv.sessions.join(sessionId, { token: 'wss://x?sessionId=a&token=zzzz' }), E.UnauthorizedError);
    const second = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId) });
    const p = srv.sessions.join(sessionId, { token });
    const err = (() => {
      try {
        srv.sessions.join(sessionId, { token });
      } catch (e) {
        return e as E.SessionModelError;
      }
    })();
    assert.ok(err instanceof E.UnauthorizedError);
    assert.equal(err.rpcCode, 401);
    srv.sessions.leave(p, 'disconnect');
    assert.throws(() => srv.sessions.join(sessionId, { token }), E.UnauthorizedError);
    srv.sessions.leave(second, 'disconnect');
  });

  void it('the list routes show every change at once, with the JSON a fresh serialisation writes', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    const listed = async () => {
      const reply = await call(srv.url, 'GET', '/api/sessions');
      assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
      const all = reply.json<{ content: { sessionId: string }[] }>();
      const servers = (await call(srv.url, 'GET', '/pro/media-servers?sessions=true')).json<{
        content: { sessions: { sessionId: string }[] }[];
      }>();
      const fromServers = servers.content.flatMap((m) => m.sessions).find((x) => x.sessionId === sessionId);
      const one = (await call(srv.url, 'GET', `/api/sessions/${sessionId}`)).json<unknown>();
      const fresh = JSON.parse(JSON.stringify(srv.sessions.get(sessionId)!.toJson())) as unknown;
      const fromList = all.content.find((x) => x.sessionId === sessionId);
      assert.deepEqual(fromList, fresh, 'GET /api/sessions');
      assert.deepEqual(one, fresh, 'GET /api/sessions/<id>');
      // Only placed sessions are on a media server.
      if (fromServers || srv.sessions.get(sessionId)!.isActive) assert.deepEqual(fromServers, fresh, 'media servers');
      return fresh as { connections: { content: { publishers: unknown[]; subscribers: unknown[] }[] } };
    };
    assert.equal((await listed()).connections.content.length, 0);
    const a = srv.sessions.join(sessionId, { token });
    const b = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId) });
    assert.equal((await listed()).connections.content.length, 2);
    const stream = srv.sessions.publish(a, CAMERA);
    assert.equal((await listed()).connections.content[0].publishers.length, 1);
    srv.sessions.subscribe(b, stream.streamId);
    assert.equal((await listed()).connections.content[1].subscribers.length, 1);
    srv.sessions.updateStream(sessionId, stream.streamId, { audioActive: false });
    const muted = await listed();
    assert.equal(
      (muted.connections.content[0].publishers[0] as { mediaOptions: { audioActive: boolean } }).mediaOptions
        .audioActive,
      false,
    );
    srv.sessions.setRecording(sessionId, true);
    assert.equal(((await listed()) as unknown as { recording: boolean }).recording, true);
    srv.sessions.setRecording(sessionId, false);
    srv.sessions.unsubscribe(b, stream.streamId);
    assert.equal((await listed()).connections.content[1].subscribers.length, 0);
    srv.sessions.unpublish(a, 'unpublish');
    assert.equal((await listed()).connections.content[0].publishers.length, 0);
    srv.sessions.leave(b, 'disconnect');
    assert.equal((await listed()).connections.content.length, 1);
    srv.sessions.leave(a, 'disconnect');
  });

  void it('the first join places the session on a media server, which lists it until it closes', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    assert.equal(srv.sessions.get(sessionId)!.mediaServerId, null);
    seen = [];
    const p = srv.sessions.join(sessionId, { token, platform: 'Chrome' });
    const session = srv.sessions.get(sessionId)!;
    const [server] = pool.list();
    assert.equal(session.mediaServerId, server.id);
    assert.deepEqual(names(), ['session.activated', 'participant.joined']);
    assert.equal(seen[0].payload.mediaServerId, server.id);
    const view = await call(srv.url, 'GET', `/pro/media-servers/${server.id}?sessions=true`);
    const hosted = view.json<{ sessions: { sessionId: string }[] }>().sessions;
    assert.deepEqual(
      hosted.map((s) => s.sessionId),
      [sessionId],
    );
    assert.deepEqual(hosted[0], (await call(srv.url, 'GET', `/api/sessions/${sessionId}`)).json());
    srv.sessions.publish(p, CAMERA);
    assert.equal(session.streamCount(), 1);
    srv.sessions.leave(p, 'disconnect');
    assert.equal(srv.sessions.get(sessionId), undefined);
    assert.equal(pool.list()[0].sessions.length, 0);
    const closed = seen.find((s) => s.name === 'session.closed')!.payload;
    assert.equal(closed.reason, 'disconnect');
    assert.equal(closed.wasActive, true);
  });

  void it('with no media server the join fails (rpc 204), keeps the token, and works once one is back', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    await srv.emus[0].down();
    await until('the media server to be seen down', () => pool.connectedCount() === 0);
    const err = (() => {
      try {
        srv.sessions.join(sessionId, { token });
      } catch (e) {
        return e as E.SessionModelError;
      }
    })();
    assert.ok(err instanceof E.SessionPlacementError, String(err));
    assert.equal(err.rpcCode, 204);
    assert.equal(srv.sessions.get(sessionId)!.state, 'idle');
    await srv.emus[0].up();
    await until('the media server to reconnect', () => pool.connectedCount() === 1);
    const p = srv.sessions.join(sessionId, { token });
    assert.equal(srv.sessions.get(sessionId)!.state, 'active');
    srv.sessions.leave(p);
  });

  void it('roles: a SUBSCRIBER cannot publish, nobody publishes twice, nobody subscribes to a missing stream', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url, 'SUBSCRIBER');
    const sub = srv.sessions.join(sessionId, { token });
    assert.throws(() => srv.sessions.publish(sub, CAMERA), E.UnauthorizedError);
    const pub = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId, 'PUBLISHER') });
    const stream = srv.sessions.publish(pub, AUDIO_ONLY);
    assert.throws(() => srv.sessions.publish(pub, CAMERA), E.AlreadyPublishingError);
    assert.throws(() => srv.sessions.subscribe(sub, `${pub.connectionId}_CAMERA_XXXXX`), E.NotStreamingError);
    assert.throws(() => srv.sessions.subscribe(sub, 'nobody00nobody00_CAMERA_XXXXX'), E.ParticipantNotFoundError);
    assert.throws(() => srv.sessions.subscribe(pub, stream.streamId), E.NotStreamingError);
    srv.sessions.subscribe(sub, stream.streamId);
    assert.throws(() => srv.sessions.subscribe(sub, stream.streamId), E.AlreadySubscribedError);
    assert.equal(srv.sessions.unsubscribe(sub, pub.connectionId), true);
    assert.equal(srv.sessions.unsubscribe(sub, pub.connectionId), false);
    srv.sessions.closeSession(sessionId, 'sessionClosedByServer');
  });

  void it('unpublish ends every subscription to the stream, publisher first', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    const a = srv.sessions.join(sessionId, { token });
    const b = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId) });
    const c = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId) });
    const stream = srv.sessions.publish(a, CAMERA);
    srv.sessions.subscribe(b, stream.streamId);
    srv.sessions.subscribe(c, a.connectionId);
    seen = [];
    srv.sessions.unpublish(a, 'unpublish');
    assert.deepEqual(names(), ['stream.unpublished', 'stream.unsubscribed', 'stream.unsubscribed']);
    assert.deepEqual(
      seen.map((s) => s.payload.reason),
      ['unpublish', 'unpublish', 'unpublish'],
    );
    assert.equal(seen[0].payload.leaving, false);
    assert.deepEqual(seen[0].payload.notify, [a.connectionId, b.connectionId, c.connectionId]);
    assert.equal(b.subscriptions.size + c.subscriptions.size, 0);
    srv.sessions.closeSession(sessionId, 'sessionClosedByServer');
  });

  void it('REST force-disconnect reaches the model: participant.left then participant.evicted, media ended', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    const a = srv.sessions.join(sessionId, { token });
    const b = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId) });
    const stream = srv.sessions.publish(a, CAMERA);
    srv.sessions.subscribe(b, stream.streamId);
    seen = [];
    const r = await call(srv.url, 'DELETE', `/api/sessions/${sessionId}/connection/${a.connectionId}`);
    assert.equal(r.status, 204);
    assert.deepEqual(names(), ['stream.unsubscribed', 'stream.unpublished', 'participant.left', 'participant.evicted']);
    assert.equal(seen[1].payload.leaving, true);
    const evicted = seen[3].payload;
    assert.equal(evicted.connectionId, a.connectionId);
    assert.equal(evicted.reason, 'forceDisconnectByServer');
    assert.deepEqual(evicted.notify, [a.connectionId, b.connectionId]);
    assert.deepEqual(seen[2].payload.remaining, [b.connectionId]);
    assert.ok(srv.sessions.get(sessionId), 'one participant is left, the session stays');
    srv.sessions.closeSession(sessionId, 'sessionClosedByServer');
  });

  void it('REST session DELETE evicts everyone with sessionClosedByServer, then closes once', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    const a = srv.sessions.join(sessionId, { token });
    const b = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId) });
    seen = [];
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${sessionId}`)).status, 204);
    assert.deepEqual(names(), [
      'participant.left',
      'participant.evicted',
      'participant.left',
      'participant.evicted',
      'session.closed',
    ]);
    assert.deepEqual(
      seen.filter((s) => s.name === 'participant.evicted').map((s) => [s.payload.connectionId, s.payload.reason]),
      [
        [a.connectionId, 'sessionClosedByServer'],
        [b.connectionId, 'sessionClosedByServer'],
      ],
    );
    assert.equal(seen[4].payload.reason, 'sessionClosedByServer');
  });

  void it('a media-server loss closes the hosted session with mediaServerDisconnect', async () => {
    const { sessionId, token } = await sessionWithToken(srv.url);
    srv.sessions.join(sessionId, { token });
    seen = [];
    await pool.list()[0].sessions[0].close('mediaServerDisconnect');
    assert.equal(srv.sessions.get(sessionId), undefined);
    assert.deepEqual(
      seen.map((s) => [s.name, s.payload.reason]),
      [
        ['participant.left', 'mediaServerDisconnect'],
        ['participant.evicted', 'mediaServerDisconnect'],
        ['session.closed', 'mediaServerDisconnect'],
      ],
    );
  });

  void it('a secret join needs no token, creates the session (ALWAYS) and the RECORDER stays hidden', async () => {
    const admin = srv.sessions.join('admin-made', {
      token: 'wss://localhost:4443?sessionId=admin-made&secret=MY_SECRET',
      admin: true,
      platform: 'Chrome',
    });
    assert.ok(admin.isModerator);
    assert.equal(admin.token, 'wss://localhost:4443?sessionId=admin-made');
    srv.sessions.join('admin-made', { token: '', admin: true, recorder: true });
    const j = (await call(srv.url, 'GET', '/api/sessions/admin-made')).json<{
      recordingMode: string;
      connections: { numberOfElements: number; content: { connectionId: string }[] };
    }>();
    assert.equal(j.recordingMode, 'ALWAYS');
    assert.equal(j.connections.numberOfElements, 1);
    assert.deepEqual(
      j.connections.content.map((c) => c.connectionId),
      [admin.connectionId],
    );
    assert.equal((await call(srv.url, 'DELETE', '/api/sessions/admin-made')).status, 204);
  });

  void it('shutdown closes every session with openviduServerStopped', async () => {
    const other = await boot();
    const emitter = other.app.get(EventEmitter2);
    const closed: unknown[] = [];
    emitter.on(SessionEvents.Closed, (e: { reason: string }) => closed.push(e.reason));
    const { sessionId, token } = await sessionWithToken(other.url);
    other.sessions.join(sessionId, { token });
    await other.close();
    assert.deepEqual(closed, ['openviduServerStopped']);
  });
});

// Off with interval 0, passes on mock timers, re-arming on restart: src/sessions/session-garbage.collector.spec.ts.
void describe('ghost sessions (openvidu.sessions.garbage.*)', () => {
  let srv: Harness;
  before(async () => {
    srv = await boot({ OPENVIDU_SESSIONS_GARBAGE_INTERVAL: '1', OPENVIDU_SESSIONS_GARBAGE_THRESHOLD: '1' });
  });
  after(() => srv.close());

  void it('removes sessions nobody joined after the threshold, keeps joined ones', async () => {
    const ghost = await sessionWithToken(srv.url);
    const live = await sessionWithToken(srv.url);
    srv.sessions.join(live.sessionId, { token: live.token });
    await until('GC', async () => (await call(srv.url, 'GET', `/api/sessions/${ghost.sessionId}`)).status === 404);
    assert.equal((await call(srv.url, 'GET', `/api/sessions/${live.sessionId}`)).status, 200);
    const t = await call(srv.url, 'POST', '/api/tokens', { body: { session: ghost.sessionId } });
    assert.equal(t.status, 404);
  });
});
