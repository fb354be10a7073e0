// A Redis stand-in on 127.0.0.1 (port 0) for the tests of the TURN users the server writes to
// coturn's redis database: RESP 2 over TCP, AUTH (requirepass), SELECT, SET [EX], GET, TTL, DEL.
// It keeps every command it was sent so a test can check what reached "coturn's" database.
import { createServer, type Server, type Socket } from 'node:net';
import { parseReply, type RedisReply } from '../../src/sessions/coturn-redis.js';

export interface RedisStub {
  port: number;
  /** db number → key → value and expiry (ms since epoch, or undefined). */
  dbs: Map<number, Map<string, { value: string; expiresAt?: number }>>;
  commands: string[][];
  get(db: number, key: string): string | undefined;
  ttl(db: number, key: string): number | undefined;
  close(): Promise<void>;
}

const bulk = (s: string | undefined) => (s === undefined ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);

export async function startRedisStub(password = ''): Promise<RedisStub> {
  const dbs = new Map<number, Map<string, { value: string; expiresAt?: number }>>();
  const commands: string[][] = [];
  const sockets = new Set<Socket>();
  const db = (n: number) => {
    let d = dbs.get(n);
    if (!d) dbs.set(n, (d = new Map()));
    return d;
  };
  const live = (n: number, key: string) => {
    const e = db(n).get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      db(n).delete(key);
      return undefined;
    }
    return e;
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let authed = !password;
    let selected = 0;
    let buf = Buffer.alloc(0);
    const answer = (args: string[]): string => {
      const cmd = (args[0] ?? '').toUpperCase();
      if (cmd === 'AUTH') {
        if (!password) return '-ERR AUTH <password> called without any password configured for the default user\r\n';
        if (args[1] !== password) return '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
        authed = true;
        return '+OK\r\n';
      }
      if (!authed) return '-NOAUTH Authentication required.\r\n';
      switch (cmd) {
        case 'SELECT':
          selected = Number(args[1]);
          return '+OK\r\n';
        case 'SET': {
          const ex = args.findIndex((a, i) => i > 2 && a.toUpperCase() === 'EX');
          const expiresAt = ex > 0 ? Date.now() + Number(args[ex + 1]) * 1000 : undefined;
          db(selected).set(args[1], { value: args[2], expiresAt });
          return '+OK\r\n';
        }
        case 'GET':
          return bulk(live(selected, args[1])?.value);
        case 'TTL': {
          const e = live(selected, args[1]);
          if (!e) return ':-2\r\n';
          return e.expiresAt === undefined ? ':-1\r\n' : `:${Math.round((e.expiresAt - Date.now()) / 1000)}\r\n`;
        }
        case 'DEL':
          return `:${db(selected).delete(args[1]) ? 1 : 0}\r\n`;
        default:
          return `-ERR unknown command '${args[0]}'\r\n`;
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let parsed = parseReply(buf);
      while (parsed) {
        const args = (parsed.value as RedisReply[]).map(String);
        commands.push(args);
        socket.write(answer(args));
        buf = buf.subarray(parsed.next);
        parsed = buf.length ? parseReply(buf) : undefined;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    dbs,
    commands,
    get: (n, key) => live(n, key)?.value,
    ttl: (n, key) => {
      const e = live(n, key);
      return e?.expiresAt === undefined ? undefined : (e.expiresAt - Date.now()) / 1000;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
