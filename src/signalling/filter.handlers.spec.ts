import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MediaServerRequestError } from '../media-servers/media-servers.errors.js';
import { signallingUnit } from '../testing/signalling.js';

const GST = { type: 'GStreamerFilter', options: { command: 'videobalance saturation=0.0' } };
const FILTERS = { allowedFilters: ['GStreamerFilter', 'ZBarFilter'] };

/** A session with a publisher (allowed `FILTERS`), a subscriber receiving it and a moderator. */
async function stage(publisherOptions: Record<string, unknown> | undefined = FILTERS) {
  const u = signallingUnit();
  const session = u.newSession();
  const pub = await u.join(session, 'PUBLISHER', publisherOptions ? { kurentoOptions: publisherOptions } : {});
  const sub = await u.join(session, 'SUBSCRIBER');
  const mod = await u.join(session, 'MODERATOR');
  const streamId = await u.publish(pub);
  await u.call(sub, 'receiveVideoFrom', { sender: streamId, sdpOffer: 'x' });
  const pipeline = u.kms().lastPipeline;
  const [publisherEndpoint, subscriberEndpoint] = pipeline.endpoints;
  const filterOf = () =>
    u.sessions.participant({ sessionId: session, connectionId: pub.id })!.publisher!.mediaOptions.filter;
  return { u, session, pub, sub, mod, streamId, pipeline, publisherEndpoint, subscriberEndpoint, filterOf };
}

const changes = (c: { socket: { notifications(m?: string): Array<{ params: Record<string, unknown> }> } }) =>
  c.socket.notifications('streamPropertyChanged').map((n) => n.params);

