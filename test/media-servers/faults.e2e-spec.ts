// Emulator faults against the real app: docs/openvidu-api.md §3.3 (MediaServer JSON: connected, connectionTime,
// disconnectionTime only while disconnected) and the pool's liveness events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
} from '../../src/media-servers/media-server.events.js';
import { NoMediaServerAvailableError } from '../../src/media-servers/media-servers.errors.js';
import { byUri, type MediaServerJson } from '../support/api.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { call } from '../support/http.js';
import { type RecordedEvent, recordMediaServerEvents } from '../support/media-servers.js';
import { until } from '../support/poll.js';

void describe('media-server faults (3 emulators, one faulty at a time)', () => {
  let emus: Emulator[];
  let t: App;
  let events: RecordedEvent[];

  before(async () => {
    emus = await startEmulators(3);
    t = await bootWith(emus.map((e) => e.uri));
    events = recordMediaServerEvents(t.app);
  });
  after(async () => {
    await t?.close();
    await Promise.all((emus ?? []).map((e) => e.close()));
  });

  const get = async (e: Emulator): Promise<MediaServerJson> => {
    const id = (await byUri(t.url, e.uri)).id;
    const r = await call(t.url, 'GET', `/pro/media-servers/${id}`);
    assert.equal(r.status, 200);
    return r.json<MediaServerJson>();
  };
  const eventsOf = (e: Emulator, since: number) =>
    events.filter((x) => x.uri === e.uri && x.at >= since).map((x) => x.name);
  const eventsSince = (since: number) => events.filter((x) => x.at >= since);

  /** The two other servers: still connected, same connectionTime, no event. */
  async function untouched(faulty: Emulator, before: Map<string, MediaServerJson>, since: number) {
    for (const e of emus) {
      if (e === faulty) continue;
      const now = await get(e);
      assert.equal(now.connected, true, `${e.uri} stays connected`);
      assert.equal(now.connectionTime, before.get(e.uri)!.connectionTime, `${e.uri} keeps its connectionTime`);
      assert.equal('disconnectionTime' in now, false);
      assert.deepEqual(eventsOf(e, since), [], `${e.uri} emitted nothing`);
    }
  }
  async function states(): Promise<Map<string, MediaServerJson>> {
    return new Map(await Promise.all(emus.map(async (e) => [e.uri, await get(e)] as const)));
  }

  void it('down then up: disconnected with disconnectionTime, then connected with a new connectionTime', async () => {
    const [a] = emus;
    const before = await states();
    const t0 = Date.now();
    await a.down();
    const down = await until('A disconnected', async () => {
      const s = await get(a);
      return s.connected ? undefined : s;
    });
    assert.equal(down.connectionTime, before.get(a.uri)!.connectionTime, 'connectionTime is the last connection');
    assert.ok(down.disconnectionTime! >= t0 && down.disconnectionTime! <= Date.now());
    assert.deepEqual(eventsOf(a, t0), [MEDIA_SERVER_DISCONNECTED]);
    await untouched(a, before, t0);

    const t1 = Date.now();
    await a.up();
    const up = await until('A connected again', async () => {
      const s = await get(a);
      return s.connected ? s : undefined;
    });
    assert.ok(up.connectionTime >= t1);
    assert.equal('disconnectionTime' in up, false, 'disconnectionTime only while disconnected');
    assert.deepEqual(eventsOf(a, t0), [MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_CONNECTED]);
    await untouched(a, before, t0);
  });

  void it('hang: a server that accepts but never answers is disconnected, and connected when it answers again', async () => {
    const [, b] = emus;
    const before = await states();
    const t0 = Date.now();
    b.hang(true);
    const hung = await until('B disconnected', async () => {
      const s = await get(b);
      return s.connected ? undefined : s;
    });
    assert.ok(hung.disconnectionTime! >= t0);
    await untouched(b, before, t0);
    const t1 = Date.now();
    b.hang(false);
    const back = await until('B connected', async () => {
      const s = await get(b);
      return s.connected ? s : undefined;
    });
    assert.ok(back.connectionTime >= t1);
    assert.deepEqual(eventsOf(b, t0), [MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_CONNECTED]);
    await untouched(b, before, t0);
  });

  void it('blip: dropped sockets are a disconnection and a reconnection, never a restart', async () => {
    const [, , c] = emus;
    const before = await states();
    const t0 = Date.now();
    c.blip();
    await until('C reconnected', () => eventsOf(c, t0).includes(MEDIA_SERVER_CONNECTED));
    const now = await get(c);
    assert.equal(now.connected, true);
    assert.ok(now.connectionTime >= t0);
    assert.deepEqual(eventsOf(c, t0), [MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_CONNECTED]);
    await untouched(c, before, t0);
  });

  void it('restart: a new server process fires media-server.restarted once, then connected', async () => {
    const [a] = emus;
    const before = await states();
    const t0 = Date.now();
    await a.restart();
    await until('A reconnected', () => eventsOf(a, t0).includes(MEDIA_SERVER_CONNECTED));
    assert.deepEqual(eventsOf(a, t0), [MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_RESTARTED, MEDIA_SERVER_CONNECTED]);
    const now = await get(a);
    assert.equal(now.connected, true);
    assert.ok(now.connectionTime >= t0);
    assert.equal(eventsSince(t0).filter((x) => x.name === MEDIA_SERVER_RESTARTED).length, 1);
    await untouched(a, before, t0);
  });

  void it('restart while down is still recognised as a restart when it comes back', async () => {
    const [, b] = emus;
    const t0 = Date.now();
    await b.down();
    await until('B disconnected', () => eventsOf(b, t0).includes(MEDIA_SERVER_DISCONNECTED));
    await b.restart();
    await b.up();
    await until('B reconnected', () => eventsOf(b, t0).includes(MEDIA_SERVER_CONNECTED));
    assert.deepEqual(eventsOf(b, t0), [MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_RESTARTED, MEDIA_SERVER_CONNECTED]);
  });

  void it('latency: a slow server within kms.liveness.timeout stays connected; slower than that it is down', async () => {
    const [, , c] = emus;
    const before = await states();
    const t0 = Date.now();
    c.setLatency(150); // well under the 600 ms liveness timeout
    // Several probe rounds answered at that latency on real sockets, with no state change (the
    // probe's own rule for a slow server, round after round, is a unit spec: liveness-probe.spec.ts).
    const id = (await byUri(t.url, c.uri)).id;
    const slowRounds = new Set<number>();
    await until('three slow probe round trips', () => {
      const rtt = t.pool.stats().find((s) => s.id === id)?.probeRoundTripMs;
      if (rtt !== undefined && rtt >= 150) slowRounds.add(rtt);
      return slowRounds.size >= 3;
    });
    const slow = await get(c);
    assert.equal(slow.connected, true);
    assert.equal(slow.connectionTime, before.get(c.uri)!.connectionTime);
    assert.deepEqual(eventsOf(c, t0), []);
    await untouched(c, before, t0);

    c.setLatency(2000);
    await until('C disconnected', async () => !(await get(c)).connected);
    c.setLatency(0);
    await until('C connected', async () => (await get(c)).connected);
    assert.deepEqual(eventsOf(c, t0), [MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_CONNECTED]);
    await untouched(c, before, t0);
  });

  void it('/health/media is up while one server is connected and down when none is; /health/ready stays up', async () => {
    assert.equal((await call(t.url, 'GET', '/health/media', { auth: null })).status, 200);
    await Promise.all(emus.map((e) => e.down()));
    await until('none connected', () => t.pool.connectedCount() === 0);
    assert.throws(() => t.pool.place('ses_nowhere'), NoMediaServerAvailableError);
    const r = await call(t.url, 'GET', '/health/media', { auth: null });
    assert.equal(r.status, 503);
    assert.equal(r.json<{ details: { mediaServers: { status: string } } }>().details.mediaServers.status, 'down');
    // The replica must stay behind its Service, or nobody could POST a media server back to it.
    const ready = await call(t.url, 'GET', '/health/ready', { auth: null });
    assert.equal(ready.status, 200, ready.text);
    assert.deepEqual(ready.json<{ details: { mediaServers: unknown } }>().details.mediaServers, {
      status: 'up',
      connected: 0,
      registered: 3,
    });
    await emus[1].up();
    await until('B back', () => t.pool.connectedCount() === 1);
    assert.equal((await call(t.url, 'GET', '/health/media', { auth: null })).status, 200);
    await Promise.all([emus[0].up(), emus[2].up()]);
    await until('all back', () => t.pool.connectedCount() === 3);
  });
});

