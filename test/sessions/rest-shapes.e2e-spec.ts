// Raw HTTP checks of the exact key sets, key order and presence rules of every reply (§2.1–2.8).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Participant } from '../../src/sessions/participant.js';
import { browserReadsToken } from '../support/openvidu-browser-token.js';
import { createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { AUDIO_ONLY, CAMERA } from '../support/fixtures.js';
import { call } from '../support/http.js';

type J = Record<string, unknown>;
const keys = (o: unknown) => Object.keys(o as J);
const SESSION_KEYS = [
  'sessionId',
  'createdAt',
  'mediaMode',
  'recordingMode',
  'defaultOutputMode',
  'defaultRecordingLayout',
  'customSessionId',
  'connections',
  'recording',
];
const CONNECTION_KEYS = [
  'connectionId',
  'createdAt',
  'location',
  'platform',
  'token',
  'role',
  'serverData',
  'clientData',
  'publishers',
  'subscribers',
];
const STATS_KEYS = [
  'createdAt',
  'webrtcEndpointName',
  'remoteSdp',
  'localSdp',
  'receivedCandidates',
  'localCandidate',
  'remoteCandidate',
  'events',
];

void describe('REST reply shapes (docs/openvidu-api.md §2.1–2.8)', () => {
  let srv: Harness;
  before(async () => {
    srv = await boot({ OPENVIDU_PUBLICURL: 'https://ov.example.com:4443' });
  });
  after(() => srv.close());

  const post = (path: string, body?: unknown) => call(srv.url, 'POST', path, { body });
  const get = (path: string) => call(srv.url, 'GET', path);

  void it('POST /api/sessions: exactly {id, createdAt}, JSON, 200', async () => {
    const before = Date.now();
    const r = await post('/api/sessions', {});
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.deepEqual(keys(r.json()), ['id', 'createdAt']);
    assert.match(r.json<{ id: string }>().id, /^[a-z0-9]{16}$/);
    assert.ok(r.json<{ createdAt: number }>().createdAt >= before);
  });

  void it('POST /api/tokens: {id, session, role, data, token} with id === token in the wss:// format', async () => {
    const id = (await post('/api/sessions', {})).json<{ id: string }>().id;
    for (const role of ['SUBSCRIBER', 'PUBLISHER', 'MODERATOR']) {
      const r = await post('/api/tokens', { session: id, role, data: 'server data' });
      assert.equal(r.status, 200);
      const j = r.json<J>();
      assert.deepEqual(keys(j), ['id', 'session', 'role', 'data', 'token']);
      assert.equal(j.id, j.token);
      assert.equal(j.session, id);
      assert.equal(j.role, role);
      assert.equal(j.data, 'server data');
      const re = new RegExp(
        `^wss://ov\\.example\\.com:4443\\?sessionId=${id}&token=[a-z0-9]{16}&role=${role}&version=2\\.11\\.0$`,
      );
      assert.match(String(j.token), re);
    }
    const dflt = (await post('/api/tokens', { session: id })).json<J>();
    assert.equal(dflt.role, 'PUBLISHER');
    assert.equal(dflt.data, '');
  });

  void it('POST /api/tokens: kurentoOptions echoed only when sent, with only the keys given', async () => {
    const id = (await post('/api/sessions', {})).json<{ id: string }>().id;
    const empty = (await post('/api/tokens', { session: id, kurentoOptions: {} })).json<J>();
    assert.deepEqual(keys(empty), ['id', 'session', 'role', 'data', 'token', 'kurentoOptions']);
    assert.deepEqual(empty.kurentoOptions, {});
    const full = await post('/api/tokens', {
      session: id,
      kurentoOptions: {
        allowedFilters: ['GStreamerFilter', 'FaceOverlayFilter'],
        videoMinSendBandwidth: 100,
        videoMaxRecvBandwidth: 1000,
      },
    });
    assert.deepEqual(full.json<J>().kurentoOptions, {
      videoMaxRecvBandwidth: 1000,
      videoMinSendBandwidth: 100,
      allowedFilters: ['GStreamerFilter', 'FaceOverlayFilter'],
    });
  });

  void it('a custom session id travels in the token as openvidu-browser reads it (decodeURI, not URLSearchParams)', async () => {
    const id = 'room a+b:c/d@e';
    assert.equal((await post('/api/sessions', { customSessionId: id })).status, 200);
    const token = (await post('/api/tokens', { session: id })).json<{ token: string }>().token;
    assert.equal(browserReadsToken(token).sessionId, id);
    assert.match(new URL(token).searchParams.get('token') ?? '', /^[a-z0-9]{16}$/);
    assert.equal((await get(`/api/sessions/${encodeURIComponent(id)}`)).json<J>().sessionId, id);
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${encodeURIComponent(id)}`)).status, 204);
  });

  void it('tokens are unique and distinct from ids', async () => {
    const id = (await post('/api/sessions', {})).json<{ id: string }>().id;
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add((await post('/api/tokens', { session: id })).json<{ token: string }>().token);
    assert.equal(seen.size, 20);
  });

  void it('GET of a session nobody joined: presence rules, customSessionId "" and empty connections', async () => {
    const id = (await post('/api/sessions', {})).json<{ id: string }>().id;
    const j = (await get(`/api/sessions/${id}`)).json<J>();
    assert.deepEqual(keys(j), SESSION_KEYS);
    assert.equal(j.customSessionId, '');
    assert.deepEqual(j.connections, { numberOfElements: 0, content: [] });
    assert.equal(j.recording, false);
    assert.equal(j.mediaMode, 'ROUTED');
    assert.equal(j.recordingMode, 'MANUAL');
    assert.equal(j.defaultOutputMode, 'COMPOSED');
    assert.equal(j.defaultRecordingLayout, 'BEST_FIT');
  });

  void it('defaultRecordingLayout only for COMPOSED, defaultCustomLayout only for CUSTOM', async () => {
    await post('/api/sessions', { customSessionId: 'ind', defaultOutputMode: 'INDIVIDUAL' });
    const ind = (await get('/api/sessions/ind')).json<J>();
    assert.deepEqual(
      keys(ind),
      SESSION_KEYS.filter((k) => k !== 'defaultRecordingLayout'),
    );
    assert.equal(ind.customSessionId, 'ind');
    await post('/api/sessions', {
      customSessionId: 'cus',
      defaultRecordingLayout: 'CUSTOM',
      defaultCustomLayout: 'layouts/a',
    });
    const cus = (await get('/api/sessions/cus')).json<J>();
    const withCustom = [...SESSION_KEYS];
    withCustom.splice(6, 0, 'defaultCustomLayout');
    assert.deepEqual(keys(cus), withCustom);
    assert.equal(cus.defaultCustomLayout, 'layouts/a');
  });

  void describe('an active session with a publisher and a subscriber', () => {
    let id: string;
    let pub: Participant;
    let sub: Participant;
    let audio: Participant;
    before(async () => {
      id = (await post('/api/sessions', {})).json<{ id: string }>().id;
      pub = srv.sessions.join(id, {
        token: await createToken(srv.url, id, 'PUBLISHER', 'srv'),
        platform: 'Chrome 75',
        clientData: '{"name":"a"}',
      });
      sub = srv.sessions.join(id, { token: await createToken(srv.url, id, 'SUBSCRIBER'), platform: 'Firefox' });
      audio = srv.sessions.join(id, { token: await createToken(srv.url, id, 'MODERATOR'), platform: 'Safari' });
      const stream = srv.sessions.publish(pub, CAMERA);
      srv.sessions.publish(audio, AUDIO_ONLY);
      srv.sessions.subscribe(sub, stream.streamId);
    });

    void it('connections: key order, "unknown" location, token and data, publisher mediaOptions', async () => {
      const j = (await get(`/api/sessions/${id}`)).json<J>();
      const conns = j.connections as { numberOfElements: number; content: J[] };
      assert.equal(conns.numberOfElements, 3);
      for (const c of conns.content) assert.deepEqual(keys(c), CONNECTION_KEYS);
      const [a, b, c] = conns.content;
      assert.equal(a.connectionId, pub.connectionId);
      assert.match(String(a.connectionId), /^[a-z0-9]{16}$/);
      assert.equal(a.location, 'unknown');
      assert.equal(a.platform, 'Chrome 75');
      assert.equal(a.serverData, 'srv');
      assert.equal(a.clientData, '{"name":"a"}');
      assert.equal(a.token, pub.token);
      assert.equal(a.role, 'PUBLISHER');
      assert.equal(b.role, 'SUBSCRIBER');
      const [p] = a.publishers as J[];
      assert.deepEqual(keys(p), ['createdAt', 'streamId', 'mediaOptions']);
      assert.match(String(p.streamId), new RegExp(`^${pub.connectionId}_CAMERA_[A-Z]{5}$`));
      assert.deepEqual(p.mediaOptions, {
        hasAudio: true,
        audioActive: true,
        hasVideo: true,
        videoActive: false,
        typeOfVideo: 'CAMERA',
        frameRate: 30,
        videoDimensions: '{"width":640,"height":480}',
        filter: {},
      });
      assert.deepEqual(keys(p.mediaOptions), [
        'hasAudio',
        'audioActive',
        'hasVideo',
        'videoActive',
        'typeOfVideo',
        'frameRate',
        'videoDimensions',
        'filter',
      ]);
      const [ap] = c.publishers as J[];
      assert.match(String(ap.streamId), new RegExp(`^${audio.connectionId}_MICRO_[A-Z]{5}$`));
      assert.deepEqual(ap.mediaOptions, { hasAudio: true, audioActive: true, hasVideo: false, filter: {} });
      assert.deepEqual(b.publishers, []);
      const [s] = b.subscribers as J[];
      assert.deepEqual(keys(s), ['createdAt', 'streamId']);
      assert.equal(s.streamId, p.streamId);
    });

    void it('a filter shows type, options and lastExecMethod', async () => {
      const streamId = pub.publisher!.streamId;
      srv.sessions.updateStream(id, streamId, { filter: { type: 'GStreamerFilter', options: { command: 'x' } } });
      const j = (await get(`/api/sessions/${id}`)).json<{ connections: { content: { publishers: J[] }[] } }>();
      const filter = (j.connections.content[0].publishers[0].mediaOptions as J).filter;
      assert.deepEqual(filter, { type: 'GStreamerFilter', options: { command: 'x' }, lastExecMethod: {} });
      srv.sessions.updateStream(id, streamId, { filter: null });
    });

    void it('?webRtcStats=true puts the WebRTC fields first in publishers and subscribers', async () => {
      const j = (await get(`/api/sessions/${id}?webRtcStats=true`)).json<J>();
      const [a, b] = (j.connections as { content: J[] }).content;
      const [p] = a.publishers as J[];
      assert.deepEqual(keys(p), [...STATS_KEYS, 'streamId', 'mediaOptions']);
      // KurentoParticipant names endpoints after the stream (publisher) and `<subscriber>_<stream>`.
      assert.equal(p.webrtcEndpointName, p.streamId);
      assert.deepEqual(p.receivedCandidates, []);
      assert.equal(p.localSdp, null);
      const [s] = b.subscribers as J[];
      assert.deepEqual(keys(s), [...STATS_KEYS, 'streamId']);
      assert.equal(s.webrtcEndpointName, `${b.connectionId as string}_${s.streamId as string}`);
      const list = (await get('/api/sessions?webRtcStats=true')).json<{ content: J[] }>();
      const mine = list.content.find((x) => x.sessionId === id)!;
      assert.deepEqual(mine, j);
    });

    void it('GET /api/sessions: {numberOfElements, content} including not-active sessions', async () => {
      const r = (await get('/api/sessions')).json<{ numberOfElements: number; content: J[] }>();
      assert.deepEqual(keys(r), ['numberOfElements', 'content']);
      assert.equal(r.numberOfElements, r.content.length);
      assert.deepEqual(
        r.content.find((x) => x.sessionId === id),
        (await get(`/api/sessions/${id}`)).json(),
      );
      assert.ok(r.content.some((x) => (x.connections as J).numberOfElements === 0));
    });

    void it('DELETE …/stream: 204 empty; 404 unknown stream; 400 unknown session; all bodies empty', async () => {
      const streamId = audio.publisher!.streamId;
      const ok = await call(srv.url, 'DELETE', `/api/sessions/${id}/stream/${streamId}`);
      assert.equal(ok.status, 204);
      assert.equal(ok.text, '');
      assert.equal(audio.publisher, null);
      const gone = await call(srv.url, 'DELETE', `/api/sessions/${id}/stream/${streamId}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.text, '');
      const noSession = await call(srv.url, 'DELETE', `/api/sessions/nope/stream/${streamId}`);
      assert.equal(noSession.status, 400);
      assert.equal(noSession.text, '');
    });

    void it('DELETE …/connection: 204 empty and the connection is gone; 404 unknown; 400 unknown session', async () => {
      const ok = await call(srv.url, 'DELETE', `/api/sessions/${id}/connection/${sub.connectionId}`);
      assert.equal(ok.status, 204);
      assert.equal(ok.text, '');
      const j = (await get(`/api/sessions/${id}`)).json<{ connections: { content: J[] } }>();
      assert.deepEqual(
        j.connections.content.map((c) => c.connectionId),
        [pub.connectionId, audio.connectionId],
      );
      assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${id}/connection/${sub.connectionId}`)).status, 404);
      const noSession = await call(srv.url, 'DELETE', `/api/sessions/nope/connection/x`);
      assert.equal(noSession.status, 400);
      assert.equal(noSession.text, '');
    });

    void it('DELETE the session: 204 empty, then 404 empty for GET and DELETE', async () => {
      const r = await call(srv.url, 'DELETE', `/api/sessions/${id}`);
      assert.equal(r.status, 204);
      assert.equal(r.text, '');
      for (const method of ['GET', 'DELETE']) {
        const again = await call(srv.url, method, `/api/sessions/${id}`);
        assert.equal(again.status, 404);
        assert.equal(again.text, '');
      }
    });
  });

  void it('force routes on a session nobody joined answer 404 (not 400)', async () => {
    const id = (await post('/api/sessions', {})).json<{ id: string }>().id;
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${id}/connection/x`)).status, 404);
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${id}/stream/x_CAMERA_ABCDE`)).status, 404);
  });
});
