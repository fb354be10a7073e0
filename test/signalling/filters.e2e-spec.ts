// Stream filters on the media server (docs/openvidu-api.md §8 applyFilter/execFilterMethod/removeFilter,
// add/removeFilterEventListener, notifications streamPropertyChanged and filterEventDispatched),
// as OpenVidu 2.11's KurentoSessionManager: the filter element sits between the publisher's
// endpoint and every subscriber, its events reach the connections that listen, and nothing of
// it is left on the media server once the filter, the stream or the session is gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../kms-emulator/raw-client.js';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { leftovers } from '../support/emulators.js';
import { VIDEO } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer, sdpOffer } from '../support/rpc.js';

type Conn = { source: string; sink: string; type: string };

void describe('signalling: stream filters on the media server (§8)', () => {
  let h: Harness;
  let kms: RawClient;
  const peers: Peer[] = [];
  const join = async (session: string, role: string, kurentoOptions?: Record<string, unknown>) => {
    const r = await rest(h.url, 'POST', '/api/tokens', { session, role, data: role, kurentoOptions });
    assert.equal(r.status, 200, r.text);
    const p = await Peer.join(h, session, r.json<{ token: string }>().token);
    peers.push(p);
    return p;
  };
  /** One `invoke` on the emulator from a client of its own, as any KMS client may do. */
  const invoke = async <T>(object: string, operation: string, operationParams?: object): Promise<T> => {
    const f = await kms.call('invoke', { object, operation, ...(operationParams ? { operationParams } : {}) });
    assert.equal(f.error, undefined, JSON.stringify(f.error));
    return f.result!.value as T;
  };
  /** Every element of every pipeline on the media server. */
  const elements = async (): Promise<string[]> => {
    const pipelines = await invoke<string[]>('manager_ServerManager', 'getPipelines');
    const lists = await Promise.all(pipelines.map((p) => invoke<string[]>(p, 'getChildren')));
    return lists.flat();
  };
  const ofType = async (type: string) => (await elements()).filter((id) => id.endsWith(`_kurento.${type}`));
  /** The sources feeding an element's VIDEO sink. */
  const videoSources = async (id: string) =>
    (await invoke<Conn[]>(id, 'getSourceConnections', { mediaType: 'VIDEO' })).map((c) => c.source);
  const filterChange = (p: Peer, reason: string) =>
    p.rpc.waitFor('streamPropertyChanged', (x) => x.property === 'filter' && x.reason === reason);

  before(async () => {
    h = await boot();
    kms = await RawClient.open(h.emus[0].uri);
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await kms?.close();
    await h?.close();
  });

  void it('applyFilter: 401 without permission; a MODERATOR inserts the filter between publisher and subscribers', async () => {
    const session = await createSession(h.url);
    const pub = await join(session, 'PUBLISHER');
    const sub = await join(session, 'SUBSCRIBER');
    const mod = await join(session, 'MODERATOR');
    await pub.publish();
    await sub.subscribe(pub.streamId);
    const params = {
      streamId: pub.streamId,
      type: 'GStreamerFilter',
      options: '{"command":"videobalance saturation=0.0"}',
    };

    // PUBLISHER without allowedFilters and SUBSCRIBER: 401, nothing created.
    assert.equal((await pub.rpc.fail('applyFilter', params)).code, 401);
    assert.equal((await sub.rpc.fail('applyFilter', params)).code, 401);
    assert.deepEqual(await ofType('GStreamerFilter'), []);

    await mod.rpc.call('applyFilter', params);
    const [filter] = await ofType('GStreamerFilter');
    assert.ok(filter, 'a GStreamerFilter exists on the media server');
    assert.equal(await invoke(filter, 'getCommand'), 'videobalance saturation=0.0');
    const endpoints = await ofType('WebRtcEndpoint');
    const fed = await Promise.all(endpoints.map(async (e) => ({ e, src: await videoSources(e) })));
    const subEp = fed.find((x) => x.src.includes(filter));
    assert.ok(subEp, 'the subscriber endpoint is fed by the filter');
    const pubEp = endpoints.find((e) => e !== subEp.e)!;
    assert.deepEqual(await videoSources(filter), [pubEp], 'the filter is fed by the publisher');
    const changed = await filterChange(sub, 'applyFilter');
    assert.deepEqual(changed.params.newValue, {
      type: 'GStreamerFilter',
      options: { command: 'videobalance saturation=0.0' },
    });

    // A second filter on the same stream: 405. A later subscriber is fed by the filter too.
    assert.equal((await mod.rpc.fail('applyFilter', params)).code, 405);
    await mod.subscribe(pub.streamId);
    const fedNow = await Promise.all((await ofType('WebRtcEndpoint')).map((e) => videoSources(e)));
    assert.equal(fedNow.filter((s) => s.includes(filter)).length, 2);

    // exec: the filter runs it, everyone sees lastExecMethod.
    const exec = {
      streamId: pub.streamId,
      method: 'setElementProperty',
      params: '{"propertyName":"saturation","propertyValue":"1.0"}',
    };
    await pub.rpc.call('execFilterMethod', exec);
    const execd = await filterChange(sub, 'execFilterMethod');
    assert.deepEqual((execd.params.newValue as Record<string, unknown>).lastExecMethod, {
      method: 'setElementProperty',
      params: { propertyName: 'saturation', propertyValue: '1.0' },
    });
    // A method GStreamerFilter does not have is refused by the media server: 303.
    assert.equal((await pub.rpc.fail('execFilterMethod', { ...exec, method: 'noSuchMethod' })).code, 303);

    // remove: subscribers are fed by the publisher again and the filter is released.
    await pub.rpc.call('removeFilter', { streamId: pub.streamId });
    await filterChange(sub, 'removeFilter');
    assert.deepEqual(await ofType('GStreamerFilter'), []);
    const after = await Promise.all((await ofType('WebRtcEndpoint')).map((e) => videoSources(e)));
    assert.equal(after.filter((s) => s.length === 1 && s[0] === pubEp).length, 2);
    assert.equal((await pub.rpc.fail('removeFilter', { streamId: pub.streamId })).code, 406);
    assert.equal((await pub.rpc.fail('execFilterMethod', exec)).code, 406);

    for (const p of [pub, sub, mod]) await p.leave();
    await until('nothing left on the media server', () => leftovers(h.emus) === 0);
  });

  void it('allowedFilters: the owner may apply listed types only; events reach the listeners only', async () => {
    const session = await createSession(h.url);
    const pub = await join(session, 'PUBLISHER', { allowedFilters: ['ZBarFilter'] });
    const mod = await join(session, 'MODERATOR');
    const other = await join(session, 'SUBSCRIBER');
    await pub.publish();
    await other.subscribe(pub.streamId);
    assert.equal(
      (await pub.rpc.fail('applyFilter', { streamId: pub.streamId, type: 'FaceOverlayFilter', options: '{}' })).code,
      401,
    );
    assert.equal(
      (await pub.rpc.fail('addFilterEventListener', { streamId: pub.streamId, eventType: 'CodeFound' })).code,
      406,
    );
    await pub.rpc.call('applyFilter', { streamId: pub.streamId, type: 'ZBarFilter', options: '{}' });
    const [zbar] = await ofType('ZBarFilter');
    assert.ok(zbar);

    // An event ZBarFilter does not raise is refused by the media server: 407.
    assert.equal(
      (await pub.rpc.fail('addFilterEventListener', { streamId: pub.streamId, eventType: 'NoSuchEvent' })).code,
      407,
    );
    await pub.rpc.call('addFilterEventListener', { streamId: pub.streamId, eventType: 'CodeFound' });
    await mod.rpc.call('addFilterEventListener', { streamId: pub.streamId, eventType: 'CodeFound' });
    h.emus[0].raise(zbar, 'CodeFound', { codeType: 'QR-Code', value: 'openvidu' });
    for (const p of [pub, mod]) {
      const n = await p.rpc.waitFor('filterEventDispatched', () => true);
      assert.equal(n.params.connectionId, pub.id);
      assert.equal(n.params.streamId, pub.streamId);
      assert.equal(n.params.filterType, 'ZBarFilter');
      assert.equal(n.params.eventType, 'CodeFound');
      const data = JSON.parse(n.params.data as string) as Record<string, unknown>;
      assert.equal(data.value, 'openvidu');
      assert.equal(data.codeType, 'QR-Code');
    }
    await other.sync();
    assert.equal(other.rpc.notifications.filter((n) => n.method === 'filterEventDispatched').length, 0);

    // Removing one listener keeps the other; removing the last stops the events; again → 407.
    await pub.rpc.call('removeFilterEventListener', { streamId: pub.streamId, eventType: 'CodeFound' });
    h.emus[0].raise(zbar, 'CodeFound', { codeType: 'QR-Code', value: 'second' });
    await mod.rpc.waitFor('filterEventDispatched', (p) => String(p.data).includes('second'));
    await mod.rpc.call('removeFilterEventListener', { streamId: pub.streamId, eventType: 'CodeFound' });
    h.emus[0].raise(zbar, 'CodeFound', { codeType: 'QR-Code', value: 'third' });
    await mod.sync();
    await pub.sync();
    const all = [...pub.rpc.notifications, ...mod.rpc.notifications].filter(
      (n) => n.method === 'filterEventDispatched',
    );
    assert.equal(all.filter((n) => String(n.params.data).includes('third')).length, 0);
    assert.equal(
      (await mod.rpc.fail('removeFilterEventListener', { streamId: pub.streamId, eventType: 'CodeFound' })).code,
      407,
    );

    // Unpublishing releases the filter with the endpoint.
    await pub.rpc.call('unpublishVideo', {});
    await until('filter released on unpublish', async () => (await ofType('ZBarFilter')).length === 0);
    for (const p of [pub, mod, other]) await p.leave();
    await until('nothing left on the media server', () => leftovers(h.emus) === 0);
  });

  void it('a filter sent with publishVideo feeds the subscribers; an unknown type is a media error', async () => {
    const session = await createSession(h.url);
    // KurentoSessionManager#publishVideo applies it only for a token whose allowedFilters has the type.
    const mod = await join(session, 'MODERATOR', { allowedFilters: ['FaceOverlayFilter'] });
    const sub = await join(session, 'SUBSCRIBER');
    await mod.publish({ filter: { type: 'FaceOverlayFilter', options: {} } });
    await sub.subscribe(mod.streamId);
    const [face] = await ofType('FaceOverlayFilter');
    assert.ok(face);
    const fed = await Promise.all((await ofType('WebRtcEndpoint')).map((e) => videoSources(e)));
    assert.equal(fed.filter((s) => s.includes(face)).length, 1);

    const bad = await mod.rpc.fail('applyFilter', { streamId: mod.streamId, type: 'NoSuchFilter', options: '{}' });
    assert.equal(bad.code, 405, 'a filter is already applied');
    await mod.rpc.call('removeFilter', { streamId: mod.streamId });
    const unknown = await mod.rpc.fail('applyFilter', { streamId: mod.streamId, type: 'NoSuchFilter', options: '{}' });
    assert.equal(unknown.code, 303);
    // The session ends with the filter in place: nothing is left.
    await mod.rpc.call('applyFilter', {
      streamId: mod.streamId,
      type: 'GStreamerFilter',
      options: '{"command":"videoflip method=1"}',
    });
    assert.equal((await ofType('GStreamerFilter')).length, 1);
    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}`)).status, 204);
    await until('nothing left on the media server', () => leftovers(h.emus) === 0);
  });

  // RpcHandler#applyFilter/#removeFilter (2.11): the permission check comes first and answers 401 with
  // its own message; SessionEventsHandler#onFilterChanged answers the caller and notifies the others;
  // KurentoSessionManager#publishVideo ignores a filter when the token has no kurentoOptions.
  void it('filter permissions, notification recipients and the no-kurentoOptions case follow 2.11', async () => {
    const session = await createSession(h.url);
    const pub = await join(session, 'PUBLISHER', { allowedFilters: ['GStreamerFilter'] });
    const mod = await join(session, 'MODERATOR');
    const other = await join(session, 'SUBSCRIBER');
    await pub.publish();

    const unknown = await other.rpc.fail('applyFilter', {
      streamId: 'nope_CAMERA_AAAAA',
      type: 'ZBarFilter',
      options: '{}',
    });
    assert.equal(unknown.code, 401, 'permission is checked before the stream is looked up');
    assert.equal(unknown.message, 'Unable to apply filter. The user does not have a valid token');
    const rm = await other.rpc.fail('removeFilter', { streamId: pub.streamId });
    assert.deepEqual([rm.code, rm.message], [401, 'Unable to remove filter. The user does not have a valid token']);

    // The owner applies: the others are notified, the owner only answered.
    const params = { streamId: pub.streamId, type: 'GStreamerFilter', options: '{"command":"videoflip method=1"}' };
    await pub.rpc.call('applyFilter', params);
    await filterChange(mod, 'applyFilter');
    await filterChange(other, 'applyFilter');
    await pub.sync();
    assert.equal(pub.rpc.received('streamPropertyChanged').length, 0);
    // A moderator removes it: the owner is notified this time, the moderator is not.
    await mod.rpc.call('removeFilter', { streamId: pub.streamId });
    await filterChange(pub, 'removeFilter');
    await mod.sync();
    assert.equal(mod.rpc.received('streamPropertyChanged', (x) => x.reason === 'removeFilter').length, 0);
    await pub.rpc.call('unpublishVideo', {});

    // publishVideo with a filter: ignored without kurentoOptions, 406 when the type is not allowed.
    const plain = await join(session, 'PUBLISHER');
    await plain.publish({ filter: { type: 'GStreamerFilter', options: { command: 'videoflip method=1' } } });
    assert.deepEqual(await ofType('GStreamerFilter'), []);
    const seen = await other.rpc.waitFor('participantPublished', (x) => x.id === plain.id);
    assert.deepEqual((seen.params.streams as Array<{ filter: unknown }>)[0].filter, {});
    const denied = await pub.rpc.fail('publishVideo', {
      sdpOffer: sdpOffer(),
      doLoopback: false,
      ...VIDEO,
      filter: { type: 'ZBarFilter', options: {} },
    });
    assert.equal(denied.code, 406);
    for (const p of [pub, mod, other, plain]) await p.leave();
    await until('nothing left on the media server', () => leftovers(h.emus) === 0);
  });
});
