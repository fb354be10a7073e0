import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { CAMERA, FakePlacer, fakeConfig } from '../testing/fakes.js';
import type { OpenViduConfig } from '../config/config.schema.js';
import * as E from './session-errors.js';
import { SessionEvents as EV } from './session-events.js';
import { SessionsService } from './sessions.service.js';
import type { Role } from './session.types.js';

function model(overrides: Partial<OpenViduConfig> = {}) {
  const events = new EventEmitter2({ wildcard: true });
  const placer = new FakePlacer();
  const config = fakeConfig(overrides);
  const sessions = new SessionsService(config, events, placer);
  const seen: Array<{ name: string; payload: Record<string, unknown> }> = [];
  events.onAny((name, payload) => void seen.push({ name: String(name), payload: payload as Record<string, unknown> }));
  const names = () => seen.map((e) => e.name);
  /** A session with one fresh token per role asked for. */
  const session = (...roles: Role[]) => {
    const s = sessions.createSession();
    const tokens = roles.map((role) => sessions.generateToken(s.sessionId, { role, data: `${role} data` }).token);
    return { sessionId: s.sessionId, tokens };
  };
  const join = (sessionId: string, role: Role = 'PUBLISHER') =>
    sessions.join(sessionId, { token: sessions.generateToken(sessionId, { role, data: '' }).token });
  return { sessions, events, placer, config, seen, names, session, join };
}

