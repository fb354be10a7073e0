// Three participants over raw JSON-RPC (docs/openvidu-api.md §8): join, publish, subscribe, ICE both ways,
// signals, stream properties, unpublish and leave; after every step the notifications, the
// session JSON (§2.4) and the media-server view (§3.3) must tell the same story.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession, mediaServers, sessionJson, type SessionJson } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { leftovers } from '../support/emulators.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

const CANDIDATE = 'candidate:1 1 UDP 2122260223 192.168.1.20 50000 typ host';

/**
 * Session JSON and the media-server `sessions` view agree, and `load` (streams strategy) counts
 * publishers + subscribers: `reserved` is the 1 a session counts from placement to its first stream.
 */
async function agree(h: Harness, session: string, reserved = 0): Promise<SessionJson> {
  const json = await sessionJson(h.url, session);
  assert.ok(json, `session ${session} should exist`);
  const [server] = await mediaServers(h.url);
  const hosted = server.sessions.find((s) => s.sessionId === session);
  assert.deepEqual(hosted, json, '§3.3 sessions=true shows the §2.1 JSON of the hosted session');
  const streams = json.connections.content.reduce((n, c) => n + c.publishers.length + c.subscribers.length, 0);
  assert.equal(server.load, streams + reserved, 'streams strategy: load = publishers + subscribers');
  return json;
}

function connection(json: SessionJson, id: string) {
  const c = json.connections.content.find((x) => x.connectionId === id);
  assert.ok(c, `connection ${id} should be listed`);
  return c;
}

