// Emulated media servers for the e2e specs: in this process (the usual case), or in a process of its
// own, which keeps answering while the test's own event loop is stalled, so its answers wait in our
// sockets as a real media server's would. Every emulator started here is closed by the caller.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';

export type Emulator = KmsEmulator;

/** `n` emulators on 127.0.0.1, each on a port of its own. */
export function startEmulators(n: number): Promise<Emulator[]> {
  return Promise.all(Array.from({ length: n }, () => startKmsEmulator({ host: '127.0.0.1', port: 0 })));
}

export async function startEmulator(): Promise<Emulator> {
  const [emu] = await startEmulators(1);
  return emu;
}

/** Objects left on the emulators (0 once every session has ended and its media was released). */
export function leftovers(emus: Emulator[]): number {
  return emus.reduce((n, e) => n + e.stats().pipelines + e.stats().objects, 0);
}

const CLI = fileURLToPath(new URL('../../src/kms-emulator/cli.js', import.meta.url));

export interface EmulatorProcess {
  uri: string;
  pid: number;
  /** One stdin command (`hang on`, `restart`, `blip`…); resolves with its one-line answer. */
  command(line: string): Promise<string>;
  stats(): Promise<{ pipelines: number; objects: number }>;
  close(): Promise<void>;
}

/** The emulator's CLI in a process of its own, on 127.0.0.1 with an ephemeral port. */
export async function spawnEmulator(): Promise<EmulatorProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, '--port', '0', '--host', '127.0.0.1'], {
    stdio: 'pipe',
  });
  let err = '';
  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${err}`)), 15_000);
    const onData = (d: Buffer) => {
      err += d.toString();
      const m = /(ws:\/\/127\.0\.0\.1:\d+\/kurento)/.exec(err);
      if (m) {
        clearTimeout(timer);
        // Its log is not kept past the banner: a long run would pile it up.
        child.stderr.off('data', onData);
        child.stderr.resume();
        resolve(m[1]);
      }
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${err}`)));
  });
  // Every command is answered with one line, in order.
  const answers: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => answers.shift()?.(line));
  const command = (line: string) =>
    new Promise<string>((resolve) => {
      answers.push(resolve);
      child.stdin.write(`${line}\n`);
    });
  return {
    uri,
    pid: child.pid!,
    command,
    stats: async () => JSON.parse(await command('stats')) as { pipelines: number; objects: number },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Blocks this process's event loop for `ms`, as a major GC or a huge response body does. */
export function stallEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: nothing else runs in this process meanwhile
  }
}
