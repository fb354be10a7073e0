import type { LoggerService } from '@nestjs/common';
import { format } from 'node:util';
import { pino, type Logger as Pino, type LevelWithSilent } from 'pino';

const LEVELS: Record<string, LevelWithSilent> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
  off: 'silent',
};

/** JSON logs on stdout through pino, behind Nest's LoggerService so every `new Logger(ctx)` uses it. */
/** Library console lines can carry a peer's whole frame: keep the start, say how long it was. */
const MAX_CONSOLE_LINE = 2000;
function bounded(line: string): string {
  return line.length > MAX_CONSOLE_LINE ? `${line.slice(0, MAX_CONSOLE_LINE)}… (${line.length} chars)` : line;
}

export class PinoLogger implements LoggerService {
  readonly pino: Pino;

  constructor(level = 'info', destination?: NodeJS.WritableStream) {
    this.pino = pino(
      { level: LEVELS[level] ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
      destination ?? pino.destination({ fd: 1, sync: true }),
    );
  }

  /**
   * Libraries that print straight to the console (kurento-client does) would break the JSON-lines
   * output operators parse; their lines go through pino instead, tagged `console`.
   */
  captureConsole(): void {
    const to =
      (level: 'info' | 'warn' | 'error' | 'debug') =>
      (...args: unknown[]) =>
        this.pino[level]({ context: 'console' }, bounded(format(...args)));
    /* eslint-disable no-console -- replacing the console methods is the point here */
    console.log = to('info');
    console.info = to('info');
    console.debug = to('debug');
    console.trace = to('debug');
    console.warn = to('warn');
    console.error = to('error');
    /* eslint-enable no-console */
  }

  setLevel(level: string): void {
    this.pino.level = LEVELS[level] ?? 'info';
  }

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, ...rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    this.write('error', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string) {
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}
