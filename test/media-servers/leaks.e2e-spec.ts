// Registering and deregistering release every socket, timer and listener of that media server:
// after 50 POST/DELETE cycles the process holds no more handles than before (issue 4).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { type MediaServerJson } from '../support/api.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { call, rest } from '../support/http.js';
import { until } from '../support/poll.js';

type Counts = Record<string, number>;

function handles(t: App): Counts {
  const counts: Counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  counts['process listeners'] = process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
  const bus = t.app.get(EventEmitter2);
  counts['event-bus listeners'] = bus.eventNames().reduce((n, e) => n + bus.listenerCount(e as string), 0);
  return counts;
}

const grown = (now: Counts, base: Counts) =>
  Object.entries(now)
    .filter(([k, v]) => v > (base[k] ?? 0))
    .map(([k, v]) => `${k}: ${base[k] ?? 0} → ${v}`);

void describe('resource release', () => {
  let home: Emulator;
  let spare: Emulator;
  let t: App;

  before(async () => {
    [home, spare] = await startEmulators(2);
    t = await bootWith([home.uri]);
  });
  after(async () => {
    await t?.close();
    await Promise.all([home, spare].filter(Boolean).map((e) => e.close()));
  });

  async function cycle(i: number): Promise<void> {
    const r = await rest(t.url, 'POST', '/pro/media-servers', { uri: spare.uri });
    assert.equal(r.status, 200);
    const id = r.json<MediaServerJson>().id;
    if (i % 10 === 0) {
      // Some cycles also use the media API, so the server's kurento-client exists and must go too.
      const pipeline = await t.pool.media(id).createPipeline();
      await pipeline.createWebRtcEndpoint();
      await pipeline.release();
    }
    // Let the sampler run at least once on its own socket.
    await new Promise((resolve) => setTimeout(resolve, i % 10 === 5 ? 250 : 0));
    assert.equal((await call(t.url, 'DELETE', `/pro/media-servers/${id}`)).status, 204);
  }

  void it('50 register/deregister cycles leave no socket, timer or listener behind', async () => {
    await cycle(0); // warm-up: first use loads modules and opens the app's own long-lived handles
    await until('warm-up settled', () => spare.stats().sockets === 0);
    await new Promise((r) => setTimeout(r, 1500));
    const base = handles(t);
    for (let i = 1; i <= 50; i++) await cycle(i);
    // Closing sockets and kurento-client's short-lived reply caches (1 s) take a moment to finish.
    await until('the emulator sees no socket from us', () => spare.stats().sockets === 0);
    const settled = await until(
      'handles back to the baseline',
      () => {
        const now = handles(t);
        return grown(now, base).length === 0 ? now : undefined;
      },
      5000,
    ).catch(() => handles(t));
    assert.deepEqual(grown(settled, base), []);
  });
});
