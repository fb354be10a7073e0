// One media server's lifecycle over fake Kurento servers under mock timers: connection, loss,
// return, a restarted process, liveness failure, kms.disconnect.grace, and release on stop.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { selectLoadStrategy } from './load-strategies/load-strategies.js';
import { MEDIA_SERVER_CONNECTED, MEDIA_SERVER_DISCONNECTED, type MediaServerEventName } from './media-server.events.js';
import { MediaServer, type MediaServerTiming } from './media-server.js';
import { advance, type FakeKms, FakeMediaServerIo, FakeSession, flush } from './testing/fakes.js';

const URI = 'ws://10.0.0.7:8888/kurento';
const TIMING: MediaServerTiming = {
  livenessInterval: 100,
  livenessTimeout: 300,
  connectTimeout: 1000,
  samplingInterval: 1000,
  disconnectGrace: 2000,
  requestTimeout: 1000,
  maxFrameBytes: 1 << 20,
};

interface Built {
  server: MediaServer;
  kms: FakeKms;
  io: FakeMediaServerIo;
  events: Array<[MediaServerEventName, number]>;
  /** The server's load when each event was emitted. */
  loads: number[];
  names: () => string[];
}

function build(strategy = 'streams', timing = TIMING): Built {
  const io = new FakeMediaServerIo();
  const kms = io.kms(URI);
  const events: Array<[MediaServerEventName, number]> = [];
  const loads: number[] = [];
  const server = new MediaServer('KMS-UNIT01', URI, selectLoadStrategy(strategy), timing, io, (event, s, at) => {
    assert.equal(s, server);
    events.push([event, at]);
    loads.push(s.load());
  });
  const short = (e: string) => e.replace('media-server.', '');
  return { server, kms, io, events, loads, names: () => events.map(([e]) => short(e)) };
}

