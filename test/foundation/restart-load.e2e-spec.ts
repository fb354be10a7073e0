// In-place restart under load (docs/openvidu-api.md §3.2; issue: "no process exit, the HTTP listener and every open
// connection stay up, requests in flight finish"). The built server runs in its own process; 50
// keep-alive clients hammer GET /pro/config while a restart changes the secret.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { Agent } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { basic, tempDir } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { killServer, type SpawnedServer, spawnServer } from '../support/process.js';

const CLIENTS = 50;
const RUN_MS = 3000;
const RESTART_AT_MS = 1000;
const OLD = basic('load-old-secret');
const NEW = basic('load-new-secret');

interface Sample {
  client: number;
  auth: string;
  sentAt: number;
  doneAt: number;
  status?: number;
  error?: string;
  socket?: Socket;
}

void describe('in-place restart under concurrent load', () => {
  let emu: Emulator;
  let server: SpawnedServer;
  let url: string;
  const tmp = tempDir('load');

  before(async () => {
    emu = await startEmulator();
    mkdirSync(join(tmp.dir, 'data'));
    server = spawnServer({
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_DATA_DIR: join(tmp.dir, 'data'),
      KMS_URIS: JSON.stringify([emu.uri]),
      OPENVIDU_CONFIG_FILE: join(tmp.dir, 'application.properties'),
      OPENVIDU_SECRET: 'load-old-secret',
    });
    url = await server.ready;
  });

  after(async () => {
    if (server) await killServer(server, 'SIGKILL');
    await emu?.close();
    tmp.remove();
  });

  void it(`${CLIENTS} keep-alive clients see no failure but the expected 401s, and the secret switches at the 200`, async () => {
    const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    const samples: Sample[] = [];
    let auth = OLD;
    let stop = false;
    const t0 = performance.now();
    const now = () => performance.now() - t0;

    const client = async (c: number) => {
      while (!stop) {
        const s: Sample = { client: c, auth, sentAt: now(), doneAt: 0 };
        try {
          const res = await call(url, 'GET', '/pro/config', { auth: s.auth, agent: agents[c] });
          s.status = res.status;
          s.socket = res.socket;
        } catch (e) {
          s.error = (e as Error).message;
        }
        s.doneAt = now();
        samples.push(s);
      }
    };

    const done = (c: number, a: string) => samples.filter((s) => s.client === c && s.auth === a).length;
    const everyClient = (a: string, n: number) => agents.every((_, c) => done(c, a) >= n);
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise((resolve) => setTimeout(resolve, 20));
    };

    const restart = (async () => {
      // Every client is connected and busy before the restart, whatever the speed of the machine.
      await until(() => now() >= RESTART_AT_MS && everyClient(OLD, 3));
      const sentAt = now();
      const res = await call(url, 'POST', '/pro/restart', {
        auth: OLD,
        body: { 'openvidu.secret': 'load-new-secret' },
      });
      auth = NEW;
      const okAt = now();
      // Right after the 200: the old secret is refused, the new one works.
      const [oldRes, newRes] = await Promise.all([
        call(url, 'GET', '/pro/config', { auth: OLD }),
        call(url, 'GET', '/pro/config', { auth: NEW }),
      ]);
      return { res, sentAt, okAt, oldStatus: oldRes.status, newStatus: newRes.status };
    })();

    const clients = agents.map((_, c) => client(c));
    const r = await restart;
    await until(() => now() >= RUN_MS && everyClient(NEW, 3));
    stop = true;
    await Promise.all(clients);

    assert.equal(r.res.status, 200, r.res.text);
    assert.equal(r.oldStatus, 401, 'the old secret fails right after the 200');
    assert.equal(r.newStatus, 200, 'the new secret works right after the 200');

    const errors = samples.filter((s) => s.error);
    assert.deepEqual(errors.slice(0, 3), [], `${errors.length} requests failed at the socket level`);
    const odd = samples.filter((s) => s.status !== 200 && s.status !== 401);
    assert.deepEqual(odd.map((s) => s.status).slice(0, 5), [], 'only 200s and 401s');
    const early401 = samples.filter((s) => s.status === 401 && s.doneAt < r.sentAt);
    assert.equal(early401.length, 0, 'a 401 before the restart was even sent');
    const newRefused = samples.filter((s) => s.auth === NEW && s.status !== 200);
    assert.equal(newRefused.length, 0, 'a request with the new secret was refused');
    const oldAfter = samples.filter((s) => s.auth === OLD && s.sentAt > r.okAt);
    assert.equal(oldAfter.length, 0, 'clients switch secret at the 200');
    const inFlight = samples.filter((s) => s.sentAt < r.okAt && s.doneAt > r.sentAt).length;
    console.log(
      `# ${samples.length} requests, ${samples.filter((s) => s.status === 401).length} expected 401s, ` +
        `${inFlight} in flight during the restart, restart round trip ${(r.okAt - r.sentAt).toFixed(1)} ms`,
    );

    for (let c = 0; c < CLIENTS; c++) {
      const sockets = new Set(samples.filter((s) => s.client === c).map((s) => s.socket));
      assert.equal(sockets.size, 1, `client ${c} had to reconnect: its keep-alive connection was closed`);
    }
    for (const a of agents) {
      const open = Object.values(a.freeSockets).flat();
      assert.equal(open.length, 1, 'the keep-alive connection is still open after the run');
      assert.ok(open.every((s) => s && !s.destroyed));
    }
    assert.equal(
      (await call(url, 'GET', '/health/ready', { auth: null })).status,
      200,
      'a new connection is served: listener up',
    );
    assert.equal(server.proc.exitCode, null, 'no process exit');
    for (const a of agents) a.destroy();
  });
});
