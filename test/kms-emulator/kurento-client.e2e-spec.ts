// Conformance: the real kurento-client (7.2.0) driven against the emulator, asserting what docs/kurento-protocol.md
// says a client observes. Calls use the callback style, the only one that surfaces server errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { until } from '../support/poll.js';
import { BROWSER_CANDIDATE, BROWSER_OFFER } from '../support/sdp.js';
import {
  call,
  closeAllClients,
  closeClient,
  collect,
  connect,
  fails,
  kurento,
  make,
  reconnected,
  settled,
  type Client,
  type MO,
} from './kurento-harness.js';

after(() => closeAllClients());

void describe('kurento-client against the KMS emulator', () => {
  let emu: KmsEmulator;
  let client: Client;
  let pipeline: MO;

  before(async () => {
    emu = await startKmsEmulator({ cpuCount: 3 });
    ({ client } = await connect(emu.uri));
  });
  afterEach(() => {
    emu.setLimit(null);
  });
  after(async () => {
    closeClient(client);
    await sleep(20);
    await emu.close();
  });

  void it('connects in strict mode and reads the ServerManager', async () => {
    const { o: sm } = await make(client, 'getServerManager');
    assert.equal(sm.id, 'manager_ServerManager');
    const info = await call<{ version: string; type: string; modules: Array<{ name: string; factories: string[] }> }>(
      sm,
      'getInfo',
    );
    assert.equal(info.type, 'KMS');
    assert.match(info.version, /^7\./);
    assert.deepEqual(
      info.modules.map((m) => m.name),
      ['core', 'elements', 'filters'],
    );
    assert.ok(info.modules[1].factories.includes('WebRtcEndpoint'));
    assert.equal(await call(sm, 'getCpuCount'), 3);
    assert.ok((await call<number>(sm, 'getUsedMemory')) > 1024);
    const cpu = await call<number>(sm, 'getUsedCpu', 50);
    assert.ok(cpu >= 0 && cpu <= 100);
    assert.equal(await call(sm, 'getMetadata'), '');
    assert.equal((JSON.parse(await call<string>(sm, 'getKmd', 'core')) as { name: string }).name, 'core');
    assert.equal((await fails(sm, 'getKmd', 'nope')).code, 40500);
    assert.ok((await call<string[]>(sm, 'getSessions')).includes(client.sessionId!));
  });

  void it('creates every supported element with Kurento ids and the classes the client expects', async () => {
    ({ o: pipeline } = await make(client, 'create', 'MediaPipeline'));
    assert.match(pipeline.id, /^[0-9a-f-]{36}_kurento\.MediaPipeline$/);
    const specs: Array<[string, Record<string, unknown>]> = [
      ['WebRtcEndpoint', {}],
      ['RecorderEndpoint', { uri: 'http://example.invalid/rec.webm' }],
      ['PlayerEndpoint', { uri: 'file:///nonexistent/video.webm' }],
      ['Composite', {}],
      ['PassThrough', {}],
      ['FaceOverlayFilter', {}],
      ['GStreamerFilter', { command: 'videoflip method=horizontal-flip' }],
      ['ZBarFilter', {}],
      ['ImageOverlayFilter', {}],
    ];
    const made: MO[] = [];
    for (const [type, params] of specs) {
      const { o } = await make(pipeline, 'create', type, params);
      assert.ok(o.id.startsWith(pipeline.id + '/'), o.id);
      assert.ok(o.id.endsWith(`_kurento.${type}`), o.id);
      assert.equal(o.constructor.name, type);
      made.push(o);
    }
    const { o: port } = await make(made[3], 'createHubPort');
    assert.ok(port.id.endsWith('_kurento.HubPort'));
    assert.equal(await call(made[6], 'getCommand'), 'videoflip method=horizontal-flip');
    const children = await call<MO[]>(pipeline, 'getChildren');
    assert.equal(children.length, specs.length + 1);
    // A second client knows none of these ids: describe must give it the right classes (strict mode).
    const { client: other } = await connect(emu.uri);
    const { o: seen } = await make(other, 'getMediaobjectById', made[0].id);
    assert.equal(seen.constructor.name, 'WebRtcEndpoint');
    const { o: sm } = await make(other, 'getServerManager');
    const pipelines = await call<MO[]>(sm, 'getPipelines');
    assert.ok(pipelines.some((p) => p.id === pipeline.id));
    assert.equal(pipelines.find((p) => p.id === pipeline.id)!.constructor.name, 'MediaPipeline');
    closeClient(other);
  });

  void it('negotiates WebRTC and delivers ICE, connection and flow events to the right endpoint', async () => {
    const { o: pub } = await make(pipeline, 'create', 'WebRtcEndpoint');
    const { o: sub } = await make(pipeline, 'create', 'WebRtcEndpoint');
    const pubCands = collect(pub, 'IceCandidateFound');
    const subCands = collect(sub, 'IceCandidateFound');
    const done = collect(pub, 'IceGatheringDone');
    const conn = collect(pub, 'ConnectionStateChanged');
    const media = collect(pub, 'MediaStateChanged');
    const pair = collect(pub, 'NewCandidatePairSelected');
    const answer = await call<string>(pub, 'processOffer', BROWSER_OFFER);
    assert.match(answer, /^v=0\r\n/);
    assert.equal(answer.match(/^m=/gm)?.length, 2);
    assert.match(answer, /a=fingerprint:sha-256 [0-9A-F:]{95}\r\n/);
    assert.match(answer, /a=setup:active\r\n/);
    assert.match(answer, /a=ice-ufrag:\S{4}\r\na=ice-pwd:\S{22}\r\n/);
    assert.equal(await call(pub, 'getLocalSessionDescriptor'), answer);
    await call(pub, 'gatherCandidates');
    await until('IceGatheringDone', () => done.length === 1);
    assert.equal(pubCands.length, 4);
    assert.equal((pubCands[0].candidate as { sdpMid: string }).sdpMid, '0');
    assert.equal(pubCands[0].source, pub.id);
    assert.equal(subCands.length, 0, 'events go to the endpoint they concern only');
    await call(pub, 'addIceCandidate', kurento.getComplexType('IceCandidate')(BROWSER_CANDIDATE));
    await until('MediaStateChanged', () => media.length === 1);
    assert.deepEqual([conn[0].oldState, conn[0].newState], ['DISCONNECTED', 'CONNECTED']);
    assert.equal(media[0].newState, 'CONNECTED');
    assert.equal(pair.length, 1);
    assert.equal(await call(pub, 'getMediaState'), 'CONNECTED');

    await call(sub, 'processOffer', BROWSER_OFFER.replace(/a=sendrecv/g, 'a=recvonly'));
    const connected = collect(pub, 'ElementConnected');
    const flowOut = collect(pub, 'MediaFlowOutStateChanged');
    const flowIn = collect(sub, 'MediaFlowInStateChanged');
    await call(pub, 'connect', sub);
    await until('MediaFlowInStateChanged on the subscriber', () => flowIn.length === 2);
    assert.deepEqual(
      connected.map((e) => [e.sink, e.mediaType]),
      [
        [sub.id, 'AUDIO'],
        [sub.id, 'VIDEO'],
        [sub.id, 'DATA'],
      ],
    );
    assert.deepEqual(flowOut.map((e) => `${String(e.mediaType)}:${String(e.state)}`).sort(), [
      'AUDIO:FLOWING',
      'VIDEO:FLOWING',
    ]);
    assert.equal(await call(pub, 'isMediaFlowingOut', 'VIDEO'), true);
    assert.equal(await call(sub, 'isMediaFlowingIn', 'AUDIO'), true);
    const sinks = await call<Array<{ sink: MO; type: string }>>(pub, 'getSinkConnections');
    assert.equal(sinks.length, 3);
    const disconnected = collect(pub, 'ElementDisconnected');
    await call(pub, 'disconnect', sub);
    await until('NOT_FLOWING on the subscriber', () => flowIn.length === 4);
    assert.equal(disconnected.length, 3);
    assert.equal(flowIn[3].state, 'NOT_FLOWING');

    const again = await fails(pub, 'processOffer', BROWSER_OFFER);
    assert.equal(again.code, 40208);
    assert.equal(again.data?.type, 'SDP_END_POINT_ALREADY_NEGOTIATED');
    const unknown = await fails(pub, '_invoke', undefined, 'teleport', { where: 'mars' });
    assert.equal(unknown.code, 40008);
  });

  void it('answers property getters and setters', async () => {
    const { o: ep } = await make(pipeline, 'create', 'WebRtcEndpoint');
    assert.equal(await call(ep, 'getName'), ep.id);
    await call(ep, 'setName', 'publisher-1');
    assert.equal(await call(ep, 'getName'), 'publisher-1');
    await call(ep, 'setMaxVideoRecvBandwidth', 600);
    assert.equal(await call(ep, 'getMaxVideoRecvBandwidth'), 600);
    await call(ep, 'setMinVideoSendBandwidth', 30);
    assert.equal(await call(ep, 'getMinVideoSendBandwidth'), 30);
    await call(ep, 'setStunServerAddress', '127.0.0.1');
    assert.equal(await call(ep, 'getStunServerAddress'), '127.0.0.1');
    assert.equal(await call(ep, 'getStunServerPort'), 3478);
    assert.equal(await call(ep, 'getMediaState'), 'DISCONNECTED');
    assert.equal(await call(ep, 'getConnectionState'), 'DISCONNECTED');
    await call(ep, 'addTag', 'role', 'publisher');
    assert.equal(await call(ep, 'getTag', 'role'), 'publisher');
    assert.equal((await fails(ep, 'getTag', 'missing')).code, 40110);
    assert.equal(typeof (await call(ep, 'getCreationTime')), 'number');
    const { o: mp } = await make(ep, 'getMediaPipeline');
    assert.equal(mp.id, pipeline.id);
  });

  void it('releases pipelines with their children and reports ObjectDestroyed to ServerManager subscribers', async () => {
    const { o: sm } = await make(client, 'getServerManager');
    const destroyed = collect(sm, 'ObjectDestroyed');
    const created = collect(sm, 'ObjectCreated');
    await settled(sm);
    const { o: p } = await make(client, 'create', 'MediaPipeline');
    const { o: a } = await make(p, 'create', 'WebRtcEndpoint');
    const { o: b } = await make(p, 'create', 'PassThrough');
    await until('ObjectCreated', () => created.length === 3);
    assert.equal(created[1].object, a.id);
    const before = emu.stats().objects;
    await call(p, 'release');
    await until('ObjectDestroyed', () => destroyed.length === 3);
    assert.deepEqual(
      destroyed.map((e) => e.objectId),
      [a.id, b.id, p.id],
    );
    assert.equal(emu.stats().objects, before - 3);
    const err = await fails(b, 'getName');
    assert.equal(err.code, 40101);
    assert.ok(err instanceof ReferenceError);
  });

  void it('records to a growing placeholder file and plays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-emulator-'));
    try {
      const file = join(dir, 'nested', 'rec.webm');
      const { o: rec } = await make(pipeline, 'create', 'RecorderEndpoint', { uri: pathToFileURL(file).href });
      const recording = collect(rec, 'Recording');
      const stopped = collect(rec, 'Stopped');
      await call(rec, 'record');
      await until('Recording', () => recording.length === 1);
      await sleep(250);
      const s1 = statSync(file).size;
      await sleep(450);
      const s2 = statSync(file).size;
      assert.ok(s2 > s1, `file should grow (${s1} → ${s2})`);
      await call(rec, 'stopAndWait');
      assert.equal(stopped.length, 1);
      const text = readFileSync(file, 'utf8');
      assert.match(text.split('\n')[0], /EMULATOR ARTEFACT - NOT A MEDIA FILE/);
      assert.ok(text.endsWith('---- stopped ----\n'));

      const { o: player } = await make(pipeline, 'create', 'PlayerEndpoint', { uri: 'file:///video.webm' });
      const state = collect(player, 'UriEndpointStateChanged');
      await call(player, 'play');
      await until('UriEndpointStateChanged', () => state.length === 1);
      assert.equal(state[0].state, 'START');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('surfaces injected failures and the object limit as typed errors', async () => {
    const { o: ep } = await make(pipeline, 'create', 'WebRtcEndpoint');
    emu.failNext('processOffer', 1, 40205);
    const e1 = await fails(ep, 'processOffer', BROWSER_OFFER);
    assert.equal(e1.code, 40205);
    assert.equal(e1.data?.type, 'SDP_END_POINT_PROCESS_OFFER_ERROR');
    emu.failNext('getName', 1, 40101, 'gone for a moment');
    const e2 = await fails(ep, 'getName');
    assert.ok(e2 instanceof ReferenceError);
    assert.equal(e2.message, 'gone for a moment');
    assert.equal(await call(ep, 'getName'), ep.id);
    emu.failNext('create', 1, 40003);
    assert.equal((await fails(client, 'create', 'MediaPipeline')).code, 40003);
    emu.setLimit(emu.stats().objects + 1);
    await make(pipeline, 'create', 'PassThrough');
    const limit = await fails(pipeline, 'create', 'PassThrough');
    assert.equal(limit.code, 40009);
    assert.equal(limit.data?.type, 'NOT_ENOUGH_RESOURCES');
  });
});