void describe('a media server unreachable at boot', () => {
  let emus: Emulator[];
  let t: App;
  before(async () => {
    emus = await startEmulators(2);
    await emus[1].down();
  });
  after(async () => {
    await t?.close();
    await Promise.all((emus ?? []).map((e) => e.close()));
  });

  void it('does not stop the server: it is listed disconnected, never chosen, and connected once it answers', async () => {
    const t0 = Date.now();
    t = await bootWith(
      emus.map((e) => e.uri),
      {},
      { connected: 1 },
    );
    const events = recordMediaServerEvents(t.app);
    const absent = await byUri(t.url, emus[1].uri);
    assert.equal(absent.connected, false);
    assert.equal(absent.connectionTime, 0, 'never connected');
    assert.ok(absent.disconnectionTime! >= t0, 'disconnected since it was registered');
    const placements = Array.from({ length: 4 }, (_, i) => t.pool.place(`ses_boot_${i}`));
    assert.ok(placements.every((p) => p.mediaServerId !== absent.id));
    for (const p of placements) p.release();

    await emus[1].up();
    await until('connected once it answers', async () => (await byUri(t.url, emus[1].uri)).connected);
    assert.ok(events.some((e) => e.name === MEDIA_SERVER_CONNECTED && e.uri === emus[1].uri));
    assert.ok(!events.some((e) => e.name === MEDIA_SERVER_RESTARTED));
  });
});
