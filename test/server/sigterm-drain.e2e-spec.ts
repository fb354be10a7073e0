// Draining the server process on SIGTERM, in order: readiness turns false at once while everything
// keeps serving (REST, the joined client) for `server.shutdown.drain-delay`; then every session
// ends with `openviduServerStopped` told to its clients, every pipeline is released, and the process
// exits with code 0 leaving nothing on the media server.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { createSession } from '../support/api.js';
import { type Harness } from '../support/boot.js';
import { SECRET, tempDir } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { killServer, type SpawnedServer, spawnServer } from '../support/process.js';
import { Peer } from '../support/rpc.js';

void describe('SIGTERM drains the server', () => {
  let emu: KmsEmulator;
  const tmp = tempDir('drain');
  let n = 0;
  const running: SpawnedServer[] = [];
  const peers: Peer[] = [];

  before(async () => {
    emu = await startKmsEmulator({ host: '127.0.0.1' });
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    for (const s of running) await killServer(s);
    await emu?.close();
    tmp.remove();
  });

  const start = async (drainDelay: number) => {
    const dir = join(tmp.dir, `run-${n++}`);
    mkdirSync(dir);
    const s = spawnServer({
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_SSL_ENABLED: 'false',
      SERVER_DATA_DIR: dir,
      OPENVIDU_SECRET: SECRET,
      KMS_URIS: JSON.stringify([emu.uri]),
      SERVER_SHUTDOWN_DRAIN_DELAY: String(drainDelay),
      SERVER_SHUTDOWN_TIMEOUT: '20000',
    });
    running.push(s);
    const url = await s.ready;
    const h = { url, wsUrl: `${url.replace(/^http/, 'ws')}/openvidu` } as Harness;
    await until('media server connected', async () => (await rest(url, 'GET', '/health/media')).status === 200);
    const session = await createSession(url);
    const p = await Peer.withRole(h, session, 'PUBLISHER');
    peers.push(p);
    await p.publish();
    assert.ok(emu.stats().pipelines > 0, 'the session has a pipeline on the media server');
    return { s, url, session, p };
  };
  const lines = (s: SpawnedServer) =>
    s
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string });
  const indexOf = (s: SpawnedServer, re: RegExp) => lines(s).findIndex((l) => re.test(String(l.msg)));

  void it('readiness down at once, still serving during the delay, then openviduServerStopped and a clean exit', async () => {
    // A delay far longer than the test: a second SIGTERM ends it, so no step depends on timing.
    const { s, url, session, p } = await start(600_000);
    s.proc.kill('SIGTERM');
    const ready = await until('readiness down', async () => {
      const r = await rest(url, 'GET', '/health/ready');
      return r.status === 503 ? r : undefined;
    });
    assert.equal(ready.json<{ details: { server: { phase: string } } }>().details.server.phase, 'draining', ready.text);
    // Still serving: liveness, REST reads and writes, the joined client, new joins.
    assert.equal((await rest(url, 'GET', '/health/live')).status, 200);
    assert.equal((await rest(url, 'GET', `/api/sessions/${session}`)).status, 200);
    const late = await createSession(url);
    const h = { url, wsUrl: `${url.replace(/^http/, 'ws')}/openvidu` } as Harness;
    const q = await Peer.withRole(h, late, 'PUBLISHER');
    peers.push(q);
    await p.sync();
    assert.equal(
      p.rpc.notifications.filter((x) => x.method === 'participantEvicted').length,
      0,
      'nobody is evicted during the delay',
    );
    assert.equal(s.proc.exitCode, null);

    s.proc.kill('SIGTERM');
    for (const peer of [p, q]) {
      const ev = await peer.rpc.waitFor('participantEvicted', (x) => x.connectionId === peer.id);
      assert.equal(ev.params.reason, 'openviduServerStopped');
      await peer.rpc.whenClosed();
    }
    const { code, signal } = await s.exit;
    assert.equal(signal, null);
    assert.equal(code, 0, s.stderr());
    assert.doesNotMatch(s.stderr(), /did not finish/);

    const order = [
      /^SIGTERM received: readiness is down; still serving for 600000 ms/,
      /^Server phase: draining$/,
      /^SIGTERM received again: closing now$/,
      /^Server phase: stopping$/,
      new RegExp(`^Session ${session} closed \\(openviduServerStopped\\)$`),
    ].map((re) => indexOf(s, re));
    assert.ok(
      order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])),
      `log order ${JSON.stringify(order)}:\n${s.stdout().slice(-3000)}`,
    );
    await until('nothing left on the media server', () => {
      const st = emu.stats();
      return st.pipelines === 0 && st.objects === 0 && st.sockets === 0;
    });
  });

  void it('closes by itself once the drain delay is over', async () => {
    const { s, p } = await start(300);
    s.proc.kill('SIGTERM');
    const ev = await p.rpc.waitFor('participantEvicted', (x) => x.connectionId === p.id);
    assert.equal(ev.params.reason, 'openviduServerStopped');
    assert.equal((await s.exit).code, 0, s.stderr());
    assert.ok(indexOf(s, /^SIGTERM received again/) < 0, 'no second signal was needed');
    await until('nothing left on the media server', () => {
      const st = emu.stats();
      return st.pipelines === 0 && st.objects === 0 && st.sockets === 0;
    });
  });
});
