// Command-line front end: `node dist/src/kms-emulator/cli.js --port 8888 [--host 127.0.0.1] [--cpu-count 4]`.
// Faults are driven by signals (SIGUSR1 = blip, SIGUSR2 = restart) or by lines on stdin; see README.md.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startKmsEmulator, type KmsEmulator } from './index.js';

const HELP = `commands (one per line on stdin):
  blip                     drop every socket, keep state
  down | up                stop / resume listening on the same port
  restart                  new serverId, forget all sessions and objects
  hang on|off              read but never answer (no pongs either)
  latency <ms>             delay every answer
  fail-next <op> <count> <code> [message...]
  limit <n>|off            40009 on create past n live objects
  stats | help`;

function banner(uri: string): void {
  const line = '!'.repeat(78);
  console.error(
    [
      line,
      '!! WARN: this is a Kurento Media Server EMULATOR, not a media server.',
      '!! It speaks the KMS JSON-RPC protocol only: NO AUDIO OR VIDEO FLOWS, SDP answers',
      '!! and ICE candidates are fabricated, and recordings are placeholder text files.',
      `!! Listening on ${uri}`,
      line,
    ].join('\n'),
  );
}

async function command(emu: KmsEmulator, input: string): Promise<string> {
  const [cmd, ...args] = input.trim().split(/\s+/);
  switch (cmd) {
    case '':
      return '';
    case 'blip':
      emu.blip();
      return 'ok blip';
    case 'down':
      await emu.down();
      return 'ok down';
    case 'up':
      await emu.up();
      return 'ok up';
    case 'restart':
      await emu.restart();
      return `ok restart serverId=${emu.serverId}`;
    case 'hang':
      emu.hang(args[0] !== 'off');
      return `ok hang ${args[0] === 'off' ? 'off' : 'on'}`;
    case 'latency': {
      const ms = Number(args[0]);
      if (!Number.isFinite(ms)) return 'error: latency <ms>';
      emu.setLatency(ms);
      return `ok latency ${ms}`;
    }
    case 'fail-next': {
      const [op, count, code, ...msg] = args;
      if (!op || !Number.isInteger(Number(count)) || !Number.isInteger(Number(code))) {
        return 'error: fail-next <op> <count> <code> [message]';
      }
      emu.failNext(op, Number(count), Number(code), msg.length ? msg.join(' ') : undefined);
      return `ok fail-next ${op} ${count} ${code}`;
    }
    case 'limit': {
      const n = args[0] === 'off' ? null : Number(args[0]);
      if (n !== null && !Number.isInteger(n)) return 'error: limit <n>|off';
      emu.setLimit(n);
      return `ok limit ${n ?? 'off'}`;
    }
    case 'stats':
      return JSON.stringify({ serverId: emu.serverId, ...emu.stats() });
    case 'help':
      return HELP;
    default:
      return `error: unknown command '${cmd}' (try help)`;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8888' },
      host: { type: 'string', default: '127.0.0.1' },
      path: { type: 'string', default: 'kurento' },
      'cpu-count': { type: 'string', default: '4' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: kms-emulator [--port 8888] [--host 127.0.0.1] [--path kurento] [--cpu-count 4] [--verbose]');
    console.log(HELP);
    return;
  }
  const emu = await startKmsEmulator({
    port: Number(values.port),
    host: values.host,
    path: values.path,
    cpuCount: Number(values['cpu-count']),
    log: (level, msg) => {
      if (level !== 'debug' || values.verbose) console.error(`[kms-emulator] ${level.toUpperCase()} ${msg}`);
    },
  });
  banner(emu.uri);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.error(`[kms-emulator] INFO ${signal}: shutting down`);
    rl.close();
    void emu.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGUSR1', () => emu.blip());
  process.on('SIGUSR2', () => void emu.restart());

  const rl = createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    command(emu, line).then(
      (out) => {
        if (out) console.log(out);
      },
      (e: unknown) => console.log(`error: ${String(e)}`),
    );
  });
}

main().catch((e: unknown) => {
  console.error(`[kms-emulator] cannot start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
