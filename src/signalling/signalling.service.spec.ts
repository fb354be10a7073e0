import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MediaServerRequestError,
  MediaServerTimeoutError,
  MediaServerUnavailableError,
} from '../media-servers/media-servers.errors.js';
import { MEDIA_SERVER_CONNECTED, MEDIA_SERVER_RESTARTED } from '../media-servers/media-server.events.js';
import { SessionMedia } from './session-media.js';
import { SDP_OFFER, SECRET, signallingUnit } from '../testing/signalling.js';

const CANDIDATE = 'candidate:1 1 UDP 2122260223 10.0.0.2 50000 typ host';

/** The notifications a client received, as [method, params]. */
const got = (c: { socket: { notifications(m?: string): Array<{ method: string; params: unknown }> } }, m?: string) =>
  c.socket.notifications(m).map((n) => n.params as Record<string, unknown>);

void describe('SignallingService (RpcHandler over a fake media server, no socket)', () => {
  void describe('joinRoom', () => {
    void it('answers id, metadata and who is there with their streams; the others get participantJoined', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const a = await u.join(session, 'PUBLISHER', { data: 'server-a', metadata: 'client-a' });
      const streamId = await u.publish(a);
      const b = u.connect();
      const r = (await u.call(b, 'joinRoom', {
        session,
        token: u.token(session, 'SUBSCRIBER', { data: 'server-b' }),
        metadata: 'client-b',
      })) as { id: string; metadata: string; value: Array<{ id: string; metadata: string; streams?: unknown[] }> };
      assert.equal(r.metadata, 'client-b%/%server-b');
      assert.deepEqual(
        r.value.map((v) => [v.id, v.metadata, (v.streams as Array<{ id: string }>).map((s) => s.id)]),
        [[a.id, 'client-a%/%server-a', [streamId]]],
      );
      assert.deepEqual(got(a, 'participantJoined'), [
        {
          id: r.id,
          createdAt: u.sessions.participant({ sessionId: session, connectionId: r.id })!.createdAt,
          metadata: 'client-b%/%server-b',
        },
      ]);
      assert.equal(u.registry.clientOf(r.id), b.client);
      assert.equal(b.client.openviduSessionId, session);
      assert.equal(u.kms().pipelines.length, 1, 'one pipeline for the session, made on first join');
    });

    void it('refuses bad tokens, unknown sessions, a second join and long metadata with OpenVidu codes', async () => {
      const u = signallingUnit({ 'openvidu.sessions.max-metadata-length': 10 });
      const session = u.newSession();
      const c = u.connect();
      const unauthorized = 'Unable to join room. The user is not authorized';
      for (const params of [
        { session, token: 'wss://h?sessionId=x&token=nosuchtoken' },
        { session: 'nosuchsession', token: u.token(session) },
      ]) {
        const e = await u.fail(c, 'joinRoom', params);
        assert.deepEqual([e.code, e.message], [401, unauthorized]);
      }
      const long = await u.fail(c, 'joinRoom', { session, token: u.token(session), metadata: 'x'.repeat(11) });
      assert.equal(long.code, 999);
      assert.equal((await u.fail(c, 'joinRoom', { token: u.token(session) })).code, 999, 'no session param');
      await u.call(c, 'joinRoom', { session, token: u.token(session) });
      assert.equal((await u.fail(c, 'joinRoom', { session, token: u.token(session) })).code, 401);
    });

    void it('every other method before a successful joinRoom is a transport error (803); unknown ones are ignored', async () => {
      const u = signallingUnit();
      const c = u.connect();
      assert.equal((await u.fail(c, 'publishVideo', { sdpOffer: SDP_OFFER })).code, 803);
      assert.equal(await u.call(c, 'noSuchMethod'), undefined);
      assert.equal(await u.call(c, 'constructor'), undefined, 'only own handler names');
    });

    void it('the secret makes a moderator that may create the session; wrong secrets are limited per address', async () => {
      const u = signallingUnit({ 'ws.secretAttemptsPerMinute': 2 });
      const admin = u.connect('10.0.0.9');
      const r = (await u.call(admin, 'joinRoom', { session: 'made-by-admin', secret: SECRET, token: '' })) as {
        id: string;
      };
      assert.ok(u.sessions.participant({ sessionId: 'made-by-admin', connectionId: r.id })?.isModerator);
      const guesser = u.connect('10.0.0.66');
      for (let i = 0; i < 3; i++) {
        const e = await u.fail(guesser, 'joinRoom', { session: 'other', secret: `guess${i}`, token: '' });
        assert.equal(e.code, 401);
      }
      // Past the limit even the right secret is refused from that address, unchecked.
      const e = await u.fail(guesser, 'joinRoom', { session: 'other', secret: SECRET, token: '' });
      assert.equal(e.code, 401);
      const elsewhere = u.connect('10.0.0.7');
      await u.call(elsewhere, 'joinRoom', { session: 'other', secret: SECRET, token: '' });
    });

    void it('a pipeline that cannot be made refuses the join (204) and leaves no participant', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      u.kms().failPipeline = new MediaServerUnavailableError('down', 'KMS-FAKE');
      const c = u.connect();
      const e = await u.fail(c, 'joinRoom', { session, token: u.token(session) });
      assert.equal(e.code, 204);
      assert.equal(u.sessions.get(session), undefined, 'its only participant left: the session closed');
    });

    void it('a client whose socket went away while the pipeline was made leaves no ghost (803)', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const c = u.connect();
      const pending = u.call(c, 'joinRoom', { session, token: u.token(session) });
      c.client.closed = true;
      await assert.rejects(pending, (e: { code: number }) => e.code === 803);
      assert.equal(u.sessions.get(session), undefined);
    });
  });

  void describe('publishVideo', () => {
    void it('answers the SDP, tells the others, limits bandwidth from config or token and relays ICE', async () => {
      const u = signallingUnit({ 'openvidu.streams.video.max-recv-bandwidth': 700 });
      const session = u.newSession();
      const a = await u.join(session, 'PUBLISHER', { kurentoOptions: { videoMaxSendBandwidth: 123 } });
      const b = await u.join(session, 'SUBSCRIBER');
      const r = (await u.call(a, 'publishVideo', {
        sdpOffer: SDP_OFFER,
        hasAudio: true,
        hasVideo: true,
        typeOfVideo: 'SCREEN',
        frameRate: 29.97,
        videoDimensions: '{"width":1,"height":2}',
      })) as { sdpAnswer: string; id: string };
      assert.equal(r.sdpAnswer, `answer to ${SDP_OFFER}`);
      assert.match(r.id, new RegExp(`^${a.id}_SCREEN_[A-Z]{5}$`));
      const setup = u.kms().lastPipeline.setups[0];
      assert.deepEqual(setup.bandwidth, { maxRecv: 700, minRecv: 300, maxSend: 123, minSend: 300 });
      const published = got(b, 'participantPublished');
      assert.equal(published.length, 1);
      const stream = (published[0].streams as Array<Record<string, unknown>>)[0];
      assert.deepEqual([stream.id, stream.typeOfVideo, stream.frameRate], [r.id, 'SCREEN', 29]);
      assert.equal(got(a, 'participantPublished').length, 0, 'not to the publisher itself');
      const endpoint = u.kms().lastPipeline.endpoints[0];
      assert.ok(endpoint.gathered);
      endpoint.onCandidate!({ candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 });
      assert.deepEqual(got(a, 'iceCandidate'), [
        { senderConnectionId: a.id, endpointName: a.id, sdpMLineIndex: 0, sdpMid: '0', candidate: CANDIDATE },
      ]);
      const stats = u.sessions.participant({ sessionId: session, connectionId: a.id })!.publisher!.webrtc;
      assert.deepEqual([stats.remoteSdp, stats.localSdp], [SDP_OFFER, r.sdpAnswer]);
    });

    void it('a SUBSCRIBER may not publish (401), nobody publishes twice', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const sub = await u.join(session, 'SUBSCRIBER');
      const e = await u.fail(sub, 'publishVideo', { sdpOffer: SDP_OFFER });
      assert.deepEqual([e.code, e.message], [401, 'Unable to publish video. The user does not have a valid token']);
      const pub = await u.join(session);
      await u.publish(pub);
      assert.equal((await u.fail(pub, 'publishVideo', { sdpOffer: SDP_OFFER })).code, 303);
      assert.equal(u.kms().lastPipeline.endpoints.length, 1, 'refused before any media work');
    });

    void it('media errors map to OpenVidu codes: a refused offer 302, anything else 303', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      u.kms().failNextEndpoint = new MediaServerRequestError('bad SDP', 'KMS-FAKE', 40208, 'SDP_PARSE_ERROR');
      assert.equal((await u.fail(pub, 'publishVideo', { sdpOffer: 'garbage' })).code, 302);
      u.kms().failNextEndpoint = new MediaServerTimeoutError('slow', 'KMS-FAKE');
      assert.equal((await u.fail(pub, 'publishVideo', { sdpOffer: SDP_OFFER })).code, 303);
      await u.publish(pub);
    });

    void it('an endpoint Error event reaches its owner as mediaError; events are kept for webRtcStats', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      await u.publish(pub);
      const endpoint = u.kms().lastPipeline.endpoints[0];
      endpoint.emit('Error', { type: 'MEDIA_ERR', description: 'boom', errorCode: 7 });
      endpoint.emit('MediaFlowOutStateChanged', { state: 'FLOWING' });
      assert.deepEqual(got(pub, 'mediaError'), [{ error: 'MEDIA_ERR: boom(errCode=7)' }]);
      const stats = u.sessions.participant({ sessionId: session, connectionId: pub.id })!.publisher!.webrtc;
      assert.deepEqual(
        stats.events.map((e) => e.type),
        ['Error', 'MediaFlowOutStateChange'],
      );
    });
  });

  void describe('receiveVideoFrom', () => {
    void it('answers the SDP with an endpoint fed by the publisher; ICE flows on the subscriber endpoint', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      const sub = await u.join(session, 'SUBSCRIBER');
      const streamId = await u.publish(pub);
      const r = (await u.call(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'sub offer' })) as {
        sdpAnswer: string;
      };
      assert.equal(r.sdpAnswer, 'answer to sub offer');
      const [publisherEndpoint, subscriberEndpoint] = u.kms().lastPipeline.endpoints;
      assert.ok(publisherEndpoint.sinks.has(subscriberEndpoint));
      const media = u.registry.mediaOf(session)!;
      assert.equal(media.subscribers.get(SessionMedia.subscriberKey(sub.id, pub.id)), subscriberEndpoint);
      subscriberEndpoint.onCandidate!({ candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 });
      assert.equal(got(sub, 'iceCandidate')[0].endpointName, pub.id);
      await u.call(sub, 'onIceCandidate', {
        endpointName: pub.id,
        candidate: CANDIDATE,
        sdpMid: '0',
        sdpMLineIndex: 0,
      });
      assert.deepEqual(subscriberEndpoint.candidates, [{ candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 }]);
      const subscription = u.sessions
        .participant({ sessionId: session, connectionId: sub.id })!
        .subscriptions.get(pub.id)!;
      assert.equal(subscription.webrtc.receivedCandidates.length, 1);
      assert.equal(subscription.webrtc.remoteSdp, 'sub offer');
    });

    void it("uses the model's one subscribe rule: 2.11's codes and messages, before any media work", async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      const sub = await u.join(session, 'SUBSCRIBER');
      const e1 = await u.fail(sub, 'receiveVideoFrom', { sender: 'nobody00nobody00_CAMERA_AAAAA', sdpOffer: 'x' });
      assert.deepEqual([e1.code, e1.message], [102, `User 'nobody00nobody00 not found in session '${session}'`]);
      const e2 = await u.fail(sub, 'receiveVideoFrom', { sender: `${pub.id}_CAMERA_AAAAA`, sdpOffer: 'x' });
      assert.deepEqual([e2.code, e2.message], [105, `User '${pub.id} not streaming media in session '${session}'`]);
      const streamId = await u.publish(pub);
      const e3 = await u.fail(pub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
      assert.deepEqual([e3.code, e3.message], [105, 'Can loopback only when publishing media']);
      await u.call(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
      const e4 = await u.fail(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
      assert.deepEqual(
        [e4.code, e4.message],
        [302, `Unable to generate SDP answer when subscribing '${sub.id}' to '${pub.id}'`],
      );
      assert.equal(u.kms().lastPipeline.endpoints.length, 2, 'the refused requests made no endpoint');
      assert.equal((await u.fail(sub, 'receiveVideoFrom', { sender: 42 })).code, 999);
    });

    void it('a publisher that leaves while the subscriber endpoint is made: the endpoint is released, 102', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      const sub = await u.join(session, 'SUBSCRIBER');
      const streamId = await u.publish(pub);
      const pending = u.fail(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
      await u.call(pub, 'leaveRoom');
      const e = await pending;
      assert.equal(e.code, 102);
      await new Promise((r) => setImmediate(r));
      const endpoints = u.kms().lastPipeline.endpoints;
      assert.ok(
        endpoints.every((x) => x.released),
        'publisher and unused subscriber endpoints released',
      );
    });
  });

  void describe('onIceCandidate', () => {
    void it('needs an endpoint of this connection (105) and bounds the candidate (999 past 4096)', async () => {
      const u = signallingUnit({ 'openvidu.sessions.max-ice-candidates': 2 });
      const session = u.newSession();
      const pub = await u.join(session);
      const ice = { endpointName: pub.id, candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 };
      assert.equal((await u.fail(pub, 'onIceCandidate', ice)).code, 105);
      await u.publish(pub);
      for (let i = 0; i < 3; i++) await u.call(pub, 'onIceCandidate', { ...ice, candidate: `${CANDIDATE} ${i}` });
      const stats = u.sessions.participant({ sessionId: session, connectionId: pub.id })!.publisher!.webrtc;
      assert.equal(stats.receivedCandidates.length, 2, 'openvidu.sessions.max-ice-candidates');
      assert.equal((await u.fail(pub, 'onIceCandidate', { ...ice, candidate: 'x'.repeat(4097) })).code, 999);
      assert.equal((await u.fail(pub, 'onIceCandidate', { ...ice, endpointName: 'someoneelse' })).code, 105);
    });
  });

  void describe('unpublishVideo and unsubscribeFromVideo', () => {
    void it('release their endpoints; the others get participantUnpublished, the owner only its answer', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      const sub = await u.join(session);
      const streamId = await u.publish(pub);
      await u.call(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
      const [pubEndpoint, subEndpoint] = u.kms().lastPipeline.endpoints;
      await u.call(sub, 'unsubscribeFromVideo', { sender: streamId });
      assert.ok(subEndpoint.released && !pubEndpoint.released);
      await u.call(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
      await u.call(pub, 'unpublishVideo');
      assert.ok(u.kms().lastPipeline.endpoints.every((e) => e.released));
      assert.deepEqual(got(sub, 'participantUnpublished'), [{ connectionId: pub.id, reason: 'unpublish' }]);
      assert.equal(got(pub, 'participantUnpublished').length, 0);
      assert.equal((await u.fail(pub, 'unpublishVideo')).code, 105);
      assert.equal((await u.fail(sub, 'unsubscribeFromVideo', {})).code, 999);
    });
  });

  void describe('sendMessage (SessionEventsHandler#onSendMessage)', () => {
    void it('broadcasts, targets with "to", answers 600 for bad JSON and 601 for an unknown id after delivering', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const [a, b, c] = [await u.join(session), await u.join(session), await u.join(session)];
      await u.call(a, 'sendMessage', { message: JSON.stringify({ to: [], data: 'all', type: 'signal:chat' }) });
      const all = { data: 'all', from: a.id, type: 'signal:chat' };
      for (const x of [a, b, c]) assert.deepEqual(got(x, 'sendMessage'), [all]);
      await u.call(b, 'sendMessage', { message: JSON.stringify({ to: [c.id], data: 'just c', type: 'signal' }) });
      assert.equal(got(c, 'sendMessage').length, 2);
      assert.equal(got(a, 'sendMessage').length, 1);
      assert.equal((await u.fail(a, 'sendMessage', { message: '{not json' })).code, 600);
      const e = await u.fail(a, 'sendMessage', { message: JSON.stringify({ to: [b.id, 'ghost'], data: 'd' }) });
      assert.deepEqual(
        [e.code, e.message],
        [601, 'Signal "to" field invalid format: Connection [ghost] does not exist'],
      );
      assert.equal(got(b, 'sendMessage').length, 2, 'the known recipient got it');
    });
  });

  void describe('streamPropertyChanged', () => {
    void it('updates the model, answers the caller and then tells the others the JSON text of the value', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      const other = await u.join(session);
      const streamId = await u.publish(pub);
      await u.call(pub, 'streamPropertyChanged', {
        streamId,
        property: 'audioActive',
        newValue: false,
        reason: 'publishAudio',
      });
      const stream = u.sessions.participant({ sessionId: session, connectionId: pub.id })!.publisher!;
      assert.equal(stream.mediaOptions.audioActive, false);
      assert.deepEqual(got(other, 'streamPropertyChanged'), [
        { connectionId: pub.id, streamId, property: 'audioActive', newValue: 'false', reason: 'publishAudio' },
      ]);
      assert.equal(got(pub, 'streamPropertyChanged').length, 0);
      await u.call(pub, 'streamPropertyChanged', { property: 'videoDimensions', newValue: { width: 1 } });
      assert.equal(stream.mediaOptions.videoDimensions, '{"width":1}');
      assert.equal((await u.fail(pub, 'streamPropertyChanged', { property: 'audioActive' })).code, 999);
      assert.equal((await u.fail(other, 'streamPropertyChanged', { property: 'x', newValue: 1 })).code, 105);
    });
  });

  void describe('moderation', () => {
    void it('forceDisconnect: moderators only (401), unknown 102; answered first, then participantEvicted and the socket closes', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const mod = await u.join(session, 'MODERATOR');
      const victim = await u.join(session);
      const bystander = await u.join(session);
      const e = await u.fail(bystander, 'forceDisconnect', { connectionId: victim.id });
      assert.deepEqual([e.code, e.message], [401, 'Only MODERATOR connections can force a disconnection']);
      assert.equal((await u.fail(mod, 'forceDisconnect', { connectionId: 'nosuchconnection' })).code, 102);
      // Answered before anyone is told: the eviction runs as after-reply work.
      const result = await u.service.handle('forceDisconnect', mod.client, { connectionId: victim.id });
      assert.deepEqual(result, {});
      assert.equal(got(victim, 'participantEvicted').length, 0);
      for (const fn of mod.client.afterReply.splice(0)) fn();
      const evicted = { connectionId: victim.id, reason: 'forceDisconnectByUser' };
      assert.deepEqual(got(victim, 'participantEvicted'), [evicted]);
      assert.deepEqual(got(bystander, 'participantEvicted'), [evicted]);
      assert.deepEqual(got(bystander, 'participantLeft'), [evicted]);
      assert.equal(victim.socket.closedWith, 1000);
      assert.equal(u.registry.clientOf(victim.id), undefined);
    });

    void it('forceUnpublish: moderators only (401), unknown stream 105; the owner and the others are told', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const mod = await u.join(session, 'MODERATOR');
      const pub = await u.join(session);
      const streamId = await u.publish(pub);
      assert.equal((await u.fail(pub, 'forceUnpublish', { streamId })).code, 401);
      assert.equal((await u.fail(mod, 'forceUnpublish', { streamId: `${pub.id}_CAMERA_NOPE` })).code, 105);
      await u.call(mod, 'forceUnpublish', { streamId });
      const unpublished = { connectionId: pub.id, reason: 'forceUnpublishByUser' };
      assert.deepEqual(got(pub, 'participantUnpublished'), [unpublished]);
      assert.deepEqual(got(mod, 'participantUnpublished'), [unpublished]);
      assert.ok(u.kms().lastPipeline.endpoints[0].released);
    });
  });

  void describe('leaving', () => {
    void it('leaveRoom: the others get participantLeft, the client is unbound and the last one out releases the pipeline', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const a = await u.join(session);
      const b = await u.join(session);
      await u.publish(a);
      await u.call(a, 'leaveRoom');
      assert.deepEqual(got(b, 'participantLeft'), [{ connectionId: a.id, reason: 'disconnect' }]);
      assert.equal(got(b, 'participantUnpublished').length, 0, 'a leaving owner is told as participantLeft only');
      assert.equal(u.registry.clientOf(a.id), undefined);
      assert.equal(a.client.connectionId, undefined);
      assert.equal((await u.fail(a, 'sendMessage', { message: '{}' })).code, 803);
      const pipeline = u.kms().lastPipeline;
      await u.call(b, 'leaveRoom');
      assert.equal(u.sessions.get(session), undefined);
      await new Promise((r) => setImmediate(r));
      assert.ok(pipeline.released);
      assert.equal(u.registry.mediaOf(session), undefined);
    });

    void it('a lost client is evicted with networkDisconnect; a replaced one is not', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const a = await u.join(session);
      const b = await u.join(session);
      await u.service.disconnected(a.client);
      assert.deepEqual(got(b, 'participantEvicted'), [{ connectionId: a.id, reason: 'networkDisconnect' }]);
      const stranger = u.connect();
      Object.assign(stranger.client, { connectionId: b.id, openviduSessionId: session });
      await u.service.disconnected(stranger.client);
      assert.ok(u.sessions.participant({ sessionId: session, connectionId: b.id }), 'b is bound to its own client');
    });
  });

  void describe('media-server events', () => {
    void it('a pipeline error reaches every participant of that session as mediaError', async () => {
      const u = signallingUnit();
      const s1 = u.newSession();
      const s2 = u.newSession();
      const [a, b, other] = [await u.join(s1), await u.join(s1), await u.join(s2)];
      const pipeline = u.kms().pipelines.find((p) => p === u.kms().pipelines[0])!;
      pipeline.errorListener!({ type: 'PIPELINE_ERR', description: 'gone', errorCode: 1 });
      for (const x of [a, b]) assert.deepEqual(got(x, 'mediaError'), [{ error: 'PIPELINE_ERR: gone(errCode=1)' }]);
      assert.equal(got(other, 'mediaError').length, 0);
    });

    void it('a restarted media server ends the streams with mediaServerDisconnect and builds a new pipeline', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session);
      const sub = await u.join(session);
      await u.publish(pub);
      const before = u.kms().pipelines.length;
      u.events.emit(MEDIA_SERVER_RESTARTED, { id: 'KMS-FAKE' });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(got(sub, 'participantUnpublished'), [{ connectionId: pub.id, reason: 'mediaServerDisconnect' }]);
      assert.deepEqual(got(pub, 'participantUnpublished'), [{ connectionId: pub.id, reason: 'mediaServerDisconnect' }]);
      assert.equal(u.kms().pipelines.length, before + 1);
      await u.publish(pub);
    });

    void it('a pipeline that could not be released while its server was away is released when it reconnects', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const a = await u.join(session);
      const pipeline = u.kms().lastPipeline;
      let down = true;
      const release = pipeline.release.bind(pipeline);
      pipeline.release = () => (down ? Promise.reject(new MediaServerUnavailableError('down', 'KMS-FAKE')) : release());
      await u.call(a, 'leaveRoom');
      await new Promise((r) => setImmediate(r));
      assert.equal(pipeline.released, false);
      down = false;
      u.events.emit(MEDIA_SERVER_CONNECTED, { id: 'KMS-FAKE' });
      await u.registry.beforeApplicationShutdown();
      assert.equal(pipeline.released, true);
      assert.deepEqual(u.listenerErrors, []);
    });
  });
});
