// The element adapters and the call wrapper over a fake kurento-client: what one set-up batch sends,
// that a failed or late set-up leaves nothing behind, typed errors, and the client's lifecycle
// (docs/kurento-protocol.md §4, §5).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { Element, IceCandidate } from '../media-api.js';
import {
  MediaServerRequestError,
  MediaServerTimeoutError,
  MediaServerUnavailableError,
} from '../media-servers.errors.js';
import { fakeClientFactory, type FakeKurentoClient, type SentOp } from '../testing/fake-kurento-client.js';
import { flush } from '../testing/fakes.js';
import { KurentoConnection } from './kurento-connection.js';
import { KurentoMedia } from './kurento-media.js';

const TIMEOUT = 1000;
const BANDWIDTH = { maxRecv: 1000, minRecv: 300, maxSend: 1000, minSend: 300 };

/** One line per operation: what a reader of the wire would see (the object, when it already exists elsewhere). */
const line = (op: SentOp) =>
  [op.method, op.type ?? op.operation ?? '', op.method === 'create' ? '' : op.object.replace(/^.*\//, '')]
    .filter(Boolean)
    .join(' ');

void describe('Kurento element adapters over a fake client', () => {
  let available: boolean;
  let connection: KurentoConnection;
  let media: KurentoMedia;
  let clients: FakeKurentoClient[];
  let client: () => FakeKurentoClient;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
    available = true;
    const fake = fakeClientFactory();
    clients = fake.clients;
    client = () => clients.at(-1)!;
    connection = new KurentoConnection(
      'KMS-ADAPT1',
      'ws://127.0.0.1:1/kurento',
      { requestTimeout: TIMEOUT, maxFrameBytes: 1 << 20 },
      () => available,
      fake.factory,
    );
    media = new KurentoMedia(connection);
  });
  afterEach(() => {
    connection.close();
    mock.timers.reset();
  });

  void it('an endpoint set-up is one transaction: create, subscriptions, limits, calls, filter, source, offer', async () => {
    const pipeline = await media.createPipeline();
    const source = await pipeline.createWebRtcEndpoint();
    const events: string[] = [];
    const negotiated = await pipeline.createEndpoint({
      offer: 'v=0 offer',
      onIceCandidate: () => undefined,
      bandwidth: BANDWIDTH,
      events: { types: ['MediaFlowInStateChanged', 'Error'], listener: (type) => events.push(type) },
      calls: [{ operation: 'setOutputBitrate', params: { outputBitrate: 1 } }],
      source,
      filter: { type: 'GStreamerFilter', options: { command: 'videoflip method=1' } },
    });
    assert.equal(client().transactions.length, 1, 'one round trip');
    const [tx] = client().transactions;
    assert.deepEqual(tx.map(line), [
      'create WebRtcEndpoint',
      'subscribe IceCandidateFound',
      'subscribe MediaFlowInStateChanged',
      'subscribe Error',
      'invoke setMaxVideoRecvBandwidth',
      'invoke setMinVideoRecvBandwidth',
      'invoke setMaxVideoSendBandwidth',
      'invoke setMinVideoSendBandwidth',
      'invoke setOutputBitrate',
      'create GStreamerFilter',
      'invoke connect',
      `invoke connect ${source.id.replace(/^.*\//, '')}`,
      'invoke processOffer',
    ]);
    assert.deepEqual(tx[4].params, { maxVideoRecvBandwidth: 1000 });
    assert.deepEqual(tx[9].params, { command: 'videoflip method=1' });
    assert.deepEqual(tx.at(-1)!.params, { offer: 'v=0 offer' });
    assert.equal(negotiated.answer, 'v=0 answer');
    assert.ok(negotiated.endpoint.id.startsWith(`${pipeline.id}/`));
    assert.equal(negotiated.filter?.type, 'GStreamerFilter');
    assert.ok(negotiated.filter?.id.endsWith('_kurento.GStreamerFilter'));
    // Events subscribed in the batch reach the listener without a second subscription.
    const raw = tx[0].created!;
    raw.emit('MediaFlowInStateChanged', { state: 'FLOWING' });
    raw.emit('Error', 'not an object'); // dropped: event data is an object
    assert.deepEqual(events, ['MediaFlowInStateChanged']);
    assert.equal(client().sent.filter((o) => o.method === 'subscribe').length, 0);
  });

  void it('a failing step releases what the batch created and rejects with the Kurento code', async () => {
    const pipeline = await media.createPipeline();
    client().script = (op) =>
      op.operation === 'processOffer'
        ? { error: Object.assign(new Error('SDP end point already negotiated'), { code: 40208 }) }
        : { value: undefined };
    const err = await pipeline
      .createEndpoint({ offer: 'x', onIceCandidate: () => undefined, filter: { type: 'ZBarFilter', options: {} } })
      .then(
        () => assert.fail('must reject'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof MediaServerRequestError);
    assert.equal(err.code, 40208);
    assert.equal(err.mediaServerId, 'KMS-ADAPT1');
    const [tx] = client().transactions;
    const created = tx.filter((o) => o.method === 'create').map((o) => o.created!.id);
    assert.equal(created.length, 2);
    await flush();
    const released = client()
      .sent.filter((o) => o.method === 'release')
      .map((o) => o.object);
    assert.deepEqual(released.sort(), created.sort(), 'the endpoint and the filter, nothing else');
  });

  void it('an answer that is not SDP text is a malformed answer, and the endpoint is released', async () => {
    const pipeline = await media.createPipeline();
    client().script = (op) => (op.operation === 'processOffer' ? { value: { sdp: 1 } } : { value: undefined });
    await assert.rejects(
      pipeline.createEndpoint({ offer: 'x', onIceCandidate: () => undefined }),
      (e: unknown) => e instanceof MediaServerRequestError && /malformed answer/.test(e.message),
    );
    await flush();
    assert.deepEqual(
      client()
        .sent.filter((o) => o.method === 'release')
        .map((o) => o.object),
      [client().transactions[0][0].created!.id],
    );
  });

  void it('a set-up with no answer times out; endpoint and filter arriving late are released', async () => {
    const pipeline = await media.createPipeline();
    const fake = client();
    fake.script = () => 'silent';
    const pending = pipeline.createEndpoint({
      offer: 'x',
      onIceCandidate: () => undefined,
      filter: { type: 'FaceOverlayFilter', options: {} },
    });
    pending.catch(() => undefined);
    mock.timers.tick(TIMEOUT);
    await assert.rejects(pending, MediaServerTimeoutError);
    // The server answers after all: nobody owns what it made, so both go.
    fake.script = (op) => (op.operation === 'processOffer' ? { value: 'v=0 late' } : { value: undefined });
    fake.answerHeld();
    await flush();
    const created = fake.transactions[0].filter((o) => o.method === 'create').map((o) => o.created!.id);
    assert.equal(created.length, 2);
    assert.ok(created.every(Boolean));
    assert.deepEqual(
      fake.sent
        .filter((o) => o.method === 'release')
        .map((o) => o.object)
        .sort(),
      created.sort(),
    );
  });

  void it('ICE candidates reach the listener clean and bounded; a throwing listener stays inside', async () => {
    const pipeline = await media.createPipeline();
    const got: IceCandidate[] = [];
    let throwNext = false;
    const { endpoint } = await pipeline.createEndpoint({
      offer: 'x',
      onIceCandidate: (c) => {
        if (throwNext) throw new Error('listener bug');
        got.push(c);
      },
    });
    const raw = client().transactions[0][0].created!;
    raw.emit('IceCandidateFound', {
      candidate: {
        candidate: 'candidate:1 1 UDP 1 10.0.0.1 5000 typ host',
        sdpMid: 'x'.repeat(1000),
        sdpMLineIndex: 'bad',
      },
    });
    raw.emit('IceCandidateFound', { candidate: { candidate: 'y'.repeat(5000) } });
    raw.emit('IceCandidateFound', {});
    throwNext = true;
    assert.doesNotThrow(() => raw.emit('IceCandidateFound', { candidate: { candidate: 'candidate:2' } }));
    assert.deepEqual(got, [
      { candidate: 'candidate:1 1 UDP 1 10.0.0.1 5000 typ host', sdpMid: 'x'.repeat(256), sdpMLineIndex: 0 },
    ]);
    assert.ok(endpoint.id);
  });

  void it('connect takes only elements of this API; filters and hub ports are sinks like endpoints', async () => {
    const pipeline = await media.createPipeline();
    const a = await pipeline.createWebRtcEndpoint();
    const filter = await pipeline.createFilter('GStreamerFilter', { command: 'x' });
    const hub = await pipeline.createComposite();
    const port = await hub.createPort();
    const stranger: Element = {
      id: 'x',
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    await assert.rejects(a.connect(stranger), TypeError);
    await a.connect(filter);
    await filter.connect(port, 'VIDEO');
    await port.disconnect(a);
    const links = client()
      .sent.filter((o) => o.method === 'connect' || o.method === 'disconnect')
      .map((o) => [o.method, o.object, o.params?.sink, o.params?.kind]);
    assert.deepEqual(links, [
      ['connect', a.id, filter.id, undefined],
      ['connect', filter.id, port.id, 'VIDEO'],
      ['disconnect', port.id, a.id, undefined],
    ]);
  });

  void it('a filter unsubscribes its events before it is released, and refuses new ones afterwards', async () => {
    const pipeline = await media.createPipeline();
    client().script = (op) => (op.method === 'subscribe' ? { value: 'token-1' } : { value: undefined });
    const filter = await pipeline.createFilter('ZBarFilter', {});
    const codes: unknown[] = [];
    await filter.on('CodeFound', (d) => codes.push(d.value));
    const raw = client().sent.find((o) => o.type === 'ZBarFilter')!.created!;
    raw.emit('CodeFound', { value: 'qr' });
    assert.deepEqual(codes, ['qr']);
    await filter.release();
    await filter.release();
    assert.deepEqual(
      client()
        .sent.filter((o) => o.object === filter.id)
        .map((o) => o.method),
      ['subscribe', 'unsubscribe', 'release'],
    );
    await assert.rejects(
      filter.on('CodeFound', () => undefined),
      (e: unknown) => e instanceof MediaServerRequestError && e.code === 40101,
    );
  });

  void it('a created object without an id is refused and released', async () => {
    const fake = () => client();
    await media.createPipeline(); // the client exists from here on
    fake().script = (op) => (op.type === 'WebRtcEndpoint' ? { value: undefined } : { value: undefined });
    const pipeline = await media.createPipeline();
    const orig = fake().idFor.bind(fake());
    fake().idFor = (op) => (op.type === 'WebRtcEndpoint' ? '' : orig(op));
    await assert.rejects(
      pipeline.createWebRtcEndpoint(),
      (e: unknown) => e instanceof MediaServerRequestError && /no object id/.test(e.message),
    );
    await flush();
    assert.equal(fake().sent.at(-1)!.method, 'release');
  });

  void describe('the connection', () => {
    void it('while the probe sees the server down, calls fail fast and no client is made', async () => {
      available = false;
      await assert.rejects(media.createPipeline(), MediaServerUnavailableError);
      assert.equal(clients.length, 0);
      available = true;
      await media.createPipeline();
      assert.equal(clients.length, 1, 'made on first use');
      await media.createPipeline();
      assert.equal(clients.length, 1, 'and kept');
    });

    void it('a call with no answer times out after kms.request.timeout, not before', async () => {
      const pipeline = await media.createPipeline();
      client().script = () => 'silent';
      let settled = false;
      const pending = pipeline.createWebRtcEndpoint().finally(() => (settled = true));
      pending.catch(() => undefined);
      mock.timers.tick(TIMEOUT - 1);
      await flush();
      assert.equal(settled, false);
      mock.timers.tick(1);
      await assert.rejects(pending, MediaServerTimeoutError);
    });

    void it('close() settles the calls in flight as unavailable and closes the client for good', async () => {
      const pipeline = await media.createPipeline();
      const fake = client();
      fake.script = () => 'silent';
      const pending = pipeline.createWebRtcEndpoint();
      connection.close();
      await assert.rejects(pending, MediaServerUnavailableError);
      assert.equal(fake.closed >= 1, true);
      assert.equal(fake._re.disconnects, 1);
      await assert.rejects(media.createPipeline(), MediaServerUnavailableError);
      await connection.settle();
    });

    void it('a fault inside the client fails its calls and the next call gets a new client', async () => {
      const pipeline = await media.createPipeline();
      client().script = () => 'silent';
      const pending = pipeline.createWebRtcEndpoint();
      connection.contain(new Error('Cannot read properties of null'));
      await assert.rejects(pending, MediaServerRequestError);
      assert.equal(clients[0].closed >= 1, true);
      await media.createPipeline();
      assert.equal(clients.length, 2);
    });

    void it('a pipeline whose release could not go out can be released again', async () => {
      const pipeline = await media.createPipeline();
      available = false;
      await assert.rejects(pipeline.release(), MediaServerUnavailableError);
      available = true;
      await pipeline.release();
      await pipeline.release();
      assert.deepEqual(
        client()
          .sent.filter((o) => o.method === 'release')
          .map((o) => o.object),
        [pipeline.id],
      );
    });

    void it('serverUp() cuts a reconnection backoff short, and only then', async () => {
      await media.createPipeline();
      const re = client()._re;
      connection.serverUp();
      assert.equal(re.resets, 0);
      re.emit('backoff');
      connection.serverUp();
      assert.equal(re.resets, 1);
      connection.serverUp();
      assert.equal(re.resets, 1);
    });
  });
});