void describe('FilterHandlers (applyFilter, execFilterMethod, removeFilter, filter event listeners)', () => {
  void describe('permissions (RpcHandler: a MODERATOR, or the owner with the type in allowedFilters)', () => {
    void it('applyFilter: 401 for others and for the owner without the type; the owner with it and a moderator may', async () => {
      const { u, pub, sub, streamId } = await stage();
      const denied = 'Unable to apply filter. The user does not have a valid token';
      const e1 = await u.fail(sub, 'applyFilter', { streamId, ...GST });
      assert.deepEqual([e1.code, e1.message], [401, denied]);
      const e2 = await u.fail(pub, 'applyFilter', { streamId, type: 'FaceOverlayFilter', options: {} });
      assert.deepEqual([e2.code, e2.message], [401, denied]);
      await u.call(pub, 'applyFilter', { streamId, ...GST });
      const { u: u2, mod, streamId: other } = await stage(undefined);
      await u2.call(mod, 'applyFilter', { streamId: other, type: 'FaceOverlayFilter', options: {} });
    });

    void it('execFilterMethod and the listener methods: 401 for anyone but the owner or a moderator', async () => {
      const { u, pub, sub, mod, streamId } = await stage();
      await u.call(pub, 'applyFilter', { streamId, ...GST });
      const exec = { streamId, method: 'setElementProperty', params: { propertyName: 'p', propertyValue: 'v' } };
      assert.equal((await u.fail(sub, 'execFilterMethod', exec)).code, 401);
      assert.equal((await u.fail(sub, 'addFilterEventListener', { streamId, eventType: 'CodeFound' })).code, 401);
      assert.equal((await u.fail(sub, 'removeFilter', { streamId })).code, 401);
      await u.call(mod, 'execFilterMethod', exec);
      await u.call(pub, 'execFilterMethod', exec);
    });

    void it('the permission is checked before whether the stream exists (401 first, then 105)', async () => {
      const { u, sub, mod } = await stage();
      assert.equal((await u.fail(sub, 'applyFilter', { streamId: 'nope_CAMERA_AAAAA', ...GST })).code, 401);
      assert.equal((await u.fail(mod, 'applyFilter', { streamId: 'nope_CAMERA_AAAAA', ...GST })).code, 105);
    });
  });

  void describe('applyFilter and removeFilter', () => {
    void it('insert the filter between publisher and subscribers, and take it out again', async () => {
      const { u, pub, sub, mod, streamId, pipeline, publisherEndpoint, subscriberEndpoint, filterOf } = await stage();
      await u.call(pub, 'applyFilter', { streamId, ...GST });
      const filter = pipeline.filters[0];
      assert.deepEqual([filter.type, filter.options], [GST.type, GST.options]);
      assert.ok(publisherEndpoint.sinks.has(filter) && filter.sinks.has(subscriberEndpoint));
      assert.deepEqual(filterOf(), { type: GST.type, options: GST.options });
      const applied = { connectionId: pub.id, streamId, property: 'filter', newValue: GST, reason: 'applyFilter' };
      assert.deepEqual(changes(sub), [applied]);
      assert.deepEqual(changes(mod), [applied]);
      assert.equal(changes(pub).length, 0, 'the caller gets its answer instead');
      const again = await u.fail(mod, 'applyFilter', { streamId, ...GST });
      assert.equal(again.code, 405);
      await u.call(mod, 'removeFilter', { streamId });
      assert.ok(filter.released);
      assert.ok(u.kms().calls.includes(`connect ${publisherEndpoint.id} -> ${subscriberEndpoint.id}`));
      assert.equal(filterOf(), null);
      assert.equal(changes(pub).at(-1)?.reason, 'removeFilter');
      assert.equal((await u.fail(mod, 'removeFilter', { streamId })).code, 406);
    });

    void it('a filter type the media server does not know is a media error and leaves the stream unfiltered', async () => {
      const { u, mod, streamId, filterOf, pipeline } = await stage();
      const e = await u.fail(mod, 'applyFilter', { streamId, type: 'NoSuchFilter', options: {} });
      assert.equal(e.code, 303);
      assert.equal(filterOf(), null);
      assert.equal(pipeline.filters.length, 0);
      await u.call(mod, 'applyFilter', { streamId, ...GST });
    });

    void it('options may arrive as JSON text; anything else that is not an object is refused (999)', async () => {
      const { u, mod, streamId, filterOf } = await stage();
      assert.equal((await u.fail(mod, 'applyFilter', { streamId, type: GST.type, options: '[1]' })).code, 999);
      await u.call(mod, 'applyFilter', { streamId, type: GST.type, options: JSON.stringify(GST.options) });
      assert.deepEqual(filterOf()?.options, GST.options);
    });
  });

  void describe('execFilterMethod', () => {
    void it('invokes the method on the filter and records lastExecMethod; 406 with no filter, 303 when the server refuses', async () => {
      const { u, pub, sub, streamId, pipeline, filterOf } = await stage();
      const exec = { streamId, method: 'setElementProperty', params: { propertyName: 'p', propertyValue: 'v' } };
      assert.equal((await u.fail(pub, 'execFilterMethod', exec)).code, 406);
      await u.call(pub, 'applyFilter', { streamId, ...GST });
      await u.call(pub, 'execFilterMethod', exec);
      assert.deepEqual(pipeline.filters[0].invoked, [{ method: exec.method, params: exec.params }]);
      assert.deepEqual(filterOf()?.lastExecMethod, { method: exec.method, params: exec.params });
      assert.deepEqual(changes(sub).at(-1), {
        connectionId: pub.id,
        streamId,
        property: 'filter',
        newValue: { ...GST, lastExecMethod: { method: exec.method, params: exec.params } },
        reason: 'execFilterMethod',
      });
      const filter = pipeline.filters[0];
      filter.invoke = () => Promise.reject(new MediaServerRequestError('no such method', 'KMS-FAKE', 40101, 'x'));
      assert.equal((await u.fail(pub, 'execFilterMethod', { ...exec, method: 'noSuchMethod' })).code, 303);
    });
  });

  void describe('filter event listeners', () => {
    void it('events reach only the connections that listen; the last listener gone unsubscribes on the server', async () => {
      const { u, pub, sub, mod, streamId, pipeline } = await stage();
      assert.equal((await u.fail(mod, 'addFilterEventListener', { streamId, eventType: 'CodeFound' })).code, 406);
      await u.call(pub, 'applyFilter', { streamId, type: 'ZBarFilter', options: {} });
      const filter = pipeline.filters[0];
      await u.call(pub, 'addFilterEventListener', { streamId, eventType: 'CodeFound' });
      await u.call(mod, 'addFilterEventListener', { streamId, eventType: 'CodeFound' });
      filter.listeners.get('CodeFound')!({ value: 'qr' });
      const dispatched = {
        connectionId: pub.id,
        streamId,
        filterType: 'ZBarFilter',
        eventType: 'CodeFound',
        data: '{"value":"qr"}',
      };
      for (const c of [pub, mod]) {
        assert.deepEqual(
          c.socket.notifications('filterEventDispatched').map((n) => n.params),
          [dispatched],
        );
      }
      assert.equal(sub.socket.notifications('filterEventDispatched').length, 0);
      await u.call(mod, 'removeFilterEventListener', { streamId, eventType: 'CodeFound' });
      assert.ok(filter.listeners.has('CodeFound'), 'the owner still listens');
      await u.call(pub, 'removeFilterEventListener', { streamId, eventType: 'CodeFound' });
      assert.equal(filter.listeners.has('CodeFound'), false);
      assert.equal((await u.fail(pub, 'removeFilterEventListener', { streamId, eventType: 'CodeFound' })).code, 407);
    });

    void it('an event type the filter refuses is 407 (KurentoSessionManager#addFilterEventListenerInPublisher)', async () => {
      const { u, pub, streamId, pipeline } = await stage();
      await u.call(pub, 'applyFilter', { streamId, ...GST });
      pipeline.filters[0].refuse.add('NoSuchEvent');
      assert.equal((await u.fail(pub, 'addFilterEventListener', { streamId, eventType: 'NoSuchEvent' })).code, 407);
    });
  });

  void describe('a filter sent with publishVideo', () => {
    void it('is made with the endpoint when allowed, refused with 406 when not, and ignored without kurentoOptions', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const allowed = await u.join(session, 'PUBLISHER', { kurentoOptions: FILTERS });
      await u.publish(allowed, { filter: GST });
      const made = u.kms().lastPipeline.filters[0];
      assert.equal(made.type, GST.type);
      const notListed = await u.join(session, 'MODERATOR', { kurentoOptions: { allowedFilters: ['ZBarFilter'] } });
      const e = await u.fail(notListed, 'publishVideo', { sdpOffer: 'x', filter: GST });
      assert.equal(e.code, 406);
      const noOptions = await u.join(session, 'PUBLISHER');
      const streamId = await u.publish(noOptions, { filter: GST });
      const p = u.sessions.get(session)!.findStream(streamId)!;
      assert.equal(p.publisher!.mediaOptions.filter, null);
      assert.equal(u.kms().lastPipeline.filters.length, 1);
    });

    void it('an unpublished stream takes its filter with it', async () => {
      const u = signallingUnit();
      const session = u.newSession();
      const pub = await u.join(session, 'PUBLISHER', { kurentoOptions: FILTERS });
      await u.publish(pub, { filter: GST });
      await u.call(pub, 'unpublishVideo');
      assert.ok(u.kms().lastPipeline.filters[0].released);
      assert.equal(u.registry.mediaOf(session)?.filters.size, 0);
    });
  });
});