void describe('signalling: join, publish, subscribe, signal, leave (§8)', () => {
  let h: Harness;
  let session: string;
  let a: Peer;
  let b: Peer;
  let c: Peer;

  before(async () => {
    h = await boot();
    session = await createSession(h.url);
  });
  after(async () => {
    for (const p of [a, b, c]) await p?.rpc.close();
    await h?.close();
  });

  void it('joinRoom answers id, createdAt, metadata, the others in value, and sessionId; others get participantJoined', async () => {
    a = await Peer.withRole(h, session, 'PUBLISHER', '{"clientData":"A"}');
    assert.match(a.id, /^[a-z0-9]{16}$/);
    assert.equal(typeof a.join.createdAt, 'number');
    assert.equal(a.join.metadata, '{"clientData":"A"}');
    assert.deepEqual(a.join.value, []);
    assert.equal(typeof a.join.sessionId, 'string', 'the Kurento RPC session id is in every result');
    b = await Peer.withRole(h, session, 'PUBLISHER', 'B');
    assert.deepEqual(
      b.join.value.map((v) => [v.id, v.metadata, v.streams]),
      [[a.id, '{"clientData":"A"}', undefined]],
    );
    assert.notEqual(b.join.sessionId, a.join.sessionId);
    const joined = await a.rpc.waitFor('participantJoined', (p) => p.id === b.id);
    assert.deepEqual(joined.params, { id: b.id, createdAt: b.join.createdAt, metadata: 'B' });
    const json = await agree(h, session, 1);
    assert.deepEqual(
      json.connections.content.map((x) => [x.connectionId, x.clientData, x.publishers.length]),
      [
        [a.id, '{"clientData":"A"}', 0],
        [b.id, 'B', 0],
      ],
    );
  });

  void it('publishVideo answers the SDP and a §2.0 streamId; the others get participantPublished; ICE flows both ways', async () => {
    const r = await a.publish({ audioActive: true, videoActive: true });
    assert.match(r.sdpAnswer, /^v=0\r\n/);
    assert.match(r.id, new RegExp(`^${a.id}_CAMERA_[A-Z]{5}$`));
    assert.equal(typeof r.createdAt, 'number');
    const pub = await b.rpc.waitFor('participantPublished', (p) => p.id === a.id);
    const streams = pub.params.streams as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(streams[0]), [
      'id',
      'createdAt',
      'hasAudio',
      'hasVideo',
      'audioActive',
      'videoActive',
      'typeOfVideo',
      'frameRate',
      'videoDimensions',
      'filter',
    ]);
    assert.equal(streams[0].id, a.streamId);
    // Server → client: the emulated endpoint's candidates arrive as iceCandidate notifications.
    const ice = await a.rpc.waitFor('iceCandidate', (p) => p.endpointName === a.id);
    assert.equal(ice.params.senderConnectionId, a.id);
    assert.match(String(ice.params.candidate), /^candidate:/);
    assert.equal(typeof ice.params.sdpMLineIndex, 'number');
    // Client → server: the candidate reaches the endpoint (shown by ?webRtcStats=true).
    const res = await a.rpc.call('onIceCandidate', {
      endpointName: a.id,
      candidate: CANDIDATE,
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    assert.equal(typeof res.sessionId, 'string');
    const stats = await rest(h.url, 'GET', `/api/sessions/${session}?webRtcStats=true`);
    const pubJson = stats.json<SessionJson>().connections.content[0].publishers[0] as unknown as {
      receivedCandidates: Array<{ candidate: string }>;
      localSdp: string;
    };
    assert.deepEqual(
      pubJson.receivedCandidates.map((x) => x.candidate),
      [CANDIDATE],
    );
    assert.equal(pubJson.localSdp, r.sdpAnswer);
    const bad = await a.rpc.fail('onIceCandidate', { endpointName: b.id, candidate: CANDIDATE });
    assert.equal(bad.code, 105, 'no endpoint towards a connection that is not publishing to us');
    const json = await agree(h, session);
    assert.deepEqual(
      connection(json, a.id).publishers.map((p) => p.streamId),
      [a.streamId],
    );
  });

  void it('a late joiner sees the stream in value; receiveVideoFrom answers SDP and ICE flows on the subscriber endpoint', async () => {
    c = await Peer.withRole(h, session, 'SUBSCRIBER', 'C');
    assert.deepEqual(
      c.join.value.map((v) => [v.id, v.streams?.map((s) => s.id)]),
      [
        [a.id, [a.streamId]],
        [b.id, undefined],
      ],
    );
    const denied = await c.rpc.fail('publishVideo', { sdpOffer: 'x' });
    assert.equal(denied.code, 401, 'a SUBSCRIBER may not publish');
    for (const p of [b, c]) {
      const sub = await p.subscribe(a.streamId);
      assert.match(sub.sdpAnswer, /^v=0\r\n/);
      assert.equal(typeof sub.sessionId, 'string');
      const ice = await p.rpc.waitFor('iceCandidate', (x) => x.endpointName === a.id);
      assert.equal(ice.params.senderConnectionId, a.id);
      await p.rpc.call('onIceCandidate', { endpointName: a.id, candidate: CANDIDATE, sdpMid: '0', sdpMLineIndex: 0 });
    }
    // KurentoParticipant#receiveMediaFrom finds the subscriber endpoint already there and gives up:
    // KurentoSessionManager#subscribe then answers MEDIA_SDP_ERROR.
    const again = await c.rpc.fail('receiveVideoFrom', { sender: a.streamId, sdpOffer: 'x' });
    assert.equal(again.code, 302, 'a second subscription to the same stream fails');
    assert.equal(again.message, `Unable to generate SDP answer when subscribing '${c.id}' to '${a.id}'`);
    const json = await agree(h, session);
    for (const p of [b, c]) {
      assert.deepEqual(
        connection(json, p.id).subscribers.map((s) => s.streamId),
        [a.streamId],
      );
    }
    await b.publish();
    for (const p of [a, c]) await p.rpc.waitFor('participantPublished', (x) => x.id === b.id);
    await a.subscribe(b.streamId);
    await agree(h, session);
  });

  void it('sendMessage broadcasts, targets with "to", answers 600 for bad JSON and 601 for an unknown id', async () => {
    await a.rpc.call('sendMessage', { message: JSON.stringify({ to: [], data: 'hello all', type: 'signal:chat' }) });
    for (const p of [a, b, c]) {
      const n = await p.rpc.waitFor('sendMessage', (x) => x.data === 'hello all');
      assert.deepEqual(n.params, { data: 'hello all', from: a.id, type: 'signal:chat' });
    }
    await b.rpc.call('sendMessage', { message: JSON.stringify({ to: [c.id], data: 'just C', type: 'signal' }) });
    await c.rpc.waitFor('sendMessage', (x) => x.data === 'just C' && x.from === b.id);
    await a.sync();
    await b.sync();
    assert.equal(a.rpc.received('sendMessage', (x) => x.data === 'just C').length, 0, 'A was not a target');
    assert.equal(b.rpc.received('sendMessage', (x) => x.data === 'just C').length, 0, 'nor was the sender');
    assert.equal((await a.rpc.fail('sendMessage', { message: '{not json' })).code, 600);
    const unknown = await a.rpc.fail('sendMessage', {
      message: JSON.stringify({ to: ['nosuchconnection'], data: 'x', type: 'signal' }),
    });
    assert.equal(unknown.code, 601);
  });

  // KurentoSessionManager#streamPropertyChanged + SessionEventsHandler#onStreamPropertyChanged (2.11):
  // newValue is the JSON text of what was sent, and only the others are notified.
  void it('streamPropertyChanged reaches the others with newValue as JSON text, not the owner, and shows in the session JSON', async () => {
    await a.rpc.call('streamPropertyChanged', {
      streamId: a.streamId,
      property: 'audioActive',
      newValue: false,
      reason: 'publishAudio',
    });
    for (const p of [b, c]) {
      const n = await p.rpc.waitFor('streamPropertyChanged', (x) => x.property === 'audioActive');
      assert.deepEqual(n.params, {
        connectionId: a.id,
        streamId: a.streamId,
        property: 'audioActive',
        newValue: 'false',
        reason: 'publishAudio',
      });
      // What openvidu-browser's Session#onStreamPropertyChanged does with it.
      assert.equal(JSON.parse(n.params.newValue), false);
    }
    const dims = '{"width":320,"height":240}';
    await a.rpc.call('streamPropertyChanged', {
      streamId: a.streamId,
      property: 'videoDimensions',
      newValue: dims,
      reason: 'screenResized',
    });
    const n = await b.rpc.waitFor('streamPropertyChanged', (x) => x.property === 'videoDimensions');
    assert.equal(n.params.newValue, JSON.stringify(dims), 'a JSON-quoted string');
    assert.deepEqual(JSON.parse(JSON.parse(n.params.newValue) as string), { width: 320, height: 240 });
    await a.sync();
    assert.equal(a.rpc.received('streamPropertyChanged').length, 0, 'the owner only gets the answer');
    const opts = connection(await agree(h, session), a.id).publishers[0].mediaOptions;
    assert.equal(opts.audioActive, false);
    assert.equal(opts.videoDimensions, dims, 'the session JSON keeps the text the browser sent');
    const notPublishing = await c.rpc.fail('streamPropertyChanged', {
      streamId: a.streamId,
      property: 'videoActive',
      newValue: false,
      reason: 'publishVideo',
    });
    assert.equal(notPublishing.code, 105);
  });

  void it('unsubscribeFromVideo (sender = the connectionId) ends only that subscription and frees its endpoint', async () => {
    const endpoints = h.emus[0].stats().endpoints;
    await c.rpc.call('unsubscribeFromVideo', { sender: a.id });
    const json = await agree(h, session);
    assert.deepEqual(connection(json, c.id).subscribers, []);
    assert.deepEqual(
      connection(json, b.id).subscribers.map((x) => x.streamId),
      [a.streamId],
      "B's subscription is untouched",
    );
    await until("C's subscriber endpoint to be released", () => h.emus[0].stats().endpoints === endpoints - 1);
    await a.sync();
    assert.deepEqual(a.rpc.received('participantUnpublished'), [], 'nobody is told about an unsubscription');
  });

  void it('unpublishVideo: the others get participantUnpublished and their subscriptions end', async () => {
    await b.rpc.call('unpublishVideo', {});
    for (const p of [a, c]) {
      const n = await p.rpc.waitFor('participantUnpublished', (x) => x.connectionId === b.id);
      assert.deepEqual(n.params, { connectionId: b.id, reason: 'unpublish' });
    }
    const json = await agree(h, session);
    assert.deepEqual(connection(json, b.id).publishers, []);
    assert.deepEqual(connection(json, a.id).subscribers, []);
  });

  void it('leaveRoom answers {} then closes the socket; the others get participantLeft; the last one out ends the session and frees the media server', async () => {
    const r = await c.leave();
    assert.equal(typeof (r as { sessionId: unknown }).sessionId, 'string');
    await c.rpc.whenClosed();
    for (const p of [a, b]) {
      const n = await p.rpc.waitFor('participantLeft', (x) => x.connectionId === c.id);
      assert.deepEqual(n.params, { connectionId: c.id, reason: 'disconnect' });
    }
    let json = await agree(h, session);
    assert.deepEqual(
      json.connections.content.map((x) => x.connectionId),
      [a.id, b.id],
    );
    await a.leave();
    await b.rpc.waitFor('participantLeft', (x) => x.connectionId === a.id);
    json = await agree(h, session);
    assert.deepEqual(connection(json, b.id).subscribers, [], "B's subscription to A ended with A");
    await b.leave();
    await b.rpc.whenClosed();
    assert.equal(await sessionJson(h.url, session), null, 'the last participant leaving closes the session');
    const [server] = await mediaServers(h.url);
    assert.deepEqual(server.sessions, []);
    assert.equal(server.load, 0);
    await until('every media object to be released', () => leftovers(h.emus) === 0);
    assert.deepEqual(await h.pool.media(server.id).getPipelineIds(), []);
  });

  void it('every result and every error carried the RPC sessionId, as the Kurento server adds it (§8)', () => {
    for (const p of [a, b, c]) {
      const answers = p.rpc.frames.filter((f) => 'result' in f || 'error' in f);
      assert.ok(answers.length > 3);
      for (const f of answers) {
        const holder = ('result' in f ? f.result : (f.error as { data?: unknown }).data) as { sessionId?: unknown };
        assert.equal(holder?.sessionId, p.join.sessionId, JSON.stringify(f));
      }
    }
  });
});
