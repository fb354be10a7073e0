// The embedded default: with no KMS_URIS the built server starts its own Kurento-protocol emulator on
// a loopback port, says so loudly, and serves REST with one connected media server; KMS_URIS turns it off.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmulator } from '../support/emulators.js';
import { basic, freePort, tempDir } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { killServer, spawnServer, waitReady } from '../support/process.js';

void describe('embedded media server emulator (no KMS_URIS)', () => {
  const tmp = tempDir('embedded');
  after(() => tmp.remove());

  void it('starts with no configuration: banner, one connected emulated media server, clean SIGTERM', async () => {
    // Only the port (4443 may be taken on this machine) and a private data folder are set.
    const env = { SERVER_PORT: String(await freePort()), SERVER_DATA_DIR: join(tmp.dir, 'default') };
    const server = spawnServer(env);
    try {
      const url = (await server.ready).replace('localhost', '127.0.0.1');
      await waitReady(url);
      const out = server.stdout();
      assert.match(out, /EMBEDDED KURENTO EMULATOR at ws:\/\/127\.0\.0\.1:\d+\/kurento/);
      assert.match(out, /NO MEDIA/);
      assert.match(out, /"level":40/, 'the banner is a warning');
      for (const line of out.split('\n').filter((l) => l.trim())) {
        assert.doesNotThrow(() => JSON.parse(line) as unknown, `stdout is JSON lines, got: ${line}`);
      }

      const config = await call(url, 'GET', '/pro/config', { auth: basic('MY_SECRET') });
      assert.equal(config.status, 200);
      const kmsUris = config.json<{ kmsUris: string[] }>().kmsUris;
      assert.equal(kmsUris.length, 1);
      assert.match(kmsUris[0], /^ws:\/\/127\.0\.0\.1:\d+\/kurento$/);

      const ready = await call(url, 'GET', '/health/ready', { auth: null });
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.json<{ details: { mediaServers: unknown } }>().details.mediaServers, {
        status: 'up',
        connected: 1,
        registered: 1,
      });

      const sessions = await call(url, 'POST', '/api/sessions', { auth: basic('MY_SECRET'), body: {} });
      assert.equal(sessions.status, 200);
    } finally {
      await killServer(server, 'SIGTERM');
    }
    assert.deepEqual(await server.exit, { code: 0, signal: null });
  });

  void it('KMS_URIS turns the emulator off', async () => {
    const emu = await startEmulator();
    const env = {
      SERVER_PORT: String(await freePort()),
      SERVER_DATA_DIR: join(tmp.dir, 'external'),
      KMS_URIS: JSON.stringify([emu.uri]),
    };
    const server = spawnServer(env);
    try {
      const url = (await server.ready).replace('localhost', '127.0.0.1');
      await waitReady(url);
      assert.doesNotMatch(server.stdout(), /EMULATOR/);
      const config = await call(url, 'GET', '/pro/config', { auth: basic('MY_SECRET') });
      assert.deepEqual(config.json<{ kmsUris: string[] }>().kmsUris, [emu.uri]);
    } finally {
      await killServer(server, 'SIGTERM');
      await emu.close();
    }
  });
});
