// Webhook (docs/openvidu-api.md §5) against a receiver started here on 127.0.0.1: every 2.11 event with its
// payload and the configured headers, the events filter, retries while the receiver is down,
// no effect of a slow receiver on the REST API, and /pro/restart without losing queued events.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookService } from '../../src/webhook/webhook.service.js';
import { createToken, sessionWithToken } from '../support/api.js';
import { boot, CapturingLogger, type Harness } from '../support/boot.js';
import { CAMERA } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { until } from '../support/poll.js';
import { Receiver } from '../support/webhook-receiver.js';
import { generate } from 'selfsigned';

const HEADERS = ['Authorization: Basic YWJjZDphYmNk', 'X-Custom-Header: some value: with colon'];

void describe('webhook (docs/openvidu-api.md §5)', () => {
  let rx: Receiver;
  let srv: Harness;
  let logs: CapturingLogger;

  before(async () => {
    rx = new Receiver();
    await rx.start();
    logs = new CapturingLogger();
    srv = await boot(
      {
        OPENVIDU_WEBHOOK: 'true',
        OPENVIDU_WEBHOOK_ENDPOINT: rx.url,
        OPENVIDU_WEBHOOK_HEADERS: JSON.stringify(HEADERS),
        OPENVIDU_WEBHOOK_TIMEOUT: '30000',
        OPENVIDU_WEBHOOK_RETRY_INITIAL_DELAY: '20',
        OPENVIDU_WEBHOOK_RETRY_MAX_ATTEMPTS: '12',
        OPENVIDU_WEBHOOK_QUEUE_SIZE: '50',
      },
      1,
      { logger: logs },
    );
  });
  afterEach(() => rx.release());
  after(async () => {
    rx.release();
    await srv.close();
    await rx.stop();
  });

  const sender = () => srv.app.get(WebhookService).sender;
  const idle = () => until('the webhook queue to empty', () => sender().queued === 0);

  void it('posts the seven 2.11 events in order, with the CDR payload + "event", the headers and JSON type', async () => {
    const from = rx.delivered.length;
    const { sessionId, token } = await sessionWithToken(srv.url);
    const createdAt = srv.sessions.get(sessionId)!.createdAt;
    const a = srv.sessions.join(sessionId, { token, platform: 'Chrome' });
    const b = srv.sessions.join(sessionId, { token: await createToken(srv.url, sessionId), platform: 'Firefox' });
    const stream = srv.sessions.publish(a, CAMERA);
    srv.sessions.subscribe(b, stream.streamId);
    srv.sessions.leave(b, 'disconnect');
    srv.sessions.leave(a, 'disconnect');
    await until('ten webhook events', () => rx.delivered.length - from === 10);
    const got = rx.delivered.slice(from);
    assert.deepEqual(
      got.map((r) => r.body.event),
      [
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
      ],
    );
    for (const r of got) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/hook');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers.authorization, 'Basic YWJjZDphYmNk');
      assert.equal(r.headers['x-custom-header'], 'some value: with colon');
      assert.equal(r.body.sessionId, sessionId);
      const keys = Object.keys(r.body);
      assert.deepEqual(keys.slice(0, 2), ['sessionId', 'timestamp']);
      assert.equal(keys.at(-1), 'event');
    }
    assert.deepEqual(got[0].body, { sessionId, timestamp: createdAt, event: 'sessionCreated' });
    assert.deepEqual(Object.keys(got[1].body), [
      'sessionId',
      'timestamp',
      'participantId',
      'location',
      'platform',
      'event',
    ]);
    assert.equal(got[1].body.participantId, a.connectionId);
    assert.deepEqual(Object.keys(got[4].body), [
      'sessionId',
      'timestamp',
      'streamId',
      'participantId',
      'connection',
      'receivingFrom',
      'videoSource',
      'videoFramerate',
      'videoDimensions',
      'audioEnabled',
      'videoEnabled',
      'event',
    ]);
    assert.deepEqual(Object.keys(got[9].body), ['sessionId', 'timestamp', 'startTime', 'duration', 'reason', 'event']);
    assert.equal(got[9].body.reason, 'lastParticipantLeft');
  });

  void it('while the receiver is down the events wait and arrive, in order, once it is back', async () => {
    await rx.stop();
    const from = rx.delivered.length;
    const { sessionId, token } = await sessionWithToken(srv.url);
    const a = srv.sessions.join(sessionId, { token, platform: 'Chrome' });
    srv.sessions.leave(a);
    await until('a few failed attempts', () => sender().counters.retries >= 2);
    assert.equal(sender().queued, 4);
    await rx.start();
    await until('the four queued events', () => rx.delivered.length - from === 4);
    assert.deepEqual(
      rx.delivered.slice(from).map((r) => r.body.event),
      ['sessionCreated', 'participantJoined', 'participantLeft', 'sessionDestroyed'],
    );
    await idle();
  });

  void it('non-2xx answers are retried until one succeeds', async () => {
    rx.mode = { kind: 'status', status: 503 };
    const arrivedBefore = rx.arrived.length;
    const from = rx.delivered.length;
    const { sessionId, token } = await sessionWithToken(srv.url);
    srv.sessions.join(sessionId, { token });
    await until('three refused attempts', () => rx.arrived.length - arrivedBefore >= 3);
    rx.mode = { kind: 'ok' };
    await until('the two events', () => rx.delivered.length - from === 2);
    assert.deepEqual(
      rx.delivered.slice(from).map((r) => r.body.event),
      ['sessionCreated', 'participantJoined'],
    );
    srv.sessions.closeSession(sessionId, 'sessionClosedByServer');
    await idle();
  });

  void it('a receiver that holds a request does not hold up the REST API or the session model', async () => {
    rx.mode = { kind: 'hold' };
    const { sessionId, token } = await sessionWithToken(srv.url);
    srv.sessions.join(sessionId, { token });
    await until('the receiver to hold the first event', () => rx.holding === 1);
    // All of this completes while the receiver still sits on the request.
    const created = await call(srv.url, 'POST', '/api/sessions', { body: {} });
    assert.equal(created.status, 200);
    const id = created.json<{ id: string }>().id;
    const t = await call(srv.url, 'POST', '/api/tokens', { body: { session: id } });
    assert.equal(t.status, 200);
    const p = srv.sessions.join(id, { token: t.json<{ token: string }>().token });
    srv.sessions.leave(p);
    assert.equal((await call(srv.url, 'GET', `/api/sessions/${sessionId}`)).status, 200);
    assert.equal((await call(srv.url, 'DELETE', `/api/sessions/${sessionId}`)).status, 204);
    assert.equal(rx.holding, 1);
    assert.ok(sender().queued >= 5);
    const from = rx.delivered.length;
    rx.release();
    await idle();
    assert.equal(rx.delivered.length - from, 1 + 7);
  });

  void it('/pro/restart to a new endpoint, headers and events delivers what was queued there, losing nothing', async () => {
    await rx.stop();
    const { sessionId, token } = await sessionWithToken(srv.url);
    srv.sessions.join(sessionId, { token });
    await until('a failed attempt', () => sender().counters.retries >= 1);
    const rx2 = new Receiver();
    await rx2.start();
    try {
      const r = await call(srv.url, 'POST', '/pro/restart', {
        body: {
          'openvidu.webhook.endpoint': rx2.url,
          'openvidu.webhook.headers': ['X-Second: 2'],
          'openvidu.webhook.events': ['sessionCreated', 'sessionDestroyed'],
        },
      });
      assert.equal(r.status, 200, r.text);
      await until('the queued events at the new endpoint', () => rx2.delivered.length === 2);
      assert.deepEqual(rx2.events(), ['sessionCreated', 'participantJoined']);
      assert.equal(rx2.delivered[0].headers['x-second'], '2');
      assert.equal(rx2.delivered[0].headers.authorization, undefined);
      // The filter applies to new events: only sessionDestroyed of these three goes out.
      srv.sessions.closeSession(sessionId, 'sessionClosedByServer');
      await idle();
      assert.deepEqual(rx2.events(), ['sessionCreated', 'participantJoined', 'sessionDestroyed']);
    } finally {
      await rx2.stop();
      await rx.start();
      await call(srv.url, 'POST', '/pro/restart', {
        body: {
          'openvidu.webhook.endpoint': rx.url,
          'openvidu.webhook.headers': HEADERS,
          'openvidu.webhook.events': [
            'sessionCreated',
            'sessionDestroyed',
            'participantJoined',
            'participantLeft',
            'webrtcConnectionCreated',
            'webrtcConnectionDestroyed',
            'recordingStatusChanged',
          ],
        },
      });
    }
  });

  void it('/pro/restart with openvidu.webhook=false stops new events', async () => {
    assert.equal((await call(srv.url, 'POST', '/pro/restart', { body: { 'openvidu.webhook': false } })).status, 200);
    const from = rx.arrived.length;
    const { sessionId, token } = await sessionWithToken(srv.url);
    srv.sessions.leave(srv.sessions.join(sessionId, { token }));
    assert.equal(sender().queued, 0);
    assert.equal((await call(srv.url, 'POST', '/pro/restart', { body: { 'openvidu.webhook': true } })).status, 200);
    const s2 = await sessionWithToken(srv.url);
    srv.sessions.leave(srv.sessions.join(s2.sessionId, { token: s2.token }));
    await idle();
    assert.ok(rx.arrived.slice(from).every((r) => r.body.sessionId === s2.sessionId));
    assert.equal(rx.arrived.length - from, 4);
  });

  void it('delivers to an HTTPS receiver with a self-signed certificate, as OpenVidu trusts every certificate', async () => {
    const pems = await generate([{ name: 'commonName', value: 'webhook.test' }], { keySize: 2048 });
    const secure = new Receiver({ key: pems.private, cert: pems.cert });
    await secure.start();
    try {
      const body = { 'openvidu.webhook': true, 'openvidu.webhook.endpoint': secure.url };
      assert.equal((await call(srv.url, 'POST', '/pro/restart', { body })).status, 200);
      const { sessionId, token } = await sessionWithToken(srv.url);
      srv.sessions.leave(srv.sessions.join(sessionId, { token }));
      await idle();
      assert.deepEqual(
        secure.delivered.filter((r) => r.body.sessionId === sessionId).map((r) => r.body.event),
        ['sessionCreated', 'participantJoined', 'participantLeft', 'sessionDestroyed'],
      );
    } finally {
      const back = { 'openvidu.webhook.endpoint': rx.url };
      assert.equal((await call(srv.url, 'POST', '/pro/restart', { body: back })).status, 200);
      await secure.stop();
    }
  });

  void it('a full queue drops new events with a log line', async () => {
    rx.mode = { kind: 'hold' };
    const dropped = sender().counters.dropped;
    // 50 slots: each session with one join/leave makes 4 events.
    for (let i = 0; i < 14; i++) {
      const { sessionId, token } = await sessionWithToken(srv.url);
      srv.sessions.leave(srv.sessions.join(sessionId, { token }));
    }
    assert.ok(sender().counters.dropped - dropped >= 5);
    assert.ok(
      logs.lines.some(
        (l) => l.level === 'warn' && /Webhook queue full \(50 events\): dropped \d+ event/.test(l.message),
      ),
    );
    rx.release();
    await idle();
  });
});
