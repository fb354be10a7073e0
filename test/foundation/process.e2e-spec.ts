// The built server as a process: a bad configuration stops the boot with one message naming every bad
// key (no stack trace), and SIGTERM/SIGINT close it cleanly, even with a keep-alive connection open.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { basic, freePort, tempDir } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { killServer, spawnServer } from '../support/process.js';

void describe('the server process', () => {
  let emu: Emulator;
  const tmp = tempDir('process');
  let n = 0;

  before(async () => {
    emu = await startEmulator();
  });

  after(async () => {
    await emu?.close();
    tmp.remove();
  });

  const env = (extra: Record<string, string> = {}) => {
    const dir = join(tmp.dir, `run-${n++}`);
    mkdirSync(dir);
    return {
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_DATA_DIR: dir,
      KMS_URIS: JSON.stringify([emu.uri]),
      // Long enough that the forced exit can only fire if something really holds the process.
      SERVER_SHUTDOWN_TIMEOUT: '30000',
      ...extra,
    };
  };

  void it('refuses to boot with bad values: exit code 1, every bad key listed, no stack trace, no secret', async () => {
    const file = join(tmp.dir, 'bad.properties');
    writeFileSync(file, 'openvidu.recording.autostop-timeout=later\n');
    const s = spawnServer(
      env({
        SERVER_PORT: 'https',
        OPENVIDU_CDR: 'maybe',
        OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY: 'roundrobin',
        KMS_URIS: '["http://127.0.0.1:8888/kurento"]',
        OPENVIDU_WEBHOOK: 'true',
        OPENVIDU_WEBHOOK_EVENTS: '["sessionCreated","nope"]',
        OPENVIDU_WEBHOOK_HEADERS: '["Authorization Basic c2VjcmV0LWluLWhlYWRlcg=="]',
        OPENVIDU_SECRET: 'boot-secret-not-to-leak',
        OPENVIDU_CONFIG_FILE: file,
      }),
    );
    const { code } = await s.exit;
    assert.equal(code, 1);
    const err = s.stderr();
    for (const key of [
      'SERVER_PORT',
      'OPENVIDU_CDR',
      'OPENVIDU_PRO_CLUSTER_LOAD_STRATEGY',
      'KMS_URIS',
      'OPENVIDU_WEBHOOK_EVENTS',
      'OPENVIDU_WEBHOOK_HEADERS',
      'openvidu.webhook.endpoint',
      'openvidu.recording.autostop-timeout (file)',
    ]) {
      assert.ok(err.includes(key), `stderr does not name ${key}:\n${err}`);
    }
    assert.doesNotMatch(err, /^\s+at /m, 'no stack trace');
    assert.ok(!err.includes('boot-secret-not-to-leak') && !s.stdout().includes('boot-secret-not-to-leak'));
    assert.ok(!err.includes('c2VjcmV0LWluLWhlYWRlcg'), 'a webhook header value is not echoed');
    assert.equal(err.trim().split('\n')[0], 'Invalid configuration, the server cannot start:');
  });

  void it('refuses to boot on an unreadable config file with one clear line', async () => {
    const dir = join(tmp.dir, 'a-folder.properties');
    mkdirSync(dir);
    const s = spawnServer(env({ OPENVIDU_CONFIG_FILE: dir }));
    assert.equal((await s.exit).code, 1);
    assert.match(s.stderr(), /OPENVIDU_CONFIG_FILE: cannot read/);
    assert.doesNotMatch(s.stderr(), /^\s+at /m);
  });

  void it(
    'exits with code 1 and one clear line when the port is taken, instead of hanging',
    { timeout: 60_000 },
    async () => {
      const first = spawnServer(env({ SERVER_PORT: String(await freePort()) }));
      try {
        const port = new URL(await first.ready).port;
        const second = spawnServer(env({ SERVER_PORT: port }));
        const { code } = await second.exit;
        assert.equal(code, 1);
        assert.match(second.stderr(), /failed to start: .*EADDRINUSE/);
        assert.doesNotMatch(second.stderr(), /^\s+at /m);
      } finally {
        await killServer(first);
      }
    },
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    void it(`exits with code 0 on ${signal}, without the forced-exit fallback`, async () => {
      const s = spawnServer(env());
      const url = await s.ready;
      assert.equal((await call(url, 'GET', '/pro/config', { auth: basic('MY_SECRET') })).status, 200);
      s.proc.kill(signal);
      const { code, signal: sig } = await s.exit;
      assert.equal(sig, null);
      assert.equal(code, 0, s.stderr());
      assert.doesNotMatch(s.stderr(), /did not finish/);
      assert.match(s.stdout(), new RegExp(`${signal} received`));
    });
  }

  void it('exits with code 0 on SIGTERM while a client holds a keep-alive connection open', async () => {
    const s = spawnServer(env());
    const url = await s.ready;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await call(url, 'GET', '/pro/config', { auth: basic('MY_SECRET'), agent });
      assert.equal(res.status, 200);
      const again = await call(url, 'GET', '/health/live', { auth: null, agent });
      assert.equal(again.socket, res.socket, 'the connection is reused, so it is open');
      const closed = new Promise((resolve) => res.socket.once('close', resolve));
      s.proc.kill('SIGTERM');
      const { code } = await s.exit;
      assert.equal(code, 0, s.stderr());
      assert.doesNotMatch(s.stderr(), /did not finish/);
      await closed;
    } finally {
      agent.destroy();
      await killServer(s);
    }
  });

  void it('exits cleanly when SIGTERM races a request on a keep-alive connection', async () => {
    const s = spawnServer(env());
    const url = await s.ready;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await call(url, 'GET', '/health/live', { auth: null, agent })).status, 200);
      const inFlight = call(url, 'POST', '/pro/restart', {
        auth: basic('MY_SECRET'),
        agent,
        body: { 'openvidu.cdr': true },
      });
      s.proc.kill('SIGTERM');
      const res = await inFlight.catch((e: Error) => e);
      // Either served before the close began, or refused cleanly; never a half-written response.
      if (!(res instanceof Error)) assert.equal(res.status, 200, res.text);
      assert.equal((await s.exit).code, 0, s.stderr());
    } finally {
      agent.destroy();
      await killServer(s);
    }
  });
});
