// /metrics in Prometheus text format, read with a third-party parser, following a scripted scenario
// exactly: a join, a publish and a subscription, a refused join, a media server lost and back, and a
// webhook receiver that stops answering. Behind Basic auth on the main port; `metrics.port` serves
// it without auth on a second listener.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createSession, createToken } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { freePort } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';
import { Receiver } from '../support/webhook-receiver.js';
import { Scrape } from '../support/metrics.js';

function plainGet(url: string): Promise<{ status: number; text: string; type: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
          type: String(res.headers['content-type']),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

void describe('/metrics follows a scripted scenario', () => {
  let h: Harness;
  let metricsPort: number;
  const rx = new Receiver();
  const peers: Peer[] = [];
  let A = '';
  let B = '';

  const scrape = async (): Promise<Scrape> => {
    const r = await rest(h.url, 'GET', '/metrics');
    assert.equal(r.status, 200, r.text);
    return new Scrape(r.text);
  };
  /** Waits for the webhook queue to settle (nothing queued, `arrived` requests seen), then scrapes. */
  const settled = async (arrived: number): Promise<Scrape> => {
    await until(`${arrived} webhook requests`, () => rx.arrived.length === arrived && h.pool && true);
    return until('webhook queue empty', async () => {
      const m = await scrape();
      return m.value('openvidu_webhook_queue_length') === 0 ? m : undefined;
    });
  };
  const totals = (m: Scrape) => ({
    sessionsActive: m.value('openvidu_sessions', { state: 'active' }),
    sessionsIdle: m.value('openvidu_sessions', { state: 'idle' }),
    connections: m.value('openvidu_connections'),
    publishers: m.value('openvidu_publishers'),
    subscribers: m.value('openvidu_subscribers'),
    recordings: m.value('openvidu_recordings'),
  });
  const server = (m: Scrape, id: string) => ({
    connected: m.value('openvidu_media_server_connected', { media_server: id }),
    sessions: m.value('openvidu_media_server_sessions', { media_server: id }),
    streams: m.value('openvidu_media_server_streams', { media_server: id }),
    loadSessions: m.value('openvidu_media_server_load', { media_server: id, strategy: 'sessions' }),
    loadStreams: m.value('openvidu_media_server_load', { media_server: id, strategy: 'streams' }),
    reconnects: m.value('openvidu_media_server_reconnects_total', { media_server: id }),
    disconnections: m.value('openvidu_media_server_disconnections_total', { media_server: id }),
  });
  const joins = (m: Scrape) => ({
    ok: m.value('openvidu_joins_total', { result: 'ok' }),
    refused: m.value('openvidu_joins_total', { result: 'refused' }),
    failed: m.value('openvidu_joins_total', { result: 'failed' }),
    timed: m.value('openvidu_join_duration_seconds'),
  });
  const webhook = (m: Scrape) => ({
    sent: m.value('openvidu_webhook_sent_total'),
    retries: m.value('openvidu_webhook_retries_total'),
    droppedFull: m.value('openvidu_webhook_dropped_total', { reason: 'queue_full' }),
    droppedExhausted: m.value('openvidu_webhook_dropped_total', { reason: 'attempts_exhausted' }),
  });
  const idle = { sent: 0, retries: 0, droppedFull: 0, droppedExhausted: 0 };

  before(async () => {
    await rx.start();
    metricsPort = await freePort();
    h = await boot(
      {
        OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'sessions',
        OPENVIDU_WEBHOOK: 'true',
        OPENVIDU_WEBHOOK_ENDPOINT: rx.url,
        OPENVIDU_WEBHOOK_EVENTS: '["participantJoined","webrtcConnectionCreated"]',
        OPENVIDU_WEBHOOK_RETRY_MAX_ATTEMPTS: '2',
        OPENVIDU_WEBHOOK_RETRY_INITIAL_DELAY: '20',
        OPENVIDU_WEBHOOK_TIMEOUT: '1000',
        KMS_DISCONNECT_GRACE: '300',
        METRICS_PORT: String(metricsPort),
        METRICS_ADDRESS: '127.0.0.1',
      },
      2,
    );
    [A, B] = h.pool.list().map((s) => s.id);
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
    await rx.stop();
  });

  void it('starts with both media servers connected and nothing else', async () => {
    const m = await scrape();
    assert.match((await rest(h.url, 'GET', '/metrics')).text, /^# HELP /);
    assert.equal(m.value('openvidu_server_ready'), 1);
    for (const id of [A, B]) {
      assert.deepEqual(server(m, id), {
        connected: 1,
        sessions: 0,
        streams: 0,
        loadSessions: 0,
        loadStreams: 0,
        reconnects: 0,
        disconnections: 0,
      });
      assert.equal(m.samples('openvidu_media_server_info', { media_server: id, status: 'running' }).length, 1);
      // The sampler fetches no CPU or media-object figures for the `sessions` strategy: not shown.
      assert.equal(m.samples('openvidu_media_server_load', { media_server: id, strategy: 'cpu' }).length, 0);
      const rtt = await until(
        'a probe round trip',
        async () =>
          (await scrape()).samples('openvidu_media_server_probe_round_trip_seconds', { media_server: id })[0]?.value,
      );
      assert.ok(Number(rtt) > 0 && Number(rtt) < 1, `probe round trip ${rtt}`);
    }
    assert.deepEqual(totals(m), {
      sessionsActive: 0,
      sessionsIdle: 0,
      connections: 0,
      publishers: 0,
      subscribers: 0,
      recordings: 0,
    });
    assert.deepEqual(joins(m), { ok: 0, refused: 0, failed: 0, timed: 0 });
    assert.deepEqual(webhook(m), idle);
    for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']) {
      assert.ok(m.families.has(name), `${name} is exported`);
    }
  });

  void it('join, publish, subscribe and a refused join show in sessions, servers, joins, RPCs and webhook', async () => {
    const s = await createSession(h.url);
    let m = await scrape();
    assert.equal(m.value('openvidu_sessions', { state: 'idle' }), 1);

    const pub = await Peer.withRole(h, s, 'PUBLISHER');
    peers.push(pub);
    m = await settled(1);
    assert.deepEqual(totals(m), {
      sessionsActive: 1,
      sessionsIdle: 0,
      connections: 1,
      publishers: 0,
      subscribers: 0,
      recordings: 0,
    });
    assert.deepEqual(joins(m), { ok: 1, refused: 0, failed: 0, timed: 1 });
    assert.equal(server(m, A).sessions, 1);
    assert.equal(server(m, B).sessions, 0);

    await pub.publish();
    const sub = await Peer.withRole(h, s, 'SUBSCRIBER');
    peers.push(sub);
    await sub.subscribe(pub.streamId);
    const refused = await Peer.join(h, s, 'wss://nowhere?sessionId=x&token=not-a-token').catch((e: Error) => e);
    assert.ok(refused instanceof Error);

    m = await settled(4);
    assert.deepEqual(totals(m), {
      sessionsActive: 1,
      sessionsIdle: 0,
      connections: 2,
      publishers: 1,
      subscribers: 1,
      recordings: 0,
    });
    assert.deepEqual(server(m, A), {
      connected: 1,
      sessions: 1,
      streams: 2,
      loadSessions: 1,
      loadStreams: 2,
      reconnects: 0,
      disconnections: 0,
    });
    assert.deepEqual(server(m, B), {
      connected: 1,
      sessions: 0,
      streams: 0,
      loadSessions: 0,
      loadStreams: 0,
      reconnects: 0,
      disconnections: 0,
    });
    assert.deepEqual(joins(m), { ok: 2, refused: 1, failed: 0, timed: 2 });
    const rpc = (method: string, code: string) => m.value('openvidu_signalling_requests_total', { method, code });
    assert.equal(rpc('joinRoom', 'ok'), 2);
    assert.equal(rpc('joinRoom', '401'), 1);
    assert.equal(rpc('publishVideo', 'ok'), 1);
    assert.equal(rpc('receiveVideoFrom', 'ok'), 1);
    assert.deepEqual(webhook(m), { ...idle, sent: 4 });

    const http = (method: string, route: string, status: string) =>
      m.value('openvidu_http_requests_total', { method, route, status });
    assert.equal(http('POST', '/api/sessions', '200'), 1);
    assert.equal(http('POST', '/api/tokens', '200'), 2);
  });

  void it('a media server lost and back: disconnection, its sessions closed, a reconnect', async () => {
    const emuA = h.emus.find((e) => e.uri === h.pool.get(A)!.uri)!;
    await emuA.down();
    await until('A disconnected and its session closed', async () => {
      const m = await scrape();
      return server(m, A).connected === 0 && totals(m).sessionsActive === 0;
    });
    await emuA.up();
    await until('A back', () => h.pool.connectedCount() === 2);
    const m = await settled(4);
    assert.deepEqual(server(m, A), {
      connected: 1,
      sessions: 0,
      streams: 0,
      loadSessions: 0,
      loadStreams: 0,
      reconnects: 1,
      disconnections: 1,
    });
    assert.equal(server(m, B).disconnections, 0);
    assert.deepEqual(totals(m), {
      sessionsActive: 0,
      sessionsIdle: 0,
      connections: 0,
      publishers: 0,
      subscribers: 0,
      recordings: 0,
    });
    assert.deepEqual(webhook(m), { ...idle, sent: 4 });
  });

  void it('a webhook receiver that is down: one retry, then the event is dropped; the join still succeeds', async () => {
    await rx.stop();
    const s = await createSession(h.url);
    peers.push(await Peer.join(h, s, await createToken(h.url, s)));
    const m = await until('the event given up on', async () => {
      const x = await scrape();
      return webhook(x).droppedExhausted === 1 ? x : undefined;
    });
    assert.deepEqual(webhook(m), { sent: 4, retries: 1, droppedFull: 0, droppedExhausted: 1 });
    assert.equal(m.value('openvidu_webhook_queue_length'), 0);
    assert.deepEqual(joins(m), { ok: 3, refused: 1, failed: 0, timed: 3 });
    assert.equal(totals(m).connections, 1);
  });

  void it('needs Basic auth on the main port; requests are labelled by route template; metrics.port needs none', async () => {
    const anon = await plainGet(`${h.url}/metrics`);
    assert.equal(anon.status, 401);
    assert.equal((await rest(h.url, 'GET', '/api/sessions/no-such-session')).status, 404);
    assert.equal((await rest(h.url, 'GET', '/no/such/route')).status, 404);
    const m = await scrape();
    const http = (method: string, route: string, status: string) =>
      m.value('openvidu_http_requests_total', { method, route, status });
    assert.equal(http('GET', '/metrics', '401'), 1);
    assert.equal(http('GET', '/api/sessions/:sessionId', '404'), 1);
    assert.equal(http('GET', '(unmatched)', '404'), 1);
    assert.ok(!m.text.includes('no-such-session'), 'paths never become label values');
    assert.equal(m.family('openvidu_http_request_duration_seconds').type, 'HISTOGRAM');
    assert.match(
      m.text,
      /^openvidu_http_request_duration_seconds_count\{method="GET",route="\/api\/sessions\/:sessionId",status="404"\} 1$/m,
    );

    const side = await plainGet(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(side.status, 200);
    assert.match(side.type, /^text\/plain; version=0\.0\.4/);
    assert.equal(new Scrape(side.text).value('openvidu_media_server_connected', { media_server: A }), 1);
    assert.equal((await plainGet(`http://127.0.0.1:${metricsPort}/pro/config`)).status, 404);
  });
});
