// The Kurento pod's sidecar (dist/src/media-node-agent/main.js) as a process: it registers its media
// server, registers it again after the server forgot it, and on SIGTERM drains it, waiting for the
// last session to end before writing the file the Kurento container's preStop hook waits on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { SECRET, tempDir } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer } from '../support/rpc.js';

const AGENT = fileURLToPath(new URL('../../src/media-node-agent/main.js', import.meta.url));

void describe('media-node agent (Kurento sidecar)', () => {
  let h: Harness;
  let emu: KmsEmulator;
  const tmp = tempDir('agent');
  const done = join(tmp.dir, 'done');

  before(async () => {
    h = await boot({}, 0);
    emu = await startKmsEmulator({ host: '127.0.0.1' });
  });
  after(async () => {
    await h?.close();
    await emu?.close();
    tmp.remove();
  });

  void it('registers, re-registers, and drains on SIGTERM before signalling the media server to stop', async () => {
    const proc = spawn(process.execPath, [AGENT], {
      env: {
        PATH: process.env.PATH ?? '',
        OPENVIDU_URL: h.url,
        OPENVIDU_SECRET: SECRET,
        KMS_URI: emu.uri,
        AGENT_INTERVAL: '100',
        AGENT_DONE_FILE: done,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    try {
      const id = await until('registered', () => h.pool.list().find((s) => s.uri === emu.uri)?.id);
      assert.equal((await rest(h.url, 'DELETE', `/pro/media-servers/${id}`)).status, 204);
      await until('registered again', () => h.pool.list().some((s) => s.uri === emu.uri));

      const session = await createSession(h.url);
      const peer = await Peer.withRole(h, session, 'PUBLISHER');
      await peer.publish();
      proc.kill('SIGTERM');
      await until('draining', () => h.pool.get(id)?.status === 'waiting-idle-to-terminate');
      await new Promise((r) => setTimeout(r, 300)); // several agent polls while the session lives
      assert.ok(!existsSync(done), 'the media server must keep running while it hosts a session');
      assert.equal(proc.exitCode, null);

      await peer.leave();
      await peer.rpc.close();
      assert.equal(await exit, 0, out);
      assert.ok(existsSync(done), out);
      assert.equal(h.pool.get(id), undefined, 'deregistered');
      assert.match(out, /drained and deregistered/);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});