void describe('kurento-client across emulated outages', () => {
  let emu: KmsEmulator;

  before(async () => {
    emu = await startKmsEmulator();
  });
  after(async () => {
    await emu.close();
  });

  void it('reconnects with the same session after a blip; objects and events keep working', async () => {
    const { client } = await connect(emu.uri);
    const { o: p } = await make(client, 'create', 'MediaPipeline');
    const { o: ep } = await make(p, 'create', 'WebRtcEndpoint');
    const cands = collect(ep, 'IceCandidateFound');
    await settled(ep);
    const same = reconnected(client);
    emu.blip();
    assert.equal(await same, true);
    assert.equal(await call(ep, 'getName'), ep.id);
    await call(ep, 'processOffer', BROWSER_OFFER);
    await call(ep, 'gatherCandidates');
    await until('IceCandidateFound after the blip', () => cands.length === 4);
    closeClient(client);
  });

  void it('reconnects to a new session after a restart, and old ids answer 40101', async () => {
    const { client } = await connect(emu.uri);
    const { o: p } = await make(client, 'create', 'MediaPipeline');
    const oldServer = emu.serverId;
    const same = reconnected(client);
    await emu.restart();
    assert.equal(await same, false);
    assert.notEqual(emu.serverId, oldServer);
    const err = await fails(p, 'getName');
    assert.equal(err.code, 40101);
    assert.equal(err.data?.type, 'MEDIA_OBJECT_NOT_FOUND');
    const { o: fresh } = await make(client, 'create', 'MediaPipeline');
    assert.notEqual(fresh.id, p.id);
    closeClient(client);
  });

  void it('comes back to the same session after down/up', async () => {
    const { client } = await connect(emu.uri);
    const { o: p } = await make(client, 'create', 'MediaPipeline');
    const same = reconnected(client);
    await emu.down();
    await sleep(250);
    await emu.up();
    assert.equal(await same, true);
    assert.equal(await call(p, 'getName'), p.id);
    closeClient(client);
  });

  void it('gets no answer while the server hangs, and answers again after', async () => {
    const { client } = await connect(emu.uri, { request_timeout: 400 });
    const { o: p } = await make(client, 'create', 'MediaPipeline');
    emu.hang(true);
    const err = await fails(p, 'getName');
    assert.equal(err.message, 'Request has timed out');
    emu.hang(false);
    assert.equal(await call(p, 'getName'), p.id);
    closeClient(client);
  });
});
