// Crash cycles: media servers killed, hung, restarted, blipped and slowed at random under a steady
// join/publish/leave load. The server never fails, /pro/media-servers shows the truth within 1 s of
// each change, no session stays on a dead server past the grace, the healthy server is never marked
// down, and sockets/timers come back to their baseline. 3 cycles in `npm test`, 100 with TEST_FULL=1,
// CHAOS_CYCLES sets any other number; CHAOS_SEED replays a run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { MEDIA_SERVER_DISCONNECTED, type MediaServerEvent } from '../../src/media-servers/media-server.events.js';
import { createSession, createToken, mediaServers } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { loopSize } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

const CYCLES = loopSize('CHAOS_CYCLES', 3, 100);
let seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100000);
const random = () => ((seed = (seed * 16807) % 2147483647) % 10000) / 10000;
const FAULTS = ['kill', 'hang', 'restart', 'blip', 'slow'] as const;

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

void describe(`crash cycles (${CYCLES} cycles, seed ${seed})`, () => {
  let h: Harness;
  const downs: MediaServerEvent[] = [];
  before(async () => {
    h = await boot({ KMS_DISCONNECT_GRACE: '500', KMS_REQUEST_TIMEOUT: '800' }, 2);
    h.app.get(EventEmitter2).on(MEDIA_SERVER_DISCONNECTED, (e: MediaServerEvent) => downs.push(e));
  });
  after(() => h?.close());

  void it('never fails, converges within 1 s, leaves no session on a dead server, and marks no healthy server down', async () => {
    // Warm-up: each media server's kurento-client is created on first use and then kept.
    for (let i = 0; i < 4; i++) {
      const s = await createSession(h.url);
      const p = await Peer.join(h, s, await createToken(h.url, s));
      await p.publish();
      await p.leave();
      await p.rpc.close();
    }
    await sleep(300);
    const baseline = resources();
    let stop = false;
    let joins = 0;
    const load = (async () => {
      while (!stop) {
        const peers: Peer[] = [];
        try {
          const s = await createSession(h.url);
          const a = await Peer.join(h, s, await createToken(h.url, s));
          peers.push(a);
          await a.publish();
          joins++;
          await a.leave();
        } catch {
          // A fault in the middle of a join is expected; the checks below are what matters.
        } finally {
          for (const p of peers) await p.rpc.close();
        }
      }
    })();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const victim = Math.floor(random() * 2);
      const emu = h.emus[victim];
      const healthy = h.emus[1 - victim];
      const fault = FAULTS[Math.floor(random() * FAULTS.length)];
      const healthyDownsBefore = downs.filter((d) => d.uri === healthy.uri).length;
      const shown = async (uri: string) =>
        (await mediaServers(h.url)).find((m) => m.uri === uri) as { connected?: boolean } | undefined;
      if (fault === 'kill' || fault === 'hang') {
        if (fault === 'kill') await emu.down();
        else emu.hang(true);
        await until(
          `${fault}: shown disconnected within 1 s`,
          async () => (await shown(emu.uri))?.connected === false,
          1000,
        );
        // Past the grace, nothing of its sessions is left on it.
        await sleep(500 + 300);
        await until(
          'no session on the dead server',
          async () => {
            const m = (await mediaServers(h.url)).find((x) => x.uri === emu.uri);
            return (m?.sessions ?? []).length === 0;
          },
          1000,
        );
        if (fault === 'kill') await emu.up();
        else emu.hang(false);
      } else if (fault === 'restart') {
        await emu.restart();
      } else if (fault === 'blip') {
        emu.blip();
      } else {
        emu.setLatency(150);
        await sleep(400 + random() * 400);
        emu.setLatency(0);
      }
      await until(
        `cycle ${cycle} (${fault}): shown connected again within 1 s`,
        async () => (await shown(emu.uri))?.connected === true,
        fault === 'kill' || fault === 'hang' ? 2000 : 1000,
      );
      assert.equal(
        downs.filter((d) => d.uri === healthy.uri).length,
        healthyDownsBefore,
        `cycle ${cycle}: the healthy server was marked down`,
      );
      assert.equal((await rest(h.url, 'GET', '/api/sessions')).status, 200);
    }
    stop = true;
    await load;
    assert.ok(joins > 0, 'the load kept joining');
    // Every session ended: nothing left open, and handles back to the baseline (timers may differ by a few in flight).
    let last: Record<string, number> = {};
    await until(
      'sockets and timers back to baseline',
      () => {
        last = resources();
        return Object.entries(last).every(([k, n]) => n <= (baseline[k] ?? 0) + 2);
      },
      5000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: baseline ${JSON.stringify(baseline)}, now ${JSON.stringify(last)}`);
    });
  });
});
