// What the emulator puts on the wire, checked with a bare `ws` client against docs/kurento-protocol.md §2.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { BROWSER_OFFER } from '../support/sdp.js';
import { error, RawClient, result } from './raw-client.js';

const MANAGER = 'manager_ServerManager';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

void describe('KMS emulator wire protocol', () => {
  let emu: KmsEmulator;
  const clients: RawClient[] = [];
  const open = async (): Promise<RawClient> => {
    const c = await RawClient.open(emu.uri);
    clients.push(c);
    return c;
  };
  /** A socket bound to a fresh session, with one pipeline and one WebRtcEndpoint. */
  const withEndpoint = async (): Promise<{ c: RawClient; sessionId: string; pipeline: string; ep: string }> => {
    const c = await open();
    const p = result(await c.call('create', { type: 'MediaPipeline', constructorParams: {}, properties: {} }));
    const pipeline = p.value as string;
    const e = result(
      await c.call('create', { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: pipeline } }),
    );
    return { c, sessionId: p.sessionId as string, pipeline, ep: e.value as string };
  };

  before(async () => {
    emu = await startKmsEmulator();
  });
  afterEach(() => {
    emu.hang(false);
    emu.setLatency(0);
    emu.setLimit(null);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await emu.close();
  });

  void it('creates a session on the first request, binds the socket to it and injects it later', async () => {
    const c = await open();
    assert.deepEqual(result(await c.call('ping', { interval: 5000 })), { value: 'pong' });
    const d = result(await c.call('describe', { object: MANAGER }));
    assert.deepEqual(Object.keys(d).sort(), ['hierarchy', 'qualifiedType', 'sessionId', 'type']);
    assert.deepEqual(d.hierarchy, ['kurento.MediaObject']);
    assert.equal(d.qualifiedType, 'kurento.ServerManager');
    assert.equal(d.type, 'ServerManager');
    assert.match(d.sessionId as string, UUID);
    const p = result(await c.call('create', { type: 'MediaPipeline', constructorParams: {}, properties: {} }));
    assert.equal(p.sessionId, d.sessionId);
    assert.match(p.value as string, /^[0-9a-f-]{36}_kurento\.MediaPipeline$/);
    assert.deepEqual(result(await c.call('ping')), { sessionId: d.sessionId, value: 'pong' });
    const raw = c.frames[0].raw;
    assert.ok(raw.startsWith('{"id":1,"jsonrpc":"2.0","result":'), raw);
  });

  void it('puts sessionId in every non-ping result and never answers "result": null', async () => {
    const { c, sessionId, pipeline, ep } = await withEndpoint();
    const calls: Array<[string, Record<string, unknown>]> = [
      ['describe', { object: ep }],
      ['invoke', { object: ep, operation: 'setName', operationParams: { name: 'pub' } }],
      ['invoke', { object: ep, operation: 'getName' }],
      ['subscribe', { object: ep, type: 'IceCandidateFound' }],
      ['invoke', { object: ep, operation: 'processOffer', operationParams: { offer: BROWSER_OFFER } }],
      ['invoke', { object: ep, operation: 'gatherCandidates' }],
      ['invoke', { object: MANAGER, operation: 'getUsedCpu', operationParams: { interval: 0 } }],
      ['unsubscribe', { object: ep, subscription: 'no-such-subscription' }],
      ['keepAlive', {}],
      ['connect', { sessionId }],
      ['release', { object: 'never-existed_kurento.MediaPipeline' }],
      ['release', { object: pipeline }],
    ];
    const results: Array<Record<string, unknown>> = [];
    for (const [method, params] of calls) {
      const r = result(await c.call(method, params));
      assert.equal(r.sessionId, sessionId, `${method} result lacks the sessionId`);
      results.push(r);
    }
    const voidInvoke = c.frames.find((f) => f.raw.includes('"value":null'));
    assert.ok(voidInvoke, 'void operations answer {sessionId, value: null}');
    assert.ok(c.frames.every((f) => !f.raw.includes('"result":null')));
    assert.match(results[3].value as string, UUID, 'subscribe answers {sessionId, value: <subscription id>}');
    assert.deepEqual(Object.keys(results[7]), ['sessionId'], 'unsubscribe answers {sessionId}');
  });

  void it('handles one socket in order while other sockets stay independent', async () => {
    const a = await open();
    const b = await open();
    await a.call('describe', { object: MANAGER });
    await b.call('describe', { object: MANAGER });
    const t0 = Date.now();
    const cpu = a.send('invoke', { object: MANAGER, operation: 'getUsedCpu', operationParams: { interval: 300 } });
    const pingA = a.send('ping');
    const pingB = b.send('ping');
    await b.waitFor((f) => f.id === pingB);
    const tB = Date.now() - t0;
    await a.waitFor((f) => f.id === pingA);
    const tA = Date.now() - t0;
    assert.ok(tB < 150, `ping on another socket took ${tB} ms`);
    assert.ok(tA >= 290, `ping queued behind getUsedCpu(300) came after ${tA} ms`);
    const order = a.frames.map((f) => f.msg.id);
    assert.ok(order.indexOf(cpu) < order.indexOf(pingA));
    const v = result(a.frames.find((f) => f.msg.id === cpu)!.msg).value as number;
    assert.ok(typeof v === 'number' && v >= 0 && v <= 100);
  });

  void it('keeps concurrent sockets in separate sessions', async () => {
    const socks = await Promise.all([1, 2, 3, 4, 5].map(() => open()));
    const created = await Promise.all(socks.map((s) => s.call('create', { type: 'MediaPipeline' })));
    const ids = created.map((f) => result(f).sessionId as string);
    assert.equal(new Set(ids).size, 5);
    const sessions = result(await socks[0].call('invoke', { object: MANAGER, operation: 'getSessions' }));
    for (const id of ids) assert.ok((sessions.value as string[]).includes(id));
    const pipelines = result(await socks[0].call('invoke', { object: MANAGER, operation: 'getPipelines' }));
    for (const f of created) assert.ok((pipelines.value as string[]).includes(result(f).value as string));
    assert.ok(emu.stats().sockets >= 5);
  });

  void it('accepts then closes a socket opened on another path', async () => {
    const ws = new WebSocket(emu.uri.replace('/kurento', '/other'));
    let opened = false;
    ws.on('open', () => (opened = true));
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.on('close', (c: number, r: Buffer) => resolve([c, r.toString()])),
    );
    assert.equal(opened, true);
    assert.equal(code, 1002);
    assert.equal(reason, 'Invalid path');
  });

  void it('answers WebSocket ping frames with pongs, and nothing at all while hung', async () => {
    const c = await open();
    const pong = (ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), ms);
        c.ws.once('pong', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
    let got = pong(1000);
    c.ws.ping('a');
    assert.equal(await got, true);
    emu.hang(true);
    got = pong(300);
    c.ws.ping('b');
    const lost = c.send('ping');
    assert.equal(await got, false, 'no pong while hung');
    emu.hang(false);
    got = pong(1000);
    c.ws.ping('c');
    assert.equal(await got, true);
    assert.deepEqual(result(await c.call('ping')), { value: 'pong' });
    assert.ok(!c.frames.some((f) => f.msg.id === lost), 'a request read while hung is never answered');
  });

  void it('returns errors in the shapes KMS uses', async () => {
    const c = await open();
    error(await c.call('create'), -32602, 'INVALID_PARAMS');
    c.sendRaw('this is not json');
    const parse = await c.waitFor((f) => f.error?.code === -32700);
    assert.equal(parse.id, null);
    assert.deepEqual(parse.error, { code: -32700, message: 'Parse error.' });
    c.sendRaw('{"id":99,"method":"ping"}');
    assert.equal((await c.waitFor((f) => f.error?.code === -32600)).id, null);
    assert.equal(error(await c.call('frobnicate', {}), -32601).message, 'Method not found.');
    const { c: d, ep } = await withEndpoint();
    assert.equal(error(await d.call('create', {}), -32000).message, "'type' parameter is required");
    const gone = error(
      await d.call('describe', { object: 'x_kurento.MediaPipeline' }),
      40101,
      'MEDIA_OBJECT_NOT_FOUND',
    );
    assert.equal(gone.message, "Object 'x_kurento.MediaPipeline' not found");
    error(await d.call('create', { type: 'NoSuchElement' }), 40108, 'MEDIA_OBJECT_NOT_AVAILABLE');
    const op = error(await d.call('invoke', { object: ep, operation: 'fly' }), 40008, 'MALFORMED_TRANSACTION');
    assert.equal(op.message, "Method 'fly' with 0 parameters not found");
    error(await d.call('subscribe', { object: ep, type: 'NotAnEvent' }), 40106, 'MEDIA_OBJECT_EVENT_NOT_SUPPORTED');
    const offer = { object: ep, operation: 'processOffer', operationParams: { offer: 'garbage' } };
    error(await d.call('invoke', offer), 40201, 'SDP_PARSE_ERROR');
    offer.operationParams.offer = BROWSER_OFFER;
    result(await d.call('invoke', offer));
    error(await d.call('invoke', offer), 40208, 'SDP_END_POINT_ALREADY_NEGOTIATED');
    error(await d.call('connect', { sessionId: 'not-a-known-session' }), 40007, 'INVALID_SESSION');
    // As in KMS: `connect` alone creates no session state, so a second connect on that socket (which gets the
    // bound sessionId injected) is refused until the session has used some object.
    const e = await open();
    const s = result(await e.call('connect')).sessionId;
    assert.deepEqual(result(await e.call('ping')), { sessionId: s, value: 'pong' });
    error(await e.call('connect'), 40007, 'INVALID_SESSION');
    result(await e.call('describe', { object: MANAGER }));
    assert.equal(result(await e.call('connect')).sessionId, s);
    d.sendRaw('{"jsonrpc":"2.0","method":"ping"}');
    const note = await d.waitFor((f) => f.error?.code === -32000 && f.id === null);
    assert.equal(note.error?.message, 'Ignoring response because of a notification request');
  });

  void it('delivers events to the socket currently bound to the subscribing session', async () => {
    const { c: a, sessionId, ep } = await withEndpoint();
    const watcher = await open();
    await watcher.call('subscribe', { object: MANAGER, type: 'ObjectCreated' });
    result(await a.call('subscribe', { object: ep, type: 'IceCandidateFound' }));
    result(await a.call('subscribe', { object: ep, type: 'IceGatheringDone' }));
    const b = await open();
    assert.equal(result(await b.call('connect', { sessionId })).serverId, emu.serverId);
    result(
      await b.call('invoke', { object: ep, operation: 'processOffer', operationParams: { offer: BROWSER_OFFER } }),
    );
    const gather = b.send('invoke', { object: ep, operation: 'gatherCandidates' });
    await b.waitFor((f) => f.method === 'onEvent' && f.params?.value?.type === 'IceGatheringDone');
    assert.equal(a.events().length, 0, 'the old socket lost the session binding');
    const found = b.events('IceCandidateFound');
    assert.equal(found.length, 4);
    assert.ok(found.every((e) => e.object === ep && e.data.source === ep && e.data.type === 'IceCandidateFound'));
    const cand = found[0].data.candidate as Record<string, unknown>;
    assert.equal(cand.__type__, 'IceCandidate');
    assert.equal(typeof cand.candidate, 'string');
    const iGather = b.frames.findIndex((f) => f.msg.id === gather);
    const iEvent = b.frames.findIndex((f) => f.msg.method === 'onEvent');
    assert.ok(iGather < iEvent, 'events follow the response that caused them');
    const other = await open();
    const p = result(await other.call('create', { type: 'MediaPipeline' })).value;
    const created = await watcher.waitFor((f) => f.params?.value?.data.object === p);
    assert.equal(created.params?.value?.object, MANAGER);
  });

  void it('runs transactions with newref references', async () => {
    const c = await open();
    const ops = [
      { jsonrpc: '2.0', id: 0, method: 'create', params: { type: 'MediaPipeline', constructorParams: {} } },
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'create',
        params: { type: 'PassThrough', constructorParams: { mediaPipeline: 'newref:0' } },
      },
      { jsonrpc: '2.0', id: 2, method: 'invoke', params: { object: 'newref:1', operation: 'getMediaPipeline' } },
    ];
    const r = result(await c.call('transaction', { operations: ops }));
    const value = r.value as Array<{ id: number; result: { value: string; sessionId: string } }>;
    assert.deepEqual(
      value.map((v) => v.id),
      [0, 1, 2],
    );
    assert.ok(value[1].result.value.startsWith(value[0].result.value + '/'));
    assert.equal(value[2].result.value, value[0].result.value);
    assert.equal(value[0].result.sessionId, r.sessionId);
  });

  void it('fails an armed operation inside a transaction, stops there, and keeps an operation its own session', async () => {
    const c = await open();
    emu.failNext('processOffer', 1, 40201);
    const ops = [
      { jsonrpc: '2.0', id: 0, method: 'create', params: { type: 'MediaPipeline', constructorParams: {} } },
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'create',
        params: { type: 'WebRtcEndpoint', constructorParams: { mediaPipeline: 'newref:0' }, sessionId: 'other' },
      },
      { jsonrpc: '2.0', id: 2, method: 'invoke', params: { object: 'newref:1', operation: 'processOffer' } },
      { jsonrpc: '2.0', id: 3, method: 'invoke', params: { object: 'newref:1', operation: 'gatherCandidates' } },
    ];
    const r = result(await c.call('transaction', { operations: ops }));
    const value = r.value as Array<{ id: number; result?: { sessionId: string }; error?: { code: number } }>;
    assert.deepEqual(
      value.map((v) => v.id),
      [0, 1, 2],
      'nothing runs after the failed operation',
    );
    assert.equal(value[2].error?.code, 40201);
    assert.equal(value[0].result?.sessionId, r.sessionId);
    assert.equal(value[1].result?.sessionId, 'other');
  });

  void it('applies latency, injected failures and the object limit', async () => {
    const { c, ep } = await withEndpoint();
    emu.setLatency(150);
    const t0 = Date.now();
    await c.call('ping');
    assert.ok(Date.now() - t0 >= 140);
    emu.setLatency(0);
    emu.failNext('ping', 2, 40003, 'boom');
    assert.equal(error(await c.call('ping'), 40003, 'UNEXPECTED_ERROR').message, 'boom');
    error(await c.call('ping'), 40003, 'UNEXPECTED_ERROR');
    result(await c.call('ping'));
    emu.failNext('processOffer', 1, 40205);
    const offer = { object: ep, operation: 'processOffer', operationParams: { offer: BROWSER_OFFER } };
    result(await c.call('invoke', { object: ep, operation: 'getName' }));
    error(await c.call('invoke', offer), 40205, 'SDP_END_POINT_PROCESS_OFFER_ERROR');
    assert.match(result(await c.call('invoke', offer)).value as string, /^v=0\r\n/);
    emu.setLimit(emu.stats().objects + 1);
    result(await c.call('create', { type: 'MediaPipeline' }));
    error(await c.call('create', { type: 'MediaPipeline' }), 40009, 'NOT_ENOUGH_RESOURCES');
  });
});

