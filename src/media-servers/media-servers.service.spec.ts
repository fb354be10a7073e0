// The media-server pool over fake Kurento servers under mock timers: boot, registration and
// deregistration (docs/openvidu-api.md §3.3), placement by each load strategy (§3.4, §7), drain, and
// the events other modules act on.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { loadConfig } from '../config/config.loader.js';
import { LOAD_STRATEGIES } from '../config/config.schema.js';
import type { OpenViduConfigService } from '../config/config.service.js';
import { selectLoadStrategy } from './load-strategies/load-strategies.js';
import {
  MEDIA_SERVER_CONNECTED,
  MEDIA_SERVER_DISCONNECTED,
  MEDIA_SERVER_RESTARTED,
  MEDIA_SERVER_STATUS_CHANGED,
  type MediaServerEvent,
  type MediaServerStatusEvent,
} from './media-server.events.js';
import { NoMediaServerAvailableError } from './media-servers.errors.js';
import { MediaServersService } from './media-servers.service.js';
import type { Placement } from './placement.js';
import { advance, FakeMediaServerIo, FakeSession, flush, placeOn } from './testing/fakes.js';

const uri = (i: number) => `ws://10.0.0.${i}:8888/kurento`;
const CONNECT_TIMEOUT = 1000;

interface Pool {
  pool: MediaServersService;
  io: FakeMediaServerIo;
  /** Liveness and status events in order, as `<short name> <uri>`. */
  heard: string[];
  payloads: Array<MediaServerEvent | MediaServerStatusEvent>;
}

function makePool(uris: string[], env: Record<string, string> = {}): Pool {
  const loaded = loadConfig({
    OPENVIDU_SECRET: 'unit',
    OPENVIDU_PRO_CLUSTER: 'true',
    KMS_URIS: JSON.stringify(uris),
    KMS_LIVENESS_INTERVAL: '100',
    KMS_LIVENESS_TIMEOUT: '300',
    KMS_CONNECT_TIMEOUT: String(CONNECT_TIMEOUT),
    KMS_LOAD_SAMPLING_INTERVAL: '500',
    KMS_DISCONNECT_GRACE: '2000',
    ...env,
  });
  assert.deepEqual(loaded.errors, []);
  const config: Pick<OpenViduConfigService, 'get'> = { get: (key) => loaded.config[key] };
  const events = new EventEmitter2();
  const heard: string[] = [];
  const payloads: Pool['payloads'] = [];
  for (const name of [MEDIA_SERVER_CONNECTED, MEDIA_SERVER_DISCONNECTED, MEDIA_SERVER_RESTARTED]) {
    events.on(name, (e: MediaServerEvent) => {
      heard.push(`${name.replace('media-server.', '')} ${e.uri}`);
      payloads.push(e);
    });
  }
  events.on(MEDIA_SERVER_STATUS_CHANGED, (e: MediaServerStatusEvent) => {
    heard.push(`${e.oldStatus} -> ${e.newStatus} ${e.uri}`);
    payloads.push(e);
  });
  const io = new FakeMediaServerIo();
  const strategy = selectLoadStrategy(loaded.config['openvidu.pro.cluster.load.strategy']);
  return { pool: new MediaServersService(config, events, strategy, io), io, heard, payloads };
}

async function started(uris: string[], env: Record<string, string> = {}): Promise<Pool> {
  const p = makePool(uris, env);
  p.pool.onModuleInit();
  await flush();
  return p;
}

const idOf = (pool: MediaServersService, u: string) => pool.list().find((s) => s.uri === u)!.id;

