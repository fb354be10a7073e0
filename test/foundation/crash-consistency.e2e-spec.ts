// Crash consistency of the persisted config (docs/openvidu-api.md §3.2, issue: "temp file, fsync, rename"):
// whenever a process dies while persisting, the file holds the old or the new text, never a mix.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.loader.js';
import { renderPropertiesUpdate } from '../../src/config/properties-writer.js';
import { type Emulator, startEmulator } from '../support/emulators.js';
import { basic, freePort, loopSize, tempDir } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { killServer, spawnServer } from '../support/process.js';

const LOOP_JS = fileURLToPath(new URL('../support/persist-loop.js', import.meta.url));
// A few kills and two server rounds keep `npm test` quick; TEST_FULL=1 (or CRASH_TRIALS, CRASH_ROUNDS)
// runs 210 kills and 3 rounds.
const KILL_TRIALS = loopSize('CRASH_TRIALS', 15, 210);
const SERVER_ROUNDS = loopSize('CRASH_ROUNDS', 2, 3);
const WORKERS = 3;
const SECRET = 'crash-secret';
// A big file (~60 KB) widens the write window, so a non-atomic write would be caught mid-way.
const BASE = `# ops header\nmy.own.key=1\n${'# padding line to make the file long\n'.repeat(1500)}openvidu.cdr=false\n`;
const A = {
  'openvidu.recording.autostop-timeout': 111,
  'openvidu.webhook.headers': ['X-A: '.concat('a'.repeat(2000))],
  'openvidu.cdr': true,
};
const B = {
  'openvidu.recording.autostop-timeout': 222,
  'openvidu.webhook.headers': ['X-B: '.concat('b'.repeat(3000))],
  'openvidu.cdr': false,
};

void describe('config file after a crash mid-persist', () => {
  let emu: Emulator;
  const tmp = tempDir('crash');
  const states = new Map<string, string>();

  before(async () => {
    emu = await startEmulator();
    // The only texts a crash may leave: the original, the file after A, the file after B.
    const scratch = join(tmp.dir, 'scratch.properties');
    writeFileSync(scratch, BASE);
    const textA = renderPropertiesUpdate(scratch, A);
    writeFileSync(scratch, textA);
    const textB = renderPropertiesUpdate(scratch, B);
    writeFileSync(scratch, textB);
    assert.equal(renderPropertiesUpdate(scratch, A), textA, 'A and B alternate between two fixed texts');
    states.set(BASE, 'old').set(textA, 'A').set(textB, 'B');
    for (const text of states.keys()) {
      writeFileSync(scratch, text);
      assert.deepEqual(loadConfig({ OPENVIDU_CONFIG_FILE: scratch }).errors, []);
    }
  });

  after(async () => {
    await emu?.close();
    tmp.remove();
  });

  const stateOf = (file: string) => {
    const text = readFileSync(file, 'utf8');
    const s = states.get(text);
    assert.ok(s, `the file is neither the old nor a new text (${text.length} chars):\n${text.slice(-300)}`);
    return s;
  };

  void it(`holds the old or the new text after ${KILL_TRIALS} SIGKILLs at random moments of a persist loop`, async () => {
    const seen = new Map<string, number>();
    const worker = async (w: number) => {
      const file = join(tmp.dir, `kill-${w}.properties`);
      writeFileSync(file, BASE);
      for (let t = w; t < KILL_TRIALS; t += WORKERS) {
        const child = spawn(process.execPath, [LOOP_JS, file, JSON.stringify(A), JSON.stringify(B)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exit = new Promise((resolve) => child.once('exit', resolve));
        // After the first write (A) or the second (B): each phase gets its share of kills even when a
        // loaded machine makes one write longer than the random delay.
        const writes = 1 + (t % 2);
        await new Promise<void>((resolve) => {
          let done = 0;
          child.stdout.on('data', (c: Buffer) => {
            done += c.toString().split('\n').length - 1;
            if (done >= writes) resolve();
          });
        });
        await sleep(Math.random() * 20);
        child.kill('SIGKILL');
        await exit;
        const s = stateOf(file);
        seen.set(s, (seen.get(s) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    assert.ok(
      (seen.get('A') ?? 0) > 0 && (seen.get('B') ?? 0) > 0,
      `kills landed in both phases: ${JSON.stringify([...seen])}`,
    );
  });

  void it('the built server under a /pro/restart loop: frozen at random moments, then killed, the file is whole', async () => {
    const dir = join(tmp.dir, 'server');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const file = join(dir, 'application.properties');
    writeFileSync(file, BASE);
    const env = {
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: String(await freePort()),
      SERVER_DATA_DIR: join(dir, 'data'),
      KMS_URIS: JSON.stringify([emu.uri]),
      OPENVIDU_CONFIG_FILE: file,
      OPENVIDU_SECRET: SECRET,
    };
    const auth = basic(SECRET);
    let server = spawnServer(env);
    let state = 'old';
    for (let round = 0; round < SERVER_ROUNDS; round++) {
      const url = await server.ready;
      const config = (await call(url, 'GET', '/pro/config', { auth })).json();
      const expected = state === 'A' ? 111 : state === 'B' ? 222 : 120;
      assert.equal(config.openviduRecordingAutostopTimeout, expected, 'a new process reads what the file holds');
      const agent = new Agent({ keepAlive: true, maxSockets: 4 });
      let stop = false;
      let applied = 0;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          const res = await call(url, 'POST', '/pro/restart', { auth, agent, body: i % 2 ? B : A }).catch(() => null);
          if (res?.status === 200) applied++;
        }
      })();
      for (let w = 0; applied < 2; w++) {
        assert.ok(w < 6000, 'no restart was applied');
        await sleep(5);
      }
      // SIGSTOP freezes the server exactly as a crash at that instant would leave the disk.
      for (let i = 0; i < 60; i++) {
        await sleep(Math.random() * 8);
        server.proc.kill('SIGSTOP');
        stateOf(file);
        server.proc.kill('SIGCONT');
      }
      await sleep(Math.random() * 20);
      await killServer(server, 'SIGKILL');
      stop = true;
      await loop;
      agent.destroy();
      state = stateOf(file);
      server = spawnServer(env);
    }
    await server.ready;
    await killServer(server, 'SIGTERM');
  });
});
