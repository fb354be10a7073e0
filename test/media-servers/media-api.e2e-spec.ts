// The media API signalling uses (MediaServersService.media(id)) against the emulator: real
// kurento-client underneath, typed errors, no unhandled rejection and no crash (docs/kurento-protocol.md §5).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IceCandidate } from '../../src/media-servers/media-api.js';
import {
  MediaServerRequestError,
  MediaServerTimeoutError,
  MediaServerUnavailableError,
} from '../../src/media-servers/media-servers.errors.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { BROWSER_OFFER as OFFER } from '../support/sdp.js';
import { type RecordedEvent, recordMediaServerEvents } from '../support/media-servers.js';
import { until } from '../support/poll.js';

void describe('media API over kurento-client (one client per media server)', () => {
  let emu: Emulator;
  let t: App;
  let events: RecordedEvent[];
  let id: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    [emu] = await startEmulators(1);
    t = await bootWith([emu.uri], { KMS_REQUEST_TIMEOUT: '1500' });
    events = recordMediaServerEvents(t.app);
    id = t.pool.list()[0].id;
  });
  after(async () => {
    await t?.close();
    await emu?.close();
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejection at any point');
  });

  void it('pipeline, endpoints, SDP answer, ICE both ways, connect, release; nothing left on the server', async () => {
    const media = t.pool.media(id);
    const pipeline = await media.createPipeline();
    assert.match(pipeline.id, /_kurento\.MediaPipeline$/);
    const pub = await pipeline.createWebRtcEndpoint();
    const sub = await pipeline.createWebRtcEndpoint();
    assert.ok(pub.id.startsWith(`${pipeline.id}/`));

    const candidates: IceCandidate[] = [];
    pub.onIceCandidate((c) => candidates.push(c));
    const answer = await pub.processOffer(OFFER);
    assert.match(answer, /^v=0\r?\n/);
    assert.match(answer, /a=ice-ufrag:/);
    await pub.gatherCandidates();
    await until('candidates from the server', () => candidates.length > 0);
    assert.match(candidates[0].candidate, /^candidate:/);
    assert.equal(typeof candidates[0].sdpMLineIndex, 'number');
    await pub.addIceCandidate({
      candidate: 'candidate:3 1 UDP 2122260223 192.168.1.2 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    await pub.connect(sub);

    assert.deepEqual(await media.getPipelineIds(), [pipeline.id]);
    assert.equal(emu.stats().endpoints, 2);
    await sub.release();
    assert.equal(emu.stats().endpoints, 1);
    await pipeline.release();
    await pipeline.release(); // idempotent
    assert.deepEqual(await media.getPipelineIds(), []);
    assert.equal(emu.stats().objects, 0);
  });

  void it('a Kurento error rejects with its code (promise style would have resolved undefined)', async () => {
    const media = t.pool.media(id);
    const pipeline = await media.createPipeline();
    const ep = await pipeline.createWebRtcEndpoint();
    emu.failNext('processOffer', 1, 40208, 'SDP end point already negotiated');
    const err = await ep.processOffer(OFFER).then(
      () => assert.fail('processOffer should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof MediaServerRequestError);
    assert.equal(err.code, 40208);
    assert.equal(err.mediaServerId, id);

    emu.failNext('create', 1, 40009, 'Too many objects');
    const full = await media.createPipeline().then(
      () => assert.fail('create should fail'),
      (e: unknown) => e,
    );
    assert.ok(full instanceof MediaServerRequestError);
    assert.equal(full.code, 40009);
    await pipeline.release();
    assert.deepEqual(await media.getPipelineIds(), []);
  });

  void it('a failed subscribe neither crashes the process nor leaves an unhandled rejection', async () => {
    const media = t.pool.media(id);
    const pipeline = await media.createPipeline();
    const ep = await pipeline.createWebRtcEndpoint();
    emu.failNext('subscribe', 1, 40106, 'Event not supported');
    ep.onIceCandidate(() => undefined);
    // The client still works afterwards on the same socket.
    await ep.processOffer(OFFER);
    await pipeline.release();
  });

  void it('a hung server: the call times out, later calls fail fast while disconnected, all work again after', async () => {
    const media = t.pool.media(id);
    const pipeline = await media.createPipeline();
    emu.hang(true);
    try {
      const slow = await pipeline.createWebRtcEndpoint().then(
        () => assert.fail('no answer expected'),
        (e: unknown) => e,
      );
      assert.ok(slow instanceof MediaServerTimeoutError, String(slow));
      await until('probe marks it disconnected', () => t.pool.connectedCount() === 0);
      const fast = await media.createPipeline().then(
        () => assert.fail('must not be sent'),
        (e: unknown) => e,
      );
      assert.ok(fast instanceof MediaServerUnavailableError);
    } finally {
      emu.hang(false);
    }
    await until('connected again', () => t.pool.connectedCount() === 1);
    const again = await media.createPipeline();
    await again.release();
    await pipeline.release();
  });

  void it('after a restart old objects answer 40101 and new pipelines work', async () => {
    const media = t.pool.media(id);
    const pipeline = await media.createPipeline();
    const ep = await pipeline.createWebRtcEndpoint();
    await emu.restart();
    await until('reconnected', () => events.some((e) => e.name === 'media-server.restarted'));
    await until('connected', () => t.pool.connectedCount() === 1);
    const stale = await ep.processOffer(OFFER).then(
      () => assert.fail('the object is gone'),
      (e: unknown) => e,
    );
    assert.ok(stale instanceof MediaServerRequestError, String(stale));
    assert.equal(stale.code, 40101);
    const fresh = await media.createPipeline();
    assert.deepEqual(await media.getPipelineIds(), [fresh.id]);
    await fresh.release();
  });

  void it('media() of an unknown server throws MediaServerUnavailableError', () => {
    assert.throws(() => t.pool.media('KMS-NOSUCH'), MediaServerUnavailableError);
  });

  void it('deregistering a server settles its calls in flight as unavailable, not as timeouts', async () => {
    const media = t.pool.media(id);
    await (await media.createPipeline()).release(); // the client is connected
    emu.hang(true);
    try {
      const pending = media.createPipeline().then(
        () => assert.fail('no answer expected'),
        (e: unknown) => e,
      );
      await t.pool.deregister(id, { force: 'true' });
      const err = await pending;
      assert.ok(err instanceof MediaServerUnavailableError, String(err));
    } finally {
      emu.hang(false);
    }
  });
});