void describe('SessionsService (the session model and its rules)', () => {
  void describe('sessions and tokens', () => {
    void it('creates idle sessions with generated or custom ids; a taken custom id is refused', () => {
      const { sessions, names } = model();
      const a = sessions.createSession();
      assert.match(a.sessionId, /^[a-z0-9]{16}$/);
      assert.equal(a.state, 'idle');
      const b = sessions.createSession({ customSessionId: 'custom' });
      assert.equal(b.sessionId, 'custom');
      assert.throws(() => sessions.createSession({ customSessionId: 'custom' }), E.SessionExistsError);
      assert.deepEqual(names(), [EV.Initialized, EV.Initialized]);
    });

    void it('refuses a session past openvidu.sessions.max (REST and admin joins alike)', () => {
      const { sessions } = model({ 'openvidu.sessions.max': 2 });
      sessions.createSession();
      sessions.createSession();
      assert.throws(() => sessions.createSession(), E.SessionLimitError);
      assert.throws(() => sessions.join('made-by-join', { token: '', admin: true }), E.SessionLimitError);
    });

    void it('a token is single-use, bound to its session, and gives its role and data', () => {
      const { sessions, session } = model();
      const { sessionId, tokens } = session('MODERATOR');
      const other = sessions.createSession();
      assert.throws(() => sessions.join(other.sessionId, { token: tokens[0] }), E.UnauthorizedError);
      assert.equal(sessions.peekToken(sessionId, tokens[0]).role, 'MODERATOR');
      const p = sessions.join(sessionId, { token: tokens[0], clientData: 'client' });
      assert.equal(p.role, 'MODERATOR');
      assert.equal(p.serverData, 'MODERATOR data');
      assert.equal(p.fullMetadata, 'client%/%MODERATOR data');
      assert.ok(p.isModerator && p.canPublish);
      assert.throws(() => sessions.join(sessionId, { token: tokens[0] }), E.UnauthorizedError);
      assert.throws(() => sessions.peekToken(sessionId, tokens[0]), E.UnauthorizedError);
      assert.throws(
        () => sessions.join(sessionId, { token: 'wss://x?sessionId=a&token=nosuchtoken' }),
        E.UnauthorizedError,
      );
    });

    void it('no token for a session that is closing or gone', () => {
      const { sessions } = model();
      assert.throws(() => sessions.generateToken('nope', { role: 'PUBLISHER', data: '' }), E.SessionNotFoundError);
      const s = sessions.createSession();
      sessions.closeSession(s.sessionId, 'sessionClosedByServer');
      assert.throws(() => sessions.generateToken(s.sessionId, { role: 'PUBLISHER', data: '' }), E.SessionNotFoundError);
    });
  });

  void describe('join and placement', () => {
    void it('the first join places the session once and emits session.activated before participant.joined', () => {
      const { sessions, placer, session, names, join } = model();
      const { sessionId, tokens } = session('PUBLISHER');
      const a = sessions.join(sessionId, { token: tokens[0], platform: 'Chrome' });
      const b = join(sessionId);
      assert.deepEqual(placer.placed, [sessionId]);
      assert.equal(placer.attached.get(sessionId), sessions.get(sessionId));
      assert.equal(sessions.get(sessionId)?.mediaServerId, placer.mediaServerId);
      assert.deepEqual(names(), [EV.Initialized, EV.Activated, EV.ParticipantJoined, EV.ParticipantJoined]);
      assert.notEqual(a.connectionId, b.connectionId);
      assert.equal(a.location, 'unknown');
    });

    void it('a failed placement refuses the join (204) and forgets a session the join itself created', () => {
      const { sessions, placer, session } = model();
      placer.failing = new Error('no media server');
      const { sessionId, tokens } = session('PUBLISHER');
      const e = assert.throws(() => sessions.join(sessionId, { token: tokens[0] }), E.SessionPlacementError);
      void e;
      assert.equal(sessions.get(sessionId)?.state, 'idle', 'a REST-made session stays, still idle');
      assert.throws(
        () => sessions.join('by-admin', { token: '', admin: true }),
        (err: E.SessionModelError) => {
          assert.ok(err instanceof E.SessionPlacementError);
          assert.equal(err.rpcCode, 204);
          assert.equal(err.message, "There is no available media server where to initialize session 'by-admin'");
          return true;
        },
      );
      assert.equal(sessions.get('by-admin'), undefined);
    });

    void it('a secret join needs no token, makes a recordingMode ALWAYS session and a hidden RECORDER', () => {
      const { sessions } = model();
      const admin = sessions.join('admin-made', { token: 'wss://h:4443?sessionId=admin-made&secret=S', admin: true });
      assert.ok(admin.isModerator);
      assert.equal(admin.role, 'PUBLISHER');
      assert.equal(admin.token, 'wss://h:4443?sessionId=admin-made');
      assert.equal(sessions.get('admin-made')?.properties.recordingMode, 'ALWAYS');
      const rec = sessions.join('admin-made', { token: '', admin: true, recorder: true });
      assert.equal(rec.connectionId, 'RECORDER');
      assert.ok(rec.recorder);
      const json = sessions.get('admin-made')!.toJson() as { connections: { numberOfElements: number } };
      assert.equal(json.connections.numberOfElements, 1, 'the RECORDER is not shown');
      assert.throws(() => sessions.join('a&b', { token: '', admin: true }), E.InvalidSessionIdError);
    });

    void it('nobody joins a closing session', () => {
      const { sessions, events, session, join } = model();
      const { sessionId, tokens } = session('PUBLISHER', 'PUBLISHER');
      sessions.join(sessionId, { token: tokens[0] });
      let refused: unknown;
      // While the session is being closed, its listeners see it closing: a join then is refused.
      events.once(EV.ParticipantLeft, () => {
        try {
          sessions.join(sessionId, { token: tokens[1] });
        } catch (e) {
          refused = e;
        }
      });
      sessions.closeSession(sessionId, 'sessionClosedByServer');
      assert.ok(refused instanceof E.SessionClosedError);
      assert.throws(() => join(sessionId), E.SessionNotFoundError);
    });
  });

  void describe('publish', () => {
    void it('roles: SUBSCRIBER and RECORDER may not publish (401, 2.11 wording); PUBLISHER, MODERATOR and admin may', () => {
      const { sessions, join } = model();
      const s = sessions.createSession();
      const sub = join(s.sessionId, 'SUBSCRIBER');
      assert.throws(
        () => sessions.publish(sub, CAMERA),
        (e: E.SessionModelError) =>
          e instanceof E.UnauthorizedError &&
          e.rpcCode === 401 &&
          e.message === 'Unable to publish video. The user does not have a valid token',
      );
      for (const role of ['PUBLISHER', 'MODERATOR'] as const) {
        assert.match(sessions.publish(join(s.sessionId, role), CAMERA).streamId, /^[a-z0-9]{16}_CAMERA_[A-Z]{5}$/);
      }
      const admin = sessions.join(s.sessionId, { token: '', admin: true });
      assert.match(sessions.publish(admin, { ...CAMERA, hasVideo: false }).streamId, /_MICRO_[A-Z]{5}$/);
      const rec = sessions.join(s.sessionId, { token: '', admin: true, recorder: true });
      assert.throws(() => sessions.assertCanPublish(rec), E.UnauthorizedError);
    });

    void it('one stream per connection; publish tells everyone else and keeps the SDP pair', () => {
      const { sessions, join, seen } = model();
      const s = sessions.createSession();
      const a = join(s.sessionId);
      const b = join(s.sessionId);
      const stream = sessions.publish(a, CAMERA, { remoteSdp: 'offer', localSdp: 'answer' });
      assert.throws(
        () => sessions.publish(a, CAMERA),
        (e: E.SessionModelError) => e.rpcCode === 303,
      );
      const published = seen.find((e) => e.name === EV.StreamPublished)!.payload;
      assert.deepEqual(published.notify, [b.connectionId]);
      assert.equal(stream.webrtc.remoteSdp, 'offer');
      assert.equal(stream.webrtc.localSdp, 'answer');
      assert.equal(stream.webrtc.webrtcEndpointName, stream.streamId);
    });

    void it('what the session JSON shows follows the model: cached text is dropped on every change', () => {
      const { sessions, join } = model();
      const s = sessions.createSession();
      const a = join(s.sessionId);
      const before = s.jsonText();
      const stream = sessions.publish(a, CAMERA);
      assert.notEqual(s.jsonText(), before);
      const published = s.jsonText();
      sessions.updateStream(s.sessionId, stream.streamId, { audioActive: false });
      assert.equal(stream.mediaOptions.audioActive, false);
      assert.equal(stream.initialMedia.audioActive, true, 'what publish carried is kept for CDR');
      assert.notEqual(s.jsonText(), published);
      assert.throws(() => sessions.updateStream(s.sessionId, 'nope', { audioActive: true }), E.NotStreamingError);
    });
  });

  void describe('the subscribe rule (KurentoSessionManager#subscribe, KurentoParticipant#receiveMediaFrom)', () => {
    const failsWith = (fn: () => unknown, code: number, message: string) =>
      assert.throws(fn, (e: E.SessionModelError) => {
        assert.ok(e instanceof E.SessionModelError, String(e));
        assert.deepEqual([e.rpcCode, e.message], [code, message]);
        return true;
      });

    void it('answers with the codes and messages of 2.11, checked in its order', () => {
      const { sessions, join } = model();
      const s = sessions.createSession();
      const id = s.sessionId;
      const pub = join(id);
      const sub = join(id, 'SUBSCRIBER');
      failsWith(
        () => sessions.assertCanSubscribe(sub, 'nobody00nobody00_CAMERA_AAAAA'),
        102,
        `User 'nobody00nobody00 not found in session '${id}'`,
      );
      failsWith(
        () => sessions.assertCanSubscribe(sub, `${pub.connectionId}_CAMERA_AAAAA`),
        105,
        `User '${pub.connectionId} not streaming media in session '${id}'`,
      );
      const stream = sessions.publish(pub, CAMERA);
      failsWith(
        () => sessions.assertCanSubscribe(sub, `${pub.connectionId}_CAMERA_STALE`),
        105,
        `User '${pub.connectionId} not streaming media in session '${id}'`,
      );
      failsWith(
        () => sessions.assertCanSubscribe(pub, stream.streamId),
        105,
        'Can loopback only when publishing media',
      );
      assert.equal(sessions.assertCanSubscribe(sub, stream.streamId), stream);
      assert.equal(sessions.assertCanSubscribe(sub, pub.connectionId), stream, 'a bare connectionId names its stream');
      sessions.subscribe(sub, stream.streamId);
      failsWith(
        () => sessions.subscribe(sub, stream.streamId),
        302,
        `Unable to generate SDP answer when subscribing '${sub.connectionId}' to '${pub.connectionId}'`,
      );
      failsWith(
        () => sessions.assertCanSubscribe({ sessionId: id, connectionId: 'gone' }, stream.streamId),
        102,
        "Connection 'gone' not found",
      );
    });

    void it('subscribe registers the subscription once the rule passes; unsubscribe is true once', () => {
      const { sessions, join, names } = model();
      const s = sessions.createSession();
      const pub = join(s.sessionId);
      const sub = join(s.sessionId, 'SUBSCRIBER');
      const stream = sessions.publish(pub, CAMERA);
      const subscription = sessions.subscribe(sub, stream.streamId, { remoteSdp: 'o', localSdp: 'a' });
      assert.equal(subscription.webrtc.webrtcEndpointName, `${sub.connectionId}_${stream.streamId}`);
      assert.equal(subscription.webrtc.localSdp, 'a');
      assert.equal(s.streamCount(), 2);
      assert.equal(names().at(-1), EV.StreamSubscribed);
      assert.equal(sessions.unsubscribe(sub, stream.streamId), true);
      assert.equal(sessions.unsubscribe(sub, stream.streamId), false);
      assert.equal(names().at(-1), EV.StreamUnsubscribed);
    });
  });

  void describe('departures', () => {
    void it('unpublish ends the stream, then every subscription to it', () => {
      const { sessions, join, seen } = model();
      const s = sessions.createSession();
      const [a, b, c] = [join(s.sessionId), join(s.sessionId), join(s.sessionId)];
      const stream = sessions.publish(a, CAMERA);
      sessions.subscribe(b, stream.streamId);
      sessions.subscribe(c, a.connectionId);
      seen.length = 0;
      sessions.unpublish(a);
      assert.deepEqual(
        seen.map((e) => [e.name, e.payload.reason]),
        [
          [EV.StreamUnpublished, 'unpublish'],
          [EV.StreamUnsubscribed, 'unpublish'],
          [EV.StreamUnsubscribed, 'unpublish'],
        ],
      );
      assert.throws(() => sessions.unpublish(a), E.NotStreamingError);
      assert.throws(() => sessions.forceUnpublish(s.sessionId, stream.streamId), E.NotStreamingError);
    });

    void it('a forced departure: subscriptions to it, its own, its stream, left, then evicted', () => {
      const { sessions, join, seen } = model();
      const s = sessions.createSession();
      const [a, b] = [join(s.sessionId), join(s.sessionId)];
      const sa = sessions.publish(a, CAMERA);
      const sb = sessions.publish(b, CAMERA);
      sessions.subscribe(b, sa.streamId);
      sessions.subscribe(a, sb.streamId);
      seen.length = 0;
      sessions.forceDisconnect(s.sessionId, a.connectionId);
      assert.deepEqual(
        seen.map((e) => e.name),
        [EV.StreamUnsubscribed, EV.StreamUnsubscribed, EV.StreamUnpublished, EV.ParticipantLeft, EV.ParticipantEvicted],
      );
      assert.equal(seen[2].payload.leaving, true);
      const evicted = seen[4].payload;
      assert.equal(evicted.reason, 'forceDisconnectByServer');
      assert.deepEqual(evicted.notify, [a.connectionId, b.connectionId]);
      assert.throws(() => sessions.forceDisconnect(s.sessionId, a.connectionId), E.ParticipantNotFoundError);
      assert.throws(() => sessions.forceDisconnect('nope', a.connectionId), E.SessionNotFoundError);
    });

    void it('the RECORDER cannot be force-disconnected', () => {
      const { sessions } = model();
      sessions.join('rec', { token: '', admin: true });
      sessions.join('rec', { token: '', admin: true, recorder: true });
      assert.throws(() => sessions.forceDisconnect('rec', 'RECORDER'), E.ParticipantNotFoundError);
    });

    void it('the last one leaving closes the session and releases its placement; its token goes with it', () => {
      const { sessions, join, placer, seen, session } = model();
      const { sessionId, tokens } = session('PUBLISHER');
      const a = sessions.join(sessionId, { token: tokens[0] });
      const b = join(sessionId);
      sessions.leave(a);
      assert.ok(sessions.get(sessionId));
      assert.throws(() => sessions.join(sessionId, { token: tokens[0] }), E.UnauthorizedError);
      seen.length = 0;
      sessions.leave(b, 'networkDisconnect');
      assert.equal(sessions.get(sessionId), undefined);
      assert.deepEqual(placer.released, [sessionId]);
      assert.deepEqual(
        seen.map((e) => [e.name, e.payload.reason]),
        [
          [EV.ParticipantLeft, 'networkDisconnect'],
          [EV.Closed, 'networkDisconnect'],
        ],
      );
      assert.equal(seen[1].payload.wasActive, true);
      assert.throws(() => sessions.leave(b), E.ParticipantNotFoundError);
    });

    void it('a session being recorded outlives its last participant', () => {
      const { sessions, join } = model();
      const s = sessions.createSession();
      const a = join(s.sessionId);
      sessions.setRecording(s.sessionId, true);
      sessions.leave(a);
      assert.equal(sessions.get(s.sessionId)?.state, 'active');
      sessions.closeSession(s.sessionId, 'recordingStoppedByServer');
      assert.equal(sessions.get(s.sessionId), undefined);
    });

    void it('closeSession evicts everyone, then the session is gone; a never-joined session closes without wasActive', () => {
      const { sessions, join, seen } = model();
      const s = sessions.createSession();
      join(s.sessionId);
      join(s.sessionId);
      const idle = sessions.createSession();
      seen.length = 0;
      sessions.closeSession(s.sessionId, 'sessionClosedByServer');
      assert.throws(() => sessions.closeSession(s.sessionId, 'sessionClosedByServer'), E.SessionNotFoundError);
      assert.deepEqual(
        seen.map((e) => e.name),
        [EV.ParticipantLeft, EV.ParticipantEvicted, EV.ParticipantLeft, EV.ParticipantEvicted, EV.Closed],
      );
      seen.length = 0;
      sessions.closeSession(idle.sessionId, 'sessionClosedByServer');
      assert.deepEqual(
        seen.map((e) => [e.name, e.payload.wasActive]),
        [[EV.Closed, false]],
      );
    });

    void it('removeIdleSessions removes only never-joined sessions old enough', () => {
      const { sessions, join } = model();
      const old = sessions.createSession();
      const joined = sessions.createSession();
      join(joined.sessionId);
      assert.deepEqual(sessions.removeIdleSessions(old.createdAt - 1), []);
      assert.deepEqual(sessions.removeIdleSessions(Date.now()), [old.sessionId]);
      assert.ok(sessions.get(joined.sessionId));
    });

    void it('shutdown closes every session with openviduServerStopped', () => {
      const { sessions, join, seen } = model();
      join(sessions.createSession().sessionId);
      sessions.createSession();
      seen.length = 0;
      sessions.onModuleDestroy();
      assert.equal(sessions.list().length, 0);
      assert.deepEqual(
        seen.filter((e) => e.name === EV.Closed).map((e) => e.payload.reason),
        ['openviduServerStopped', 'openviduServerStopped'],
      );
    });

    void it('a listener that throws never leaves the model half-changed', () => {
      const { sessions, events, join } = model();
      const s = sessions.createSession();
      events.on(EV.ParticipantJoined, () => {
        throw new Error('listener bug');
      });
      const a = join(s.sessionId);
      assert.equal(sessions.participant(a), a);
    });
  });

  void describe('webRtcStats, written only through the model', () => {
    void it('endpoint events and ICE candidates reach the stream or the subscription they belong to', () => {
      const { sessions, join } = model({ 'openvidu.sessions.max-ice-candidates': 2 });
      const s = sessions.createSession();
      const pub = join(s.sessionId);
      const sub = join(s.sessionId);
      const stream = sessions.publish(pub, CAMERA);
      const subscription = sessions.subscribe(sub, stream.streamId);
      const created = Date.now() - 10;
      sessions.recordEndpointEvent(pub, stream.streamId, 'MediaFlowInStateChanged', { state: 'FLOWING' }, created);
      sessions.recordEndpointEvent(sub, stream.streamId, 'IceGatheringDone', { timestampMillis: created + 5 }, created);
      assert.equal(stream.webrtc.events[0].type, 'MediaFlowInStateChange', 'Kurento 6 names, as 2.11 shows');
      assert.deepEqual(subscription.webrtc.events, [
        { type: 'IceGatheringDone', timestamp: created + 5, msSinceEndpointCreation: 5 },
      ]);
      for (const n of [1, 2, 3]) sessions.recordIceCandidate(pub, pub.connectionId, { candidate: `c${n}` });
      sessions.recordIceCandidate(sub, pub.connectionId, { candidate: 'sub' });
      assert.deepEqual(stream.webrtc.receivedCandidates, [{ candidate: 'c2' }, { candidate: 'c3' }]);
      assert.deepEqual(subscription.webrtc.receivedCandidates, [{ candidate: 'sub' }]);
      const json = s.toJson(true) as { connections: { content: Array<{ publishers: unknown[] }> } };
      assert.equal((json.connections.content[0].publishers[0] as { localSdp: null }).localSdp, null);
    });

    void it('events of an ended stream, or of a stream since replaced, are dropped', () => {
      const { sessions, join } = model();
      const s = sessions.createSession();
      const pub = join(s.sessionId);
      const first = sessions.publish(pub, CAMERA);
      sessions.unpublish(pub);
      sessions.recordEndpointEvent(pub, first.streamId, 'Error', {}, Date.now());
      const second = sessions.publish(pub, CAMERA);
      sessions.recordEndpointEvent(pub, first.streamId, 'Error', {}, Date.now());
      assert.equal(first.webrtc.events.length + second.webrtc.events.length, 0);
      sessions.recordEndpointEvent({ sessionId: 'gone', connectionId: 'x' }, 'x_CAMERA_AAAAA', 'Error', {}, 0);
    });
  });
});
