// Unit specs for placement bookkeeping and the four load strategies (docs/openvidu-api.md §3.4, §7 placement).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOAD_STRATEGIES } from '../config/config.schema.js';
import { ALL_LOAD_STRATEGIES, selectLoadStrategy } from './load-strategies/load-strategies.js';
import { MediaServerUnavailableError } from './media-servers.errors.js';
import { leastLoaded, ServerLoad } from './server-load.js';
import { FakeSession } from './testing/fakes.js';

const server = (name: string, id = 'KMS-AAAAAA') => new ServerLoad(id, selectLoadStrategy(name));

void describe('load strategies (docs/openvidu-api.md §3.4)', () => {
  void it('are selected by every documented name, and an unknown name is refused', () => {
    assert.deepEqual(
      ALL_LOAD_STRATEGIES.map((s) => s.name),
      [...LOAD_STRATEGIES],
    );
    for (const name of LOAD_STRATEGIES) assert.equal(selectLoadStrategy(name).name, name);
    assert.throws(() => selectLoadStrategy('memory'), /Unknown load strategy/);
  });

  void it('streams = publishers + subscribers hosted; a session without streams yet counts as its reservation', () => {
    const s = server('streams');
    s.place('a').attach(new FakeSession('a', 3));
    s.place('b').attach(new FakeSession('b', 5));
    assert.equal(s.load(), 8);
    const c = s.place('c'); // placed, not attached yet
    assert.equal(s.load(), 9);
    const session = new FakeSession('c', 0);
    c.attach(session);
    assert.equal(s.load(), 9, 'attached with no stream still counts one');
    session.streams = 2;
    assert.equal(s.load(), 10);
    session.streams = 0;
    assert.equal(s.load(), 8, 'once real figures arrived the reservation is gone');
    c.release();
    assert.equal(s.load(), 8);
  });

  void it('sessions = sessions hosted, from the moment they are placed until released', () => {
    const s = server('sessions');
    const a = s.place('a');
    s.place('b').attach(new FakeSession('b', 4));
    assert.equal(s.load(), 2);
    a.release();
    a.release();
    assert.equal(s.load(), 1);
  });

  void it('mediaObjects = sampled media objects plus one per session placed after the sample started', () => {
    const s = server('mediaObjects');
    s.place('a');
    assert.equal(s.load(), 1, 'nothing sampled yet: the reservation only');
    s.sampleStarting();
    s.place('b'); // placed while the sample runs: not in its figures
    s.sampleDone({ startedAt: Date.now(), mediaObjects: 7 });
    assert.equal(s.load(), 8);
    s.sampleStarting();
    s.sampleDone({ startedAt: Date.now(), mediaObjects: 9 });
    assert.equal(s.load(), 9);
    s.forgetSample();
    assert.equal(s.load(), 2, 'after a restart nothing sampled holds');
  });

  void it('cpu = sampled CPU percent, with a point per session placed since the sample started', () => {
    const s = server('cpu');
    assert.equal(s.load(), 0);
    s.sampleStarting();
    s.sampleDone({ startedAt: Date.now(), cpuPercent: 42.5 });
    assert.equal(s.load(), 42.5);
    s.place('a');
    s.place('b');
    assert.equal(s.load(), 44.5);
    s.sampleStarting();
    s.sampleDone({ startedAt: Date.now(), cpuPercent: 50 });
    assert.equal(s.load(), 50);
  });
});

void describe('placement', () => {
  void it('leastLoaded skips disconnected servers, breaks ties by order, and finds none when none is connected', () => {
    const mk = (connected: boolean, load: number, name: string) => ({ connected, load: () => load, name });
    assert.equal(leastLoaded([mk(false, 0, 'a'), mk(true, 5, 'b'), mk(true, 3, 'c')])?.name, 'c');
    assert.equal(leastLoaded([mk(true, 2, 'a'), mk(true, 2, 'b')])?.name, 'a');
    assert.equal(leastLoaded([mk(false, 0, 'a')]), undefined);
  });

  for (const name of LOAD_STRATEGIES) {
    void it(`a burst of 1,000 sessions over 4 servers stays within max/min 1.1 with ${name}`, () => {
      const servers = [0, 1, 2, 3].map((i) => Object.assign(server(name, `KMS-00000${i}`), { connected: true }));
      // Uneven starting figures, as real servers have.
      servers.forEach((s, i) => {
        s.sampleStarting();
        s.sampleDone({ startedAt: Date.now(), cpuPercent: 5 * i, mediaObjects: 3 * i });
      });
      for (let i = 0; i < 1000; i++) leastLoaded(servers)!.place(`s${i}`);
      const loads = servers.map((s) => s.load());
      assert.ok(Math.min(...loads) > 0);
      assert.ok(Math.max(...loads) / Math.min(...loads) <= 1.1, `loads ${loads.join(', ')}`);
      const counts = servers.map((s) => s.placementCount);
      assert.equal(
        counts.reduce((a, b) => a + b),
        1000,
      );
      assert.ok(Math.max(...counts) / Math.min(...counts) <= 1.1, `counts ${counts.join(', ')}`);
    });
  }

  void it('a placement refuses a session of another id, and refuses to attach once released', () => {
    const s = server('sessions');
    const p = s.place('a');
    assert.throws(() => p.attach(new FakeSession('b')), TypeError);
    p.release();
    assert.throws(() => p.attach(new FakeSession('a')), MediaServerUnavailableError);
    assert.equal(s.placementOf('a'), undefined);
  });
});
