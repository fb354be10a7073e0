import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KmsError } from './errors.js';
import type { MediaObject } from './objects/media-object.js';
import { SessionRegistry, type BoundConn } from './session-registry.js';

interface Ev {
  object: string;
  type: string;
  data: Record<string, unknown>;
}

function fakeConn(): BoundConn & { events: Ev[] } {
  const events: Ev[] = [];
  return {
    boundSession: undefined,
    events,
    sendEvent: (frame: string) => {
      const msg = JSON.parse(frame) as { method: string; params: { value: Ev } };
      assert.equal(msg.method, 'onEvent');
      events.push(msg.params.value);
    },
  };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KmsError, `expected a KmsError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

void describe('SessionRegistry', () => {
  let reg: SessionRegistry;
  const S = 'session-a';

  beforeEach(() => {
    reg = new SessionRegistry({ cpuCount: 4, log: () => {} });
  });
  afterEach(() => {
    reg.reset();
    reg.timers.clearAll();
  });

  const pipeline = (): MediaObject => reg.create('MediaPipeline', {}, S);
  const element = (type: string, p: MediaObject, extra: Record<string, unknown> = {}): MediaObject =>
    reg.create(type, { mediaPipeline: p.id, ...extra }, S);

  void it('builds ids in Kurento format and counts objects', () => {
    const p = pipeline();
    const ep = element('WebRtcEndpoint', p);
    assert.match(p.id, /^[0-9a-f-]{36}_kurento\.MediaPipeline$/);
    assert.match(ep.id, /^[0-9a-f-]{36}_kurento\.MediaPipeline\/[0-9a-f-]{36}_kurento\.WebRtcEndpoint$/);
    assert.ok(ep.id.startsWith(p.id + '/'));
    assert.equal(reg.objectCount, 2);
    assert.equal(reg.pipelines, 1);
    assert.equal(reg.endpoints, 1);
    assert.deepEqual(reg.pipelineIds(), [p.id]);
    assert.equal(reg.resolve('manager_ServerManager').type, 'ServerManager');
    assert.deepEqual(reg.resolve(ep.id).info.hierarchy.slice(0, 2), ['kurento.BaseRtpEndpoint', 'kurento.SdpEndpoint']);
  });

  void it('knows a session only once it used an object', () => {
    assert.equal(reg.isKnown(S), false);
    pipeline();
    assert.equal(reg.isKnown(S), true);
    assert.deepEqual(reg.sessionIds(), [S]);
    reg.ref('other', reg.manager);
    assert.equal(reg.isKnown('other'), true);
  });

  void it('answers unknown ids with 40101, unknown types with 40108, bad constructor params with 40001', () => {
    assert.equal(
      code(() => reg.resolve('nope')),
      40101,
    );
    assert.equal(
      code(() => reg.create('NoSuchThing', {}, S)),
      40108,
    );
    assert.equal(
      code(() => reg.create('WebRtcEndpoint', { mediaPipeline: 'gone_kurento.MediaPipeline' }, S)),
      40101,
    );
    assert.equal(
      code(() => reg.create('WebRtcEndpoint', undefined, S)),
      40001,
    );
    const p = pipeline();
    assert.equal(
      code(() => reg.create('RecorderEndpoint', { mediaPipeline: p.id }, S)),
      40001,
    );
  });

  void it('enforces the object limit on live objects only', () => {
    reg.maxObjects = 2;
    const p = pipeline();
    const ep = element('PassThrough', p);
    assert.equal(
      code(() => element('PassThrough', p)),
      40009,
    );
    reg.release(ep.id);
    element('PassThrough', p);
    reg.maxObjects = null;
    element('PassThrough', p);
    assert.equal(reg.objectCount, 3);
  });

  void it('releases a pipeline with its children, children first, and ignores unknown ids', () => {
    const conn = fakeConn();
    reg.bind(S, conn);
    reg.events.subscribe(S, reg.manager.id, 'ObjectDestroyed');
    reg.events.subscribe(S, reg.manager.id, 'ObjectCreated');
    const p = pipeline();
    const a = element('WebRtcEndpoint', p);
    const b = element('RecorderEndpoint', p, { uri: 'http://example.invalid/x.webm' });
    assert.deepEqual(
      conn.events.map((e) => [e.type, e.data.object]),
      [
        ['ObjectCreated', p.id],
        ['ObjectCreated', a.id],
        ['ObjectCreated', b.id],
      ],
    );
    conn.events.length = 0;
    reg.release(p.id);
    assert.deepEqual(
      conn.events.map((e) => e.data.objectId),
      [a.id, b.id, p.id],
    );
    assert.ok(conn.events.every((e) => e.object === 'manager_ServerManager' && e.data.type === undefined));
    assert.equal(reg.objectCount, 0);
    assert.equal(reg.endpoints, 0);
    assert.equal(
      code(() => reg.resolve(a.id)),
      40101,
    );
    reg.release(p.id);
    reg.release('never-existed');
  });

  void it('routes events to the socket currently bound to the subscribing session, or drops them', () => {
    const first = fakeConn();
    const second = fakeConn();
    const p = pipeline();
    reg.events.subscribe(S, p.id, 'Error');
    p.emit('Error', { description: 'x', errorCode: 1, type: 'X' }, false);
    reg.bind(S, first);
    p.emit('Error', { description: 'y', errorCode: 1, type: 'X' }, false);
    reg.bind(S, second);
    assert.equal(first.boundSession, undefined, 'a session is bound to one socket at a time');
    p.emit('Error', { description: 'z', errorCode: 1, type: 'X' }, false);
    assert.deepEqual(
      first.events.map((e) => e.data.description),
      ['y'],
    );
    assert.deepEqual(
      second.events.map((e) => e.data.description),
      ['z'],
    );
    reg.unbind(second);
    p.emit('Error', { description: 'lost', errorCode: 1, type: 'X' }, false);
    assert.equal(second.events.length, 1);
  });

  void it('holds events while a request is handled and delivers them on release', () => {
    const conn = fakeConn();
    reg.bind(S, conn);
    const p = pipeline();
    const sub = reg.events.subscribe(S, p.id, 'Error');
    reg.events.hold();
    p.emit('Error', {}, false);
    assert.equal(conn.events.length, 0);
    reg.events.release();
    assert.equal(conn.events.length, 1);
    reg.events.unsubscribe(sub);
    reg.events.unsubscribe(sub);
    p.emit('Error', {}, false);
    assert.equal(conn.events.length, 1);
  });

  void it('emits connection and media-flow events along the graph', () => {
    const conn = fakeConn();
    reg.bind(S, conn);
    const p = pipeline();
    const player = element('PlayerEndpoint', p, { uri: 'file:///nonexistent.webm' });
    const filter = element('FaceOverlayFilter', p);
    const rec = element('RecorderEndpoint', p, { uri: 'http://example.invalid/r.webm' });
    for (const o of [player, filter, rec]) {
      for (const t of ['ElementConnected', 'MediaFlowOutStateChanged', 'MediaFlowInStateChanged']) {
        reg.events.subscribe(S, o.id, t);
      }
    }
    player.invoke('connect', { sink: filter.id });
    filter.invoke('connect', { sink: rec.id, mediaType: 'VIDEO' });
    assert.deepEqual(
      conn.events.map((e) => [e.type, e.data.mediaType]),
      [
        ['ElementConnected', 'AUDIO'],
        ['ElementConnected', 'VIDEO'],
        ['ElementConnected', 'DATA'],
        ['ElementConnected', 'VIDEO'],
      ],
    );
    conn.events.length = 0;
    player.invoke('play', undefined);
    const flows = conn.events.map(
      (e) =>
        `${e.object === rec.id ? 'rec' : e.object === filter.id ? 'filter' : 'player'}:${e.type}:${String(e.data.mediaType)}:${String(e.data.state)}`,
    );
    assert.ok(flows.includes('player:MediaFlowOutStateChanged:VIDEO:FLOWING'));
    assert.ok(flows.includes('filter:MediaFlowInStateChanged:AUDIO:FLOWING'));
    assert.ok(flows.includes('rec:MediaFlowInStateChanged:VIDEO:FLOWING'));
    assert.ok(!flows.includes('rec:MediaFlowInStateChanged:AUDIO:FLOWING'), 'only video was connected to the recorder');
    assert.equal(rec.invoke('isMediaFlowingIn', { mediaType: 'VIDEO' }), true);
    assert.equal(rec.invoke('isMediaFlowingIn', { mediaType: 'AUDIO' }), false);
    conn.events.length = 0;
    reg.release(filter.id);
    assert.equal(rec.invoke('isMediaFlowingIn', { mediaType: 'VIDEO' }), false);
    assert.ok(conn.events.some((e) => e.object === player.id && e.data.state === 'NOT_FLOWING'));
  });

  void it('answers unknown operations with 40008 and typed setters with 40001', () => {
    const ep = element('WebRtcEndpoint', pipeline());
    assert.equal(
      code(() => ep.invoke('fly', { to: 'moon' })),
      40008,
    );
    assert.throws(() => ep.invoke('fly', { to: 'moon' }), /Method 'fly' with 1 parameters not found/);
    assert.equal(ep.invoke('setMaxVideoRecvBandwidth', { maxVideoRecvBandwidth: 800 }), null);
    assert.equal(ep.invoke('getMaxVideoRecvBandwidth', undefined), 800);
    assert.equal(
      code(() => ep.invoke('setMaxVideoRecvBandwidth', { maxVideoRecvBandwidth: 'lots' })),
      40001,
    );
    assert.equal(
      code(() => ep.invoke('setMediaState', { mediaState: 'CONNECTED' })),
      40008,
    );
  });

  void it('forgets everything on reset without raising events', () => {
    const conn = fakeConn();
    reg.bind(S, conn);
    reg.events.subscribe(S, reg.manager.id, 'ObjectDestroyed');
    element('WebRtcEndpoint', pipeline());
    reg.reset();
    assert.equal(conn.events.length, 0);
    assert.equal(conn.boundSession, undefined);
    assert.equal(reg.objectCount, 0);
    assert.equal(reg.isKnown(S), false);
    assert.equal(reg.events.subscriptionCount, 0);
  });
});