void describe('MediaServersService', () => {
  let p: Pool | undefined;
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 5_000_000 }));
  afterEach(() => {
    p?.pool.onApplicationShutdown();
    p = undefined;
    mock.timers.reset();
  });

  void describe('boot and shutdown', () => {
    void it('registers kms.uris in order; one that does not answer is listed, retried, and never chosen', async () => {
      const pre = makePool([uri(1), uri(2)]);
      p = pre;
      pre.io.kms(uri(2)).down = true;
      pre.pool.onModuleInit();
      await flush();
      assert.deepEqual(
        p.pool.list().map((s) => [s.uri, s.connected, s.connectionTime]),
        [
          [uri(1), true, 5_000_000],
          [uri(2), false, 0],
        ],
      );
      assert.equal(p.pool.connectedCount(), 1);
      for (let i = 0; i < 5; i++) assert.equal(p.pool.place(`ses_${i}`).mediaServerId, idOf(p.pool, uri(1)));
      assert.deepEqual(p.heard, [`connected ${uri(1)}`]);
      p.io.kms(uri(2)).start();
      await advance(100);
      assert.equal(p.pool.connectedCount(), 2);
      assert.deepEqual(p.heard, [`connected ${uri(1)}`, `connected ${uri(2)}`]);
    });

    void it('shutdown closes every socket and media client; nothing is emitted afterwards', async () => {
      p = await started([uri(1), uri(2)]);
      assert.ok(p.io.openSockets() >= 4);
      const listeners = process.listenerCount('uncaughtException');
      p.pool.onApplicationShutdown();
      assert.equal(process.listenerCount('uncaughtException'), listeners - 1, 'the last-resort handler is gone');
      assert.equal(p.io.openSockets(), 0);
      assert.ok(p.io.connections.every((c) => c.closed));
      for (const kms of p.io.servers.values()) kms.restart();
      await advance(2000);
      assert.equal(p.io.openSockets(), 0);
      assert.deepEqual(p.heard, [`connected ${uri(1)}`, `connected ${uri(2)}`]);
    });
  });

  void describe('register and deregister', () => {
    void it('registers a server once it answers, with one connected event', async () => {
      p = await started([uri(1)]);
      const json = await p.pool.register(uri(2));
      assert.equal(json.uri, uri(2));
      assert.equal(json.connected, true);
      assert.match(String(json.id), /^KMS-[A-Z0-9]{6}$/);
      assert.deepEqual(p.heard, [`connected ${uri(1)}`, `connected ${uri(2)}`]);
      assert.deepEqual(
        p.pool.list().map((s) => s.uri),
        [uri(1), uri(2)],
      );
    });

    void it('refuses a server that does not answer within kms.connect.timeout, and keeps nothing of it', async () => {
      p = await started([uri(1)]);
      p.io.kms(uri(3)).down = true;
      let settled = false;
      const registering = p.pool.register(uri(3));
      registering.finally(() => (settled = true)).catch(() => undefined);
      const isSettled = () => settled;
      await advance(CONNECT_TIMEOUT - 10);
      assert.equal(isSettled(), false, 'still waiting');
      assert.equal(p.pool.size, 1, 'not listed while it registers');
      await advance(10);
      assert.equal(isSettled(), true);
      await assert.rejects(registering, NotFoundError);
      assert.equal(p.pool.size, 1);
      const opened = p.io.kms(uri(3)).opened;
      p.io.kms(uri(3)).start();
      await advance(1000);
      assert.equal(p.io.kms(uri(3)).opened, opened, 'its probe is gone');
      assert.ok(p.io.connections.at(-1)!.closed);
      assert.deepEqual(p.heard, [`connected ${uri(1)}`]);
    });

    void it('refuses a uri already registered, however it is spelled (409)', async () => {
      p = await started(['ws://Media-1.local:8888/kurento']);
      await assert.rejects(p.pool.register('ws://media-1.LOCAL:8888/kurento'), ConflictError);
    });

    void it('deregister: 404 when unknown, 409 while it hosts sessions, force closes them first', async () => {
      p = await started([uri(1), uri(2)]);
      const [a] = p.pool.list();
      await assert.rejects(p.pool.deregister('KMS-NOSUCH', {}), NotFoundError);
      const session = new FakeSession('ses_hosted', 2);
      const placement = p.pool.place(session.sessionId);
      assert.equal(placement.mediaServerId, a.id);
      placement.attach(session);
      await assert.rejects(p.pool.deregister(a.id, {}), ConflictError);
      assert.deepEqual(session.closes, []);
      await p.pool.deregister(a.id, { force: 'true' });
      assert.deepEqual(session.closes, ['mediaServerDisconnect']);
      assert.equal(p.io.connections[0].settles, 1, 'its releases went out before its client closed');
      assert.equal(p.io.connections[0].closed, true);
      assert.equal(p.io.kms(uri(1)).sockets.size, 0);
      assert.deepEqual(
        p.pool.list().map((s) => s.uri),
        [uri(2)],
      );
      assert.equal(p.pool.place('ses_next').mediaServerId, idOf(p.pool, uri(2)));
    });

    void it('a server registered again after deregistration gets its id back', async () => {
      p = await started([uri(1)]);
      const id = p.pool.list()[0].id;
      await p.pool.deregister(id, {});
      assert.equal(p.pool.size, 0);
      assert.equal((await p.pool.register(uri(1))).id, id);
    });
  });

  void describe('placement', () => {
    void it('a placed session stays where it is; with no connected server nothing is placed', async () => {
      p = await started([uri(1), uri(2)]);
      const first = p.pool.place('ses_same');
      assert.equal(p.pool.place('ses_same'), first);
      for (const kms of p.io.servers.values()) kms.stop();
      assert.equal(p.pool.connectedCount(), 0);
      assert.throws(() => p!.pool.place('ses_nowhere'), NoMediaServerAvailableError);
    });

    // Each strategy's own figure decides: servers 1..3 are made to differ in that figure only.
    const setups: Record<string, (pool: Pool) => Promise<void>> = {
      streams: async ({ pool }) => {
        const sessions = [new FakeSession('s1', 5), new FakeSession('s2', 1), new FakeSession('s3', 3)];
        for (const [i, s] of sessions.entries()) placeOn(pool, idOf(pool, uri(i + 1)), s.sessionId).attach(s);
        await flush();
      },
      sessions: async ({ pool }) => {
        for (const [i, n] of [3, 1, 2].entries()) {
          for (let k = 0; k < n; k++) placeOn(pool, idOf(pool, uri(i + 1)), `s${i}_${k}`);
        }
        await flush();
      },
      mediaObjects: async ({ io }) => {
        for (const [i, n] of [9, 2, 5].entries()) io.kms(uri(i + 1)).pipelines.set('p', n - 1);
        await advance(500);
      },
      cpu: async ({ io }) => {
        for (const [i, n] of [70, 10, 40].entries()) io.kms(uri(i + 1)).cpuPercent = n;
        await advance(500);
      },
    };
    for (const strategy of LOAD_STRATEGIES) {
      void it(`${strategy}: the least-loaded running, connected server, as ?load=true shows it`, async () => {
        p = await started([uri(1), uri(2), uri(3)], { OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: strategy });
        await setups[strategy](p);
        const loads = p.pool.list().map((s) => s.load);
        assert.ok(loads[1] < loads[2] && loads[2] < loads[0], `loads ${loads.join(', ')}`);
        assert.equal(p.pool.place('ses_new').mediaServerId, idOf(p.pool, uri(2)));
        // The least loaded drains: the next best takes new sessions; a disconnected one never does.
        p.pool.updateStatus(idOf(p.pool, uri(2)), 'waiting-idle-to-terminate');
        assert.equal(p.pool.place('ses_other').mediaServerId, idOf(p.pool, uri(3)));
        p.io.kms(uri(3)).stop();
        assert.equal(p.pool.place('ses_third').mediaServerId, idOf(p.pool, uri(1)));
      });

      void it(`${strategy}: a burst of 1,000 sessions over 4 uneven servers ends within max/min 1.1`, async () => {
        p = await started([uri(1), uri(2), uri(3), uri(4)], { OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: strategy });
        for (const [i, kms] of [...p.io.servers.values()].entries()) {
          kms.cpuPercent = 5 * i;
          if (i) kms.pipelines.set(`p${i}`, 3 * i - 1);
        }
        await advance(500); // one sample with those figures
        const placements: Placement[] = [];
        for (let i = 0; i < 1000; i++) placements.push(p.pool.place(`burst_${i}`));
        const counts = new Map<string, number>();
        for (const pl of placements) counts.set(pl.mediaServerId, (counts.get(pl.mediaServerId) ?? 0) + 1);
        const c = [...counts.values()];
        const figures = p.pool.list().map((s) => s.load);
        assert.equal(c.length, 4);
        assert.ok(Math.max(...c) / Math.min(...c) <= 1.1, `sessions per server ${c.join(', ')}`);
        assert.ok(Math.max(...figures) / Math.min(...figures) <= 1.1, `loads ${figures.join(', ')}`);
        for (const pl of placements) pl.release();
        assert.ok(p.pool.stats().every((s) => s.sessions === 0));
      });
    }
  });

  void describe('events', () => {
    void it('a server going down, coming back and restarting is told with its id, uri and time; the others stay silent', async () => {
      p = await started([uri(1), uri(2)]);
      const id = idOf(p.pool, uri(1));
      p.heard.length = 0;
      p.payloads.length = 0;
      const kms = p.io.kms(uri(1));
      await advance(1000);
      kms.stop();
      await advance(1000);
      kms.start();
      await advance(100);
      kms.restart();
      await flush();
      assert.deepEqual(p.heard, [
        `disconnected ${uri(1)}`,
        `connected ${uri(1)}`,
        `disconnected ${uri(1)}`,
        `restarted ${uri(1)}`,
        `connected ${uri(1)}`,
      ]);
      assert.deepEqual(p.payloads, [
        { id, uri: uri(1), at: 5_001_000 },
        { id, uri: uri(1), at: 5_002_100 },
        { id, uri: uri(1), at: 5_002_100 },
        { id, uri: uri(1), at: 5_002_100 },
        { id, uri: uri(1), at: 5_002_100 },
      ]);
      const stats = p.pool.stats().find((s) => s.id === id)!;
      assert.equal(stats.disconnections, 2);
      assert.equal(stats.reconnects, 2);
    });

    void it('a drained server: status events as it drains, and it leaves once its last session ends', async () => {
      p = await started([uri(1), uri(2)]);
      const id = idOf(p.pool, uri(1));
      const placement = p.pool.place('ses_last');
      assert.equal(placement.mediaServerId, id);
      p.heard.length = 0;
      p.pool.updateStatus(id, 'waiting-idle-to-terminate');
      assert.equal(p.pool.get(id)?.status, 'waiting-idle-to-terminate');
      placement.release();
      await flush();
      assert.equal(p.pool.get(id), undefined);
      assert.deepEqual(p.heard, [
        `running -> waiting-idle-to-terminate ${uri(1)}`,
        `waiting-idle-to-terminate -> terminating ${uri(1)}`,
        `terminating -> terminated ${uri(1)}`,
      ]);
      assert.equal(p.io.kms(uri(1)).sockets.size, 0);
      assert.deepEqual(p.payloads.at(-1), {
        id,
        uri: uri(1),
        ip: '10.0.0.1',
        oldStatus: 'terminating',
        newStatus: 'terminated',
        at: 5_000_000,
      });
    });

    void it('"running" cancels a drain: no further status event, and the server takes sessions again', async () => {
      p = await started([uri(1)]);
      const id = idOf(p.pool, uri(1));
      const hosted = p.pool.place('ses_hosted');
      p.heard.length = 0;
      p.pool.updateStatus(id, 'waiting-idle-to-terminate');
      assert.throws(() => p!.pool.place('ses_refused'), NoMediaServerAvailableError);
      p.pool.updateStatus(id, 'running');
      p.pool.updateStatus(id, 'running');
      hosted.release();
      await flush();
      assert.equal(p.pool.place('ses_taken').mediaServerId, id);
      assert.deepEqual(p.heard, [
        `running -> waiting-idle-to-terminate ${uri(1)}`,
        `waiting-idle-to-terminate -> running ${uri(1)}`,
      ]);
    });
  });
});
