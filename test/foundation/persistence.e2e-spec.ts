// Persistence of /pro/restart (docs/openvidu-api.md §3.2) with the BUILT server: values survive a process restart
// with the same environment, and a file that cannot be written leaves the values in memory with a
// message that says so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { basic, freePort, tempDir } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { killServer, type SpawnedServer, spawnServer } from '../support/process.js';

const FILE_TEXT = '# Pro settings, managed by ops\nmy.own.key = stays\nopenvidu.cdr=false\n';

void describe('persistence of POST /pro/restart in the built server (docs/openvidu-api.md §3.2)', () => {
  let emu: Emulator;
  const tmp = tempDir('persist');
  const running: SpawnedServer[] = [];

  before(async () => {
    emu = await startEmulator();
  });

  after(async () => {
    for (const s of running) await killServer(s);
    await emu?.close();
    tmp.remove();
  });

  async function envFor(name: string, secret: string): Promise<Record<string, string>> {
    const dir = join(tmp.dir, name);
    mkdirSync(join(dir, 'data'), { recursive: true });
    return {
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: String(await freePort()),
      SERVER_DATA_DIR: join(dir, 'data'),
      KMS_URIS: JSON.stringify([emu.uri]),
      OPENVIDU_CONFIG_FILE: join(dir, 'application.properties'),
      OPENVIDU_SECRET: secret,
    };
  }

  function start(env: Record<string, string>): SpawnedServer {
    const s = spawnServer(env);
    running.push(s);
    return s;
  }

  void it('keeps the restarted values after a kill and a new start with the same environment', async () => {
    const env = await envFor('keep', 'first-secret');
    writeFileSync(env.OPENVIDU_CONFIG_FILE, FILE_TEXT);
    const first = start(env);
    const url = await first.ready;
    const body = {
      'openvidu.secret': 'second-secret',
      'openvidu.cdr': true,
      'openvidu.recording.path': '/srv/recordings',
      'openvidu.webhook.events': ['sessionCreated', 'participantJoined'],
      'openvidu.webhook.headers': ['X-Api-Key: k1'],
      'openvidu.streams.video.max-recv-bandwidth': 555,
      'openvidu.pro.stats.webrtc-interval': 0,
    };
    const res = await call(url, 'POST', '/pro/restart', { auth: basic('first-secret'), body });
    assert.equal(res.status, 200, res.text);
    assert.match(res.json<{ message: string }>().message, /Persisted to/);
    const shown = (await call(url, 'GET', '/pro/config', { auth: basic('second-secret') })).json();
    await killServer(first, 'SIGKILL');

    const second = start(env);
    const url2 = await second.ready;
    assert.equal((await call(url2, 'GET', '/pro/config', { auth: basic('first-secret') })).status, 401);
    const again = await call(url2, 'GET', '/pro/config', { auth: basic('second-secret') });
    assert.equal(again.status, 200);
    assert.deepEqual(again.json(), shown, 'GET /pro/config after the restart of the process');
    assert.equal(again.json().maxRecvBandwidth, 555);
    const text = readFileSync(env.OPENVIDU_CONFIG_FILE, 'utf8');
    assert.ok(text.startsWith('# Pro settings, managed by ops\nmy.own.key = stays\n'), text);
    const log = second.stdout();
    assert.ok(!log.includes('second-secret') && !log.includes('first-secret'), 'the secret is never logged');
    // The boot log says where each non-default value came from (the file beats the environment).
    assert.match(log, /openvidu\.secret=\(hidden\) from file /);
    assert.match(log, /openvidu\.streams\.video\.max-recv-bandwidth=555 from file /);
    assert.match(log, /server\.port=\d+ from environment SERVER_PORT/);
    await killServer(second, 'SIGTERM');
  });

  void it('applies in memory, warns once and says so when the file or its folder is not writable', async () => {
    const env = await envFor('readonly', 'ro-secret');
    const dir = join(tmp.dir, 'readonly');
    const file = env.OPENVIDU_CONFIG_FILE;
    writeFileSync(file, FILE_TEXT);
    chmodSync(file, 0o444);
    const server = start(env);
    const url = await server.ready;
    const auth = basic('ro-secret');

    const restartAndCheck = async (cdr: boolean) => {
      const res = await call(url, 'POST', '/pro/restart', { auth, body: { 'openvidu.cdr': cdr } });
      assert.equal(res.status, 200, res.text);
      const msg = res.json<{ message: string }>().message;
      assert.match(msg, /could not write/);
      assert.match(msg, /in memory only/);
      assert.equal((await call(url, 'GET', '/pro/config', { auth })).json().openviduCdr, cdr);
      assert.equal(readFileSync(file, 'utf8'), FILE_TEXT, 'the file is untouched');
    };

    // 1: the folder is writable, only the file is read-only (a rename would still replace it).
    await restartAndCheck(true);
    // 2: the file is writable but its folder is not (no room for the temp file of an atomic write).
    chmodSync(file, 0o644);
    chmodSync(dir, 0o555);
    await restartAndCheck(false);
    chmodSync(dir, 0o755);

    const warnings = server
      .stdout()
      .split('\n')
      .filter((l) => l.includes('not writable'));
    assert.equal(warnings.length, 1, `one warning, got:\n${warnings.join('\n')}`);
    assert.ok(!server.stdout().includes('ro-secret'));
    await killServer(server, 'SIGTERM');
  });
});
