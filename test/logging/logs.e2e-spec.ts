// Logs an operator can search: one JSON access-log line per REST request (request id, method, route
// template, status, duration; never the Authorization header or the secret), a line for every
// refused join and every signalling error, and the ids (session, connection, media server) on the
// lines that concern them, so that one id finds the whole story.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { PinoLogger } from '../../src/common/logging/pino-logger.js';
import { loadConfig } from '../../src/config/config.loader.js';
import { startKmsEmulator, type KmsEmulator } from '../../src/kms-emulator/index.js';
import { startServer } from '../../src/server/bootstrap.js';
import { createSession } from '../support/api.js';
import { type Harness } from '../support/boot.js';
import { SECRET } from '../support/fixtures.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { Peer, RpcClient } from '../support/rpc.js';

type Line = Record<string, unknown>;

void describe('logs an operator can search', () => {
  const lines: Line[] = [];
  let raw = '';
  let app: INestApplication;
  let url = '';
  let emu: KmsEmulator;
  const dir = mkdtempSync(join(tmpdir(), 'ov-logs-'));
  const peers: Peer[] = [];
  let h: Harness;

  before(async () => {
    emu = await startKmsEmulator({ host: '127.0.0.1' });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        raw += chunk.toString();
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Line);
        done();
      },
    });
    const loaded = loadConfig({
      SERVER_ADDRESS: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_SSL_ENABLED: 'false',
      SERVER_DATA_DIR: join(dir, 'data'),
      OPENVIDU_SECRET: SECRET,
      OPENVIDU_PRO_CLUSTER: 'true',
      KMS_URIS: JSON.stringify([emu.uri]),
      KMS_LIVENESS_INTERVAL: '100',
      KMS_LIVENESS_TIMEOUT: '300',
      LOGGING_LEVEL_ROOT: 'info',
    });
    ({ app, url } = await startServer(loaded, { logger: new PinoLogger('info', sink) }));
    h = { app, url, wsUrl: `${url.replace(/^http/, 'ws')}/openvidu`, emus: [emu] } as unknown as Harness;
    await until('media server connected', () => lines.some((l) => /connected$/.test(String(l.msg))));
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await app?.close();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const access = () => lines.filter((l) => l.context === 'HTTP' && typeof l.status === 'number');

  void it('one JSON line per REST request with id, method, route, status and duration; never the secret', async () => {
    const before = access().length;
    const s = await createSession(url);
    const missing = await rest(url, 'GET', '/api/sessions/no-such');
    assert.equal(missing.status, 404);
    const anon = await new Promise<{ status: number; id: string }>((resolve, reject) =>
      request(`${url}/pro/config`, { headers: { 'x-request-id': 'op-trace-42' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-request-id']) }));
      })
        .on('error', reject)
        .end(),
    );
    assert.equal(anon.status, 401);
    assert.equal(anon.id, 'op-trace-42', "the caller's request id is echoed");
    await until('three access lines', () => access().length === before + 3);
    const [created, notFound, refused] = access().slice(before);
    assert.deepEqual(
      [created.method, created.route, created.path, created.status],
      ['POST', '/api/sessions', '/api/sessions', 200],
    );
    assert.deepEqual(
      [notFound.method, notFound.route, notFound.path, notFound.status],
      ['GET', '/api/sessions/:sessionId', '/api/sessions/no-such', 404],
    );
    assert.deepEqual([refused.status, refused.requestId], [401, 'op-trace-42']);
    for (const l of [created, notFound, refused]) {
      assert.equal(typeof l.durationMs, 'number');
      assert.match(String(l.requestId), /^[\w.:-]{1,64}$/);
      assert.equal(l.level, 30);
    }
    assert.notEqual(created.requestId, notFound.requestId);
    assert.ok(s);
    const basic = Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64');
    assert.ok(!raw.includes(basic) && !raw.includes(SECRET), 'neither the header nor the secret is logged');
    assert.ok(!/authorization/i.test(raw), 'no header is logged');
  });

  void it('a refused join and a signalling error each leave a line with the session and connection ids', async () => {
    const s = await createSession(url);
    const bad = await RpcClient.connect(h.wsUrl);
    const err = await bad
      .call('joinRoom', { token: 'wss://x?sessionId=x&token=nope', session: s, platform: 'test', metadata: '' })
      .catch((e: Error) => e);
    await bad.close();
    assert.ok(err instanceof Error);
    const refusal = await until('a refused-join line', () =>
      lines.find((l) => l.context === 'Signalling' && String(l.msg).startsWith('join refused')),
    );
    assert.equal(refusal.sessionId, s);
    assert.equal(refusal.code, 401);
    assert.equal(refusal.level, 40);

    const p = await Peer.withRole(h, s, 'SUBSCRIBER');
    peers.push(p);
    const failed = await p.publish().catch((e: Error) => e);
    assert.ok(failed instanceof Error, 'a SUBSCRIBER cannot publish');
    const line = await until('a publishVideo failure line', () =>
      lines.find((l) => l.context === 'Signalling' && l.method === 'publishVideo'),
    );
    assert.equal(line.sessionId, s);
    assert.equal(line.connectionId, p.id);
    assert.equal(line.code, 401);

    // The session's id finds its whole story: placement on a media server, joins, refusals, errors.
    await p.leave();
    await until('the session closed', () =>
      lines.some((l) => l.sessionId === s && l.msg === `Session ${s} closed (disconnect)`),
    );
    const story = lines.filter((l) => l.sessionId === s).map((l) => String(l.msg));
    const mediaServerId = lines.find((l) => l.sessionId === s && l.mediaServerId)?.mediaServerId;
    assert.match(String(mediaServerId), /^KMS-/);
    assert.deepEqual(
      story.map((m) => m.replace(s, 'S').replace(p.id, 'C').replace(String(mediaServerId), 'M').split(':')[0]),
      [
        'join refused',
        'Session S placed on media server M',
        'Connection C joined session S',
        'publishVideo failed',
        'Connection C left session S (disconnect)',
        'Session S closed (disconnect)',
      ],
    );
  });
});
