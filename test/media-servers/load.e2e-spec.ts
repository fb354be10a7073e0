// The four load strategies (docs/openvidu-api.md §3.4, §7 placement) against 4 emulators: the documented figure
// under synthetic load, shown by GET ?load=true. Burst placement of 1,000 sessions within 1.1 is a unit
// spec (src/media-servers/media-servers.service.spec.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JsonRpcSocket } from '../../src/media-servers/kurento/json-rpc-socket.js';
import type { Pipeline } from '../../src/media-servers/media-api.js';
import { listServers } from '../support/api.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { FakeSession, placeOn } from '../support/media-servers.js';
import { until } from '../support/poll.js';

/** What the server itself reports, asked on a socket of the test's own. */
async function serverFigure(emu: Emulator, operation: string, operationParams?: object): Promise<number> {
  const sock = await JsonRpcSocket.open(emu.uri, 2000);
  try {
    const r = await sock.request<{ value: number }>(
      'invoke',
      { object: 'manager_ServerManager', operation, ...(operationParams ? { operationParams } : {}) },
      3000,
    );
    return r.value;
  } finally {
    sock.close();
  }
}

async function loads(t: App): Promise<Map<string, number>> {
  return new Map((await listServers(t.url, '?load=true')).map((s) => [s.uri, s.load!]));
}

void describe('load strategies with 4 media servers', () => {
  let emus: Emulator[];
  before(async () => {
    emus = await startEmulators(4);
  });
  after(async () => {
    await Promise.all((emus ?? []).map((e) => e.close()));
  });

  async function withApp(strategy: string, fn: (t: App, ids: string[]) => Promise<void>) {
    const t = await bootWith(
      emus.map((e) => e.uri),
      { OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: strategy },
    );
    try {
      await fn(
        t,
        emus.map((e) => t.pool.list().find((s) => s.uri === e.uri)!.id),
      );
    } finally {
      await t.close();
    }
  }

  void it('streams: publishers + subscribers of the sessions hosted on each server', () =>
    withApp('streams', async (t, ids) => {
      const a = new FakeSession('ses_a', 3);
      const b = new FakeSession('ses_b', 4);
      const c = new FakeSession('ses_c', 0);
      placeOn(t.pool, ids[0], a.sessionId).attach(a);
      placeOn(t.pool, ids[0], b.sessionId).attach(b);
      placeOn(t.pool, ids[1], c.sessionId).attach(c);
      let l = await loads(t);
      assert.deepEqual([...l.values()], [7, 1, 0, 0], 'a session with no stream yet counts as one');
      c.streams = 2;
      a.streams = 1;
      l = await loads(t);
      assert.deepEqual([...l.values()], [5, 2, 0, 0]);
    }));

  void it('sessions: sessions hosted on each server, placed or attached', () =>
    withApp('sessions', async (t, ids) => {
      const p = [placeOn(t.pool, ids[2], 's1'), placeOn(t.pool, ids[2], 's2'), placeOn(t.pool, ids[3], 's3')];
      p[0].attach(new FakeSession('s1', 9));
      assert.deepEqual([...(await loads(t)).values()], [0, 0, 2, 1]);
      p[1].release();
      assert.deepEqual([...(await loads(t)).values()], [0, 0, 1, 1]);
    }));

  void it('mediaObjects: pipelines and their elements as the server reports them', () =>
    withApp('mediaObjects', async (t, ids) => {
      const pipelines: Pipeline[] = [];
      try {
        const media = t.pool.media(ids[1]);
        for (let i = 0; i < 2; i++) pipelines.push(await media.createPipeline());
        await pipelines[0].createWebRtcEndpoint();
        await pipelines[0].createWebRtcEndpoint();
        await pipelines[1].createWebRtcEndpoint();
        assert.equal(emus[1].stats().objects, 5);
        const l = await until('a sample with the new objects', async () => {
          const m = await loads(t);
          return m.get(emus[1].uri) === 5 ? m : undefined;
        });
        assert.deepEqual([...l.values()], [0, 5, 0, 0]);
      } finally {
        for (const p of pipelines) await p.release();
      }
      await until('released objects leave the figure', async () => (await loads(t)).get(emus[1].uri) === 0);
    }));

  void it('cpu: the CPU percent getUsedCpu reports, sampled on the sampler socket', () =>
    withApp('cpu', async (t, ids) => {
      const pipelines: Pipeline[] = [];
      try {
        const media = t.pool.media(ids[3]);
        pipelines.push(await media.createPipeline());
        for (let i = 0; i < 3; i++) await pipelines[0].createWebRtcEndpoint();
        const busy = await serverFigure(emus[3], 'getUsedCpu', { interval: 10 });
        const idle = await serverFigure(emus[0], 'getUsedCpu', { interval: 10 });
        assert.ok(busy > idle && busy <= 100 && idle >= 0);
        const l = await until('a sample with the new endpoints', async () => {
          const m = await loads(t);
          return m.get(emus[3].uri) === busy ? m : undefined;
        });
        assert.deepEqual([...l.values()], [idle, idle, idle, busy]);
      } finally {
        for (const p of pipelines) await p.release();
      }
    }));
});
