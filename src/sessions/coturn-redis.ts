import { connect, type Socket } from 'node:net';

/**
 * The few Redis commands the server sends to coturn's user database (AUTH, SELECT, SET … EX), over
 * RESP 2 on one lazily opened connection. A full Redis client would be a dependency for three
 * commands; this one is bounded (queue, reply size, timeouts) and never reconnects behind a caller's
 * back: a broken connection fails what is pending and the next command dials again.
 */
export interface RedisOptions {
  host: string;
  port: number;
  /** Empty: no AUTH. */
  password: string;
  db: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export type RedisReply = string | number | null | RedisReply[];

export class RedisError extends Error {}

/** Larger replies are not ours (a SET answers `+OK`): the connection is dropped. */
const MAX_REPLY_BYTES = 64 * 1024;
const MAX_PENDING = 1024;

export function encodeCommand(args: readonly string[]): Buffer {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return Buffer.from(out);
}

/** One RESP 2 reply at `at`, or undefined while it is incomplete. An error reply is a RedisError value. */
export function parseReply(buf: Buffer, at = 0): { value: RedisReply | RedisError; next: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  switch (type) {
    case '+':
      return { value: line, next: eol + 2 };
    case '-':
      return { value: new RedisError(line), next: eol + 2 };
    case ':':
      return { value: Number(line), next: eol + 2 };
    case '$': {
      const len = Number(line);
      if (len === -1) return { value: null, next: eol + 2 };
      if (!Number.isInteger(len) || len < 0) throw new RedisError(`bad bulk length ${line}`);
      if (buf.length < eol + 2 + len + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + len), next: eol + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n === -1) return { value: null, next: eol + 2 };
      if (!Number.isInteger(n) || n < 0) throw new RedisError(`bad array length ${line}`);
      const items: RedisReply[] = [];
      let next = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        if (item.value instanceof RedisError) throw item.value;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RedisError(`unexpected reply type ${JSON.stringify(type)}`);
  }
}

interface Pending {
  resolve(v: RedisReply): void;
  reject(e: Error): void;
}

export class RedisCommandClient {
  private socket?: Socket;
  private opening?: Promise<Socket>;
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(private readonly opts: RedisOptions) {}

  /** Sends one command; rejects with RedisError for an error reply, Error for a connection problem. */
  async command(args: readonly string[]): Promise<RedisReply> {
    const socket = await this.connection();
    return this.send(socket, args);
  }

  /** Drops the connection; pending commands fail and later ones are refused. */
  close(): void {
    this.closed = true;
    this.drop(new Error('redis client closed'));
  }

  private connection(): Promise<Socket> {
    if (this.closed) return Promise.reject(new Error('redis client closed'));
    // While AUTH/SELECT are on their way, callers wait for them rather than use the socket.
    if (this.opening) return this.opening;
    if (this.socket) return Promise.resolve(this.socket);
    this.opening = this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(): Promise<Socket> {
    const { host, port, connectTimeoutMs } = this.opts;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`redis ${host}:${port}: no connection within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      s.once('error', (e) => {
        clearTimeout(timer);
        s.destroy();
        reject(new Error(`redis ${host}:${port}: ${e.message}`));
      });
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
    });
    if (this.closed) {
      socket.destroy();
      throw new Error('redis client closed');
    }
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(socket, d));
    socket.on('error', () => undefined); // 'close' follows and fails what is pending
    socket.on('close', () => {
      if (this.socket === socket) this.drop(new Error(`redis ${host}:${port}: connection closed`));
    });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    try {
      if (this.opts.password) await this.send(socket, ['AUTH', this.opts.password]);
      if (this.opts.db !== 0) await this.send(socket, ['SELECT', String(this.opts.db)]);
    } catch (e) {
      this.drop(e as Error);
      throw e;
    }
    return socket;
  }

  private send(socket: Socket, args: readonly string[]): Promise<RedisReply> {
    if (this.pending.length >= MAX_PENDING) return Promise.reject(new Error('redis: too many pending commands'));
    return new Promise<RedisReply>((resolve, reject) => {
      // A reply that never comes leaves the stream unaligned: the whole connection goes.
      const timer = setTimeout(
        () => this.drop(new Error(`redis: no reply within ${this.opts.commandTimeoutMs} ms`)),
        this.opts.commandTimeoutMs,
      );
      this.pending.push({
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      socket.write(encodeCommand(args));
    });
  }

  private onData(socket: Socket, data: Buffer): void {
    if (this.socket !== socket) return;
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    try {
      let parsed = parseReply(this.buffer);
      while (parsed) {
        const waiter = this.pending.shift();
        if (!waiter) throw new RedisError('reply nobody asked for');
        if (parsed.value instanceof RedisError) waiter.reject(parsed.value);
        else waiter.resolve(parsed.value);
        this.buffer = this.buffer.subarray(parsed.next);
        parsed = this.buffer.length ? parseReply(this.buffer) : undefined;
      }
      if (this.buffer.length > MAX_REPLY_BYTES) throw new RedisError('reply too large');
    } catch (e) {
      this.drop(e as Error);
    }
  }

  private drop(reason: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.buffer = Buffer.alloc(0);
    socket?.destroy();
    for (const p of this.pending.splice(0)) p.reject(reason);
  }
}