void describe('KMS emulator lifecycle faults on the wire', () => {
  let emu: KmsEmulator;
  before(async () => {
    emu = await startKmsEmulator({ cpuCount: 2 });
  });
  after(async () => {
    await emu.close();
  });

  void it('restart forgets sessions and objects, down refuses connections, up listens on the same port', async () => {
    const a = await RawClient.open(emu.uri);
    const p = result(await a.call('create', { type: 'MediaPipeline' }));
    const first = result(await a.call('connect', {}));
    assert.equal(first.serverId, emu.serverId);
    const closed = new Promise((resolve) => a.ws.once('close', resolve));
    await emu.restart();
    await closed;
    assert.notEqual(emu.serverId, first.serverId);
    const b = await RawClient.open(emu.uri);
    error(await b.call('connect', { sessionId: p.sessionId }), 40007, 'INVALID_SESSION');
    error(await b.call('describe', { object: p.value }), 40101, 'MEDIA_OBJECT_NOT_FOUND');
    assert.equal(emu.stats().objects, 0);
    const port = emu.port;
    await emu.down();
    await assert.rejects(RawClient.open(emu.uri), /ECONNREFUSED/);
    await emu.up();
    assert.equal(emu.port, port);
    const c = await RawClient.open(emu.uri);
    assert.deepEqual(result(await c.call('ping')), { value: 'pong' });
    assert.equal(
      result(await c.call('invoke', { object: 'manager_ServerManager', operation: 'getCpuCount' })).value,
      2,
    );
    await sleep(10);
    await Promise.all([b.close(), c.close()]);
  });

  void it('keeps state across a blip', async () => {
    const a = await RawClient.open(emu.uri);
    const p = result(await a.call('create', { type: 'MediaPipeline' }));
    const closed = new Promise((resolve) => a.ws.once('close', resolve));
    emu.blip();
    await closed;
    const b = await RawClient.open(emu.uri);
    assert.equal(result(await b.call('connect', { sessionId: p.sessionId })).sessionId, p.sessionId);
    assert.equal(result(await b.call('describe', { object: p.value })).type, 'MediaPipeline');
    await b.close();
  });
});