void describe('MediaServer', () => {
  let b: Built;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    b = build();
  });
  afterEach(() => {
    b.server.stop();
    mock.timers.reset();
  });

  void it('connects: event, connectionTime, media client told, sampler running on its own socket', async () => {
    const { server, kms, io } = b;
    kms.memoryKiB = 3 * 1024;
    assert.equal(server.ip, '10.0.0.7');
    assert.equal(server.connected, false);
    assert.equal(server.snapshot().disconnectionTime, 1_000_000, 'disconnected since it was made');
    const waited = server.waitConnected(1000);
    server.start();
    await flush();
    assert.equal(await waited, true);
    assert.equal(server.connected, true);
    assert.deepEqual(b.events, [[MEDIA_SERVER_CONNECTED, 1_000_000]]);
    assert.equal(server.snapshot().connectionTime, 1_000_000);
    assert.equal(io.connections.length, 1);
    assert.equal(io.connections[0].serverUps, 1);
    assert.equal(io.connections[0].available(), true);
    assert.equal(kms.sockets.size, 2, 'the probe and the sampler');
    assert.equal(server.snapshot().info?.memoryMiB, 3);
    assert.ok(kms.received.includes('invoke'));
    assert.equal(server.reconnects, 0);
  });

  void it('waitConnected gives up after its timeout, and answers true at once when connected', async () => {
    const { server, kms } = b;
    kms.down = true;
    server.start();
    const waited = server.waitConnected(500);
    let answer: boolean | undefined;
    void waited.then((v) => (answer = v));
    await advance(490);
    assert.equal(answer, undefined);
    await advance(10);
    assert.equal(answer, false);
    assert.equal(b.events.length, 0);
    kms.start();
    await advance(100);
    assert.equal(await server.waitConnected(0), true);
  });

  void it('a lost server is disconnected at once, calls stop going out, and it comes back as a reconnection', async () => {
    const { server, kms, io } = b;
    server.start();
    await flush();
    await advance(500);
    kms.stop();
    assert.equal(server.connected, false);
    assert.equal(io.connections[0].available(), false, 'media calls fail fast while down');
    assert.equal(server.snapshot().disconnectionTime, 1_000_500);
    assert.equal(server.disconnections, 1);
    assert.equal(kms.sockets.size, 0, 'the sampler stops with the connection');
    await advance(1000);
    assert.deepEqual(b.names(), ['connected', 'disconnected']);
    kms.start();
    await advance(100);
    assert.deepEqual(b.names(), ['connected', 'disconnected', 'connected']);
    assert.equal(server.reconnects, 1);
    assert.equal(server.snapshot().connectionTime, 1_001_600);
    assert.equal(io.connections[0].serverUps, 2, 'the media client is told to reconnect now');
  });

  void it('a restarted process: restarted then connected, and the old samples no longer count', async () => {
    const mo = build('mediaObjects');
    b.server.stop();
    b = mo;
    const { server, kms } = b;
    kms.pipelines.set('p1', 4);
    server.start();
    await flush();
    assert.equal(server.load(), 5, 'one pipeline and its four children');
    server.place('ses_a');
    assert.equal(server.load(), 6, 'plus the session placed since the sample');
    kms.pipelines.clear();
    kms.restart();
    await flush();
    assert.deepEqual(b.names(), ['connected', 'disconnected', 'restarted', 'connected']);
    assert.deepEqual(
      b.events.slice(1).map(([, at]) => at),
      [1_000_000, 1_000_000, 1_000_000],
    );
    // Listeners of `restarted` see no old figure, only the session's reservation.
    assert.deepEqual(b.loads.slice(2), [1, 1]);
    assert.equal(server.connected, true);
    await advance(TIMING.samplingInterval);
    assert.equal(server.load(), 0, 'sampled from the new process, which holds nothing');
  });

  void it('a frozen server is marked down by the liveness probe after interval + timeout', async () => {
    const { server, kms, io } = b;
    server.start();
    await flush();
    kms.frozen = true;
    await advance(TIMING.livenessInterval + TIMING.livenessTimeout - 10);
    assert.equal(server.connected, true);
    await advance(10);
    assert.equal(server.connected, false);
    assert.deepEqual(b.events, [
      [MEDIA_SERVER_CONNECTED, 1_000_000],
      [MEDIA_SERVER_DISCONNECTED, 1_000_400],
    ]);
    assert.equal(io.connections[0].available(), false);
    kms.frozen = false;
    await advance(TIMING.livenessInterval);
    assert.equal(server.connected, true);
    assert.deepEqual(b.names(), ['connected', 'disconnected', 'connected'], 'a return, not a restart');
  });

  void it('a server away longer than kms.disconnect.grace has every session closed and released', async () => {
    const { server, kms } = b;
    server.start();
    await flush();
    const attached = new FakeSession('ses_attached', 2);
    server.place(attached.sessionId).attach(attached);
    const reserved = server.place('ses_reserved');
    kms.stop();
    await advance(TIMING.disconnectGrace - 10);
    assert.deepEqual(attached.closes, [], 'still within the grace');
    assert.equal(server.placementCount, 2);
    await advance(10);
    assert.deepEqual(attached.closes, ['mediaServerDisconnect']);
    assert.equal(server.placementCount, 0);
    assert.equal(server.placementOf('ses_reserved'), undefined);
    assert.throws(() => reserved.attach(new FakeSession('ses_reserved')), /can no longer be attached/);
  });

  void it('a blip or a restart shorter than the grace closes nothing, however long after', async () => {
    const { server, kms } = b;
    server.start();
    await flush();
    const blipped = new FakeSession('ses_blipped', 2);
    const restarted = new FakeSession('ses_restarted', 1);
    server.place(blipped.sessionId).attach(blipped);
    kms.blip();
    await flush();
    kms.restart();
    await flush();
    server.place(restarted.sessionId).attach(restarted);
    kms.stop();
    await advance(TIMING.disconnectGrace / 2);
    kms.start();
    await advance(TIMING.livenessInterval);
    assert.equal(server.connected, true);
    await advance(TIMING.disconnectGrace * 3);
    assert.deepEqual(b.names(), [
      'connected',
      'disconnected',
      'connected',
      'disconnected',
      'restarted',
      'connected',
      'disconnected',
      'connected',
    ]);
    assert.deepEqual(blipped.closes, []);
    assert.deepEqual(restarted.closes, [], 'signalling rebuilds the pipeline; the session stays');
    assert.deepEqual(
      server.snapshot().sessions.map((s) => s.sessionId),
      ['ses_blipped', 'ses_restarted'],
    );
  });

  void it('the grace ends with nothing to close when the server had no session', async () => {
    const { server, kms } = b;
    server.start();
    await flush();
    kms.stop();
    await advance(TIMING.disconnectGrace * 2);
    assert.deepEqual(b.names(), ['connected', 'disconnected']);
    assert.equal(server.placementCount, 0);
  });

  void it('stop() releases sockets and waiters, closes the media client, and nothing happens afterwards', async () => {
    const { server, kms, io } = b;
    server.start();
    await flush();
    kms.stop();
    const session = new FakeSession('ses_kept', 1);
    server.place(session.sessionId).attach(session);
    const waiting = server.waitConnected(60_000);
    server.stop();
    assert.equal(await waiting, false);
    assert.equal(await server.waitConnected(60_000), false);
    assert.equal(io.connections[0].closed, true);
    kms.start();
    const opened = kms.opened;
    await advance(TIMING.disconnectGrace * 2);
    assert.equal(kms.opened, opened, 'no new attempt');
    assert.equal(kms.sockets.size, 0);
    assert.deepEqual(b.names(), ['connected', 'disconnected']);
    assert.deepEqual(session.closes, [], 'the grace timer went with it');
  });
});

void describe('MediaServer on real timers', () => {
  void it('stop() leaves no timer behind in any state (connected, away within the grace, waited on)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { server, kms } = build('cpu', {
      ...TIMING,
      livenessInterval: 60_000,
      samplingInterval: 60_000,
      disconnectGrace: 60_000,
    });
    try {
      server.start();
      await flush();
      assert.equal(server.connected, true);
      server.place('ses_x').attach(new FakeSession('ses_x', 1));
      kms.stop();
      const waiting = server.waitConnected(60_000);
      await flush();
      assert.equal(server.connected, false);
      assert.ok(timers() >= before + 3, 'the probe, the grace and the waiter each hold a timer');
      server.stop();
      assert.equal(await waiting, false);
      assert.equal(timers(), before);
      assert.equal(kms.sockets.size, 0);
    } finally {
      server.stop();
    }
  });
});
