import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { encodeCommand, parseReply, RedisCommandClient, RedisError } from './coturn-redis.js';

/** A server that answers each command with what `reply` returns (undefined: never answers). */
async function server(
  reply: (args: string[]) => string | undefined,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => {
    sockets.add(s);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let p = parseReply(buf);
      while (p) {
        const out = reply((p.value as string[]).map(String));
        if (out !== undefined) s.write(out);
        buf = buf.subarray(p.next);
        p = buf.length ? parseReply(buf) : undefined;
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

const opts = (port: number, extra = {}) => ({
  host: '127.0.0.1',
  port,
  password: '',
  db: 0,
  connectTimeoutMs: 1000,
  commandTimeoutMs: 300,
  ...extra,
});

void describe('RESP 2 encoding and parsing', () => {
  void it('encodes commands as arrays of bulk strings (byte lengths)', () => {
    assert.equal(encodeCommand(['SET', 'k', 'ü']).toString(), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nü\r\n');
  });

  void it('parses every reply type and waits for incomplete ones', () => {
    assert.deepEqual(parseReply(Buffer.from('+OK\r\n')), { value: 'OK', next: 5 });
    assert.deepEqual(parseReply(Buffer.from(':42\r\n'))?.value, 42);
    assert.equal(parseReply(Buffer.from('$-1\r\n'))?.value, null);
    assert.deepEqual(parseReply(Buffer.from('*2\r\n$1\r\na\r\n:1\r\n'))?.value, ['a', 1]);
    assert.ok(parseReply(Buffer.from('-ERR no\r\n'))?.value instanceof RedisError);
    assert.equal(parseReply(Buffer.from('$5\r\nab')), undefined);
    assert.equal(parseReply(Buffer.from('*2\r\n$1\r\na\r\n')), undefined);
    assert.throws(() => parseReply(Buffer.from('?x\r\n')), RedisError);
  });
});

void describe('RedisCommandClient', () => {
  const closers: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  void it('authenticates and selects the database once, before the first command', async () => {
    const seen: string[][] = [];
    const s = await server((a) => (seen.push(a), '+OK\r\n'));
    closers.push(() => s.close());
    const c = new RedisCommandClient(opts(s.port, { password: 'pw', db: 2 }));
    closers.push(() => c.close());
    await Promise.all([c.command(['SET', 'a', '1']), c.command(['SET', 'b', '2'])]);
    assert.deepEqual(seen, [
      ['AUTH', 'pw'],
      ['SELECT', '2'],
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
    ]);
  });

  void it('a refused AUTH fails the command; the next command dials again', async () => {
    let auths = 0;
    const s = await server((a) => (a[0] === 'AUTH' ? (auths++, '-WRONGPASS no\r\n') : '+OK\r\n'));
    closers.push(() => s.close());
    const c = new RedisCommandClient(opts(s.port, { password: 'bad' }));
    closers.push(() => c.close());
    await assert.rejects(c.command(['SET', 'a', '1']), /WRONGPASS/);
    await assert.rejects(c.command(['SET', 'a', '1']), /WRONGPASS/);
    assert.equal(auths, 2);
  });

  void it('no reply within the timeout, or a reply too large, drops the connection and fails the command', async () => {
    const s = await server((a) =>
      a[1] === 'silent' ? undefined : a[1] === 'big' ? `+${'x'.repeat(70000)}` : '+OK\r\n',
    );
    closers.push(() => s.close());
    const c = new RedisCommandClient(opts(s.port));
    closers.push(() => c.close());
    await assert.rejects(c.command(['GET', 'silent']), /no reply within 300 ms/);
    assert.equal(await c.command(['GET', 'x']), 'OK');
    await assert.rejects(c.command(['GET', 'big']), /too large/);
    assert.equal(await c.command(['GET', 'x']), 'OK');
  });

  void it('nobody listening: a clear error; closed: refused', async () => {
    const s = await server(() => '+OK\r\n');
    const port = s.port;
    await s.close();
    const c = new RedisCommandClient(opts(port));
    await assert.rejects(c.command(['GET', 'x']), /ECONNREFUSED/);
    c.close();
    await assert.rejects(c.command(['GET', 'x']), /closed/);
  });
});
