// The recordings REST API in the order SessionRestController (2.11) runs its checks, the ids and
// names it gives, the file route with auth and Range requests, and openvidu-node-client 2.11.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OpenVidu, Recording } from 'openvidu-node-client';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { SECRET } from '../support/fixtures.js';
import { acceptSelfSignedCertificates, rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { bootRecording, getRecording, type RecHarness, startRecording, stopRecording } from '../support/recordings.js';
import { Peer } from '../support/rpc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET without credentials unless `auth`, with optional extra headers. */
function fetchFile(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  auth = false,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const h: Record<string, string> = { ...headers };
  if (auth) h.authorization = `Basic ${Buffer.from(`OPENVIDUAPP:${SECRET}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { headers: h, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('recordings REST API (reference §2.9–2.14)', () => {
  let h: RecHarness;
  const peers: Peer[] = [];

  before(async () => {
    // A slow media server (latency below) must still pass the liveness probe.
    h = await bootRecording({ KMS_LIVENESS_TIMEOUT: '3000' });
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  const start = (body?: unknown) => rest(h.url, 'POST', '/api/recordings/start', body);
  const expectError = async (body: unknown, status: number, message: string) => {
    const r = await start(body);
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.text}`);
    const json = r.json<{ status: number; message: string; path: string; error: string }>();
    assert.equal(json.status, status);
    assert.equal(json.message, message);
    assert.equal(json.path, '/api/recordings/start');
  };
  const expectEmpty = async (body: unknown, status: number) => {
    const r = await start(body);
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.text}`);
    assert.equal(r.text, '', 'empty body');
  };

  async function activeSession(id: string, publish = true): Promise<Peer> {
    await createSession(h.url, { customSessionId: id });
    const p = await Peer.withRole(h, id, 'PUBLISHER');
    peers.push(p);
    if (publish) await p.publish();
    return p;
  }

  void it('start: 400, 422, 404, 406 and 409 in the controller order, bodies as OpenVidu sends them', async () => {
    await expectError(undefined, 400, 'Error in body parameters. Cannot be empty');
    await expectError([1], 400, 'Type error in some parameter');
    await expectError({ session: 7 }, 400, 'Type error in some parameter');
    await expectError({ session: 'x', hasAudio: 'yes' }, 400, 'Type error in some parameter');
    await expectError({ session: 'x', name: {} }, 400, 'Type error in some parameter');
    await expectError({}, 400, '"session" parameter is mandatory');
    await expectError({ name: 'n', outputMode: 'BAD' }, 400, '"session" parameter is mandatory');
    await expectError({ session: 'nope', outputMode: 'BAD' }, 400, 'Type error in some parameter');
    const badRes = 'Wrong "resolution" parameter. Acceptable values from 100 to 1999 for both width and height';
    for (const resolution of ['99x100', '2000x1000', '0100x100', '100x', 'axb', '1920x1080 ']) {
      await expectError({ session: 'nope', outputMode: 'COMPOSED', resolution }, 422, badRes);
    }
    await expectError(
      { session: 'nope', outputMode: 'COMPOSED', recordingLayout: 'GRID' },
      400,
      'Type error in some parameter',
    );
    await expectError(
      { session: 'nope', hasAudio: false, hasVideo: false },
      422,
      'Cannot start a recording with both "hasAudio" and "hasVideo" set to false',
    );
    // Resolution and layout are only checked when outputMode is explicitly COMPOSED.
    await expectEmpty({ session: 'nope', outputMode: 'INDIVIDUAL', resolution: 'bad', recordingLayout: 'GRID' }, 404);
    await expectEmpty({ session: 'nope' }, 404);
    await createSession(h.url, { customSessionId: 'rest-idle' });
    await expectEmpty({ session: 'rest-idle' }, 406);
    await createSession(h.url, { customSessionId: 'rest-relayed', mediaMode: 'RELAYED' });
    await expectEmpty({ session: 'rest-relayed' }, 409);

    await activeSession('rest-busy');
    const rec = await startRecording(h.url, { session: 'rest-busy', outputMode: 'INDIVIDUAL' });
    await expectEmpty({ session: 'rest-busy' }, 409);
    await stopRecording(h.url, rec.id);
  });

  void it('start: layout defaults as the 2.11 controller builds them', async () => {
    await createSession(h.url, {
      customSessionId: 'rest-layout',
      defaultOutputMode: 'COMPOSED',
      defaultRecordingLayout: 'CUSTOM',
      defaultCustomLayout: 'mine',
    });
    const p = await Peer.withRole(h, 'rest-layout', 'PUBLISHER');
    peers.push(p);
    await p.publish();
    // outputMode omitted: the session's COMPOSED, but BEST_FIT at 1920x1080 whatever the body says.
    const implicit = await startRecording(h.url, { session: 'rest-layout', resolution: '640x480' });
    assert.equal(implicit.outputMode, 'COMPOSED');
    assert.equal(implicit.resolution, '1920x1080');
    assert.equal(implicit.recordingLayout, 'BEST_FIT');
    assert.equal('customLayout' in implicit, false);
    await stopRecording(h.url, implicit.id);
    const explicit = await startRecording(h.url, {
      session: 'rest-layout',
      outputMode: 'COMPOSED',
      recordingLayout: 'CUSTOM',
      resolution: '1000x1999',
    });
    assert.equal(explicit.id, 'rest-layout-1');
    assert.deepEqual(
      [explicit.resolution, explicit.recordingLayout, explicit.customLayout],
      ['1000x1999', 'CUSTOM', 'mine'],
    );
    await stopRecording(h.url, explicit.id);
  });

  void it('ids S, S-1, S-2; names default to the id; stop 404/406/200; get shows starting; delete 409/404/204', async () => {
    await activeSession('rest-ids');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const rec = await startRecording(h.url, {
        session: 'rest-ids',
        outputMode: 'INDIVIDUAL',
        name: i === 1 ? 'named' : '',
      });
      ids.push(rec.id);
      assert.equal(rec.name, i === 1 ? 'named' : rec.id);
      const del = await rest(h.url, 'DELETE', `/api/recordings/${rec.id}`);
      assert.equal(del.status, 409, 'a recording in progress cannot be deleted');
      assert.equal(del.text, '');
      await stopRecording(h.url, rec.id);
    }
    assert.deepEqual(ids, ['rest-ids', 'rest-ids-1', 'rest-ids-2']);

    const unknown = await rest(h.url, 'POST', '/api/recordings/stop/nothing');
    assert.deepEqual([unknown.status, unknown.text], [404, '']);
    const again = await rest(h.url, 'POST', '/api/recordings/stop/rest-ids');
    assert.deepEqual([again.status, again.text], [404, ''], 'a finished recording is not started');
    const missing = await rest(h.url, 'GET', '/api/recordings/nothing');
    assert.deepEqual([missing.status, missing.text], [404, '']);
    for (const bad of ['..', '.recording.x', '%2E%2E%2Fetc']) {
      assert.equal((await rest(h.url, 'GET', `/api/recordings/${bad}`)).status, 404, bad);
    }

    // While the media server is slow, the recording is "starting": stop answers 406, get says starting.
    h.emus[0].setLatency(250);
    const pending = start({ session: 'rest-ids', outputMode: 'INDIVIDUAL' });
    await until(
      'the recording to be starting',
      async () => (await getRecording(h.url, 'rest-ids-3'))?.status === 'starting',
    );
    const early = await rest(h.url, 'POST', '/api/recordings/stop/rest-ids-3');
    assert.deepEqual([early.status, early.text], [406, '']);
    const listed = await rest(h.url, 'GET', '/api/recordings');
    const items = listed.json<{ count: number; items: Array<{ id: string; status: string }> }>();
    assert.equal(items.count, items.items.length);
    assert.equal(items.items.find((r) => r.id === 'rest-ids-3')?.status, 'starting');
    const started = await pending;
    h.emus[0].setLatency(0);
    assert.equal(started.status, 200);
    await stopRecording(h.url, 'rest-ids-3');

    const del = await rest(h.url, 'DELETE', '/api/recordings/rest-ids-1');
    assert.deepEqual([del.status, del.text], [204, '']);
    assert.equal(existsSync(join(h.recPath, 'rest-ids-1')), false, 'the folder is gone');
    assert.equal((await rest(h.url, 'DELETE', '/api/recordings/rest-ids-1')).status, 404);
    const after = (await rest(h.url, 'GET', '/api/recordings')).json<{ items: Array<{ id: string }> }>();
    assert.ok(!after.items.some((r) => r.id === 'rest-ids-1'));
    assert.ok(after.items.some((r) => r.id === 'rest-ids-2'));
  });

  void it('files: behind Basic auth, Range requests answered with 206, no way out of the folder', async () => {
    await activeSession('rest-files');
    const rec = await startRecording(h.url, { session: 'rest-files', outputMode: 'COMPOSED' });
    await sleep(300);
    await stopRecording(h.url, rec.id);
    const path = `/recordings/${rec.id}/${rec.id}.mp4`;
    const size = statSync(join(h.recPath, rec.id, `${rec.id}.mp4`)).size;
    assert.equal((await fetchFile(h.url, path)).status, 401);
    const whole = await fetchFile(h.url, path, {}, true);
    assert.equal(whole.status, 200);
    assert.equal(whole.body.length, size);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    const part = await fetchFile(h.url, path, { range: 'bytes=10-29' }, true);
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 10-29/${size}`);
    assert.deepEqual(part.body, whole.body.subarray(10, 30));
    const unsatisfiable = await fetchFile(h.url, path, { range: `bytes=${size + 10}-` }, true);
    assert.equal(unsatisfiable.status, 416);
    const pub = await rest(h.url, 'POST', '/pro/restart', { 'openvidu.recording.public-access': true });
    assert.equal(pub.status, 200, pub.text);
    assert.equal((await fetchFile(h.url, path)).status, 200, 'public-access serves without credentials');
    await rest(h.url, 'POST', '/pro/restart', { 'openvidu.recording.public-access': false });
    assert.equal((await fetchFile(h.url, path)).status, 401);
    for (const bad of [
      `/recordings/${rec.id}/.recording.${rec.id}`,
      `/recordings/${rec.id}/nope.mp4`,
      '/recordings/..%2F..%2Fetc/passwd',
    ]) {
      assert.equal((await fetchFile(h.url, bad, {}, true)).status, 404, bad);
    }
  });
});

void describe('recordings REST API with recording disabled', () => {
  let h: Harness;
  before(async () => {
    h = await boot({ OPENVIDU_RECORDING: 'false' });
  });
  after(async () => {
    await h?.close();
  });

  void it('answers 501 after the body check, with a JSON message naming the switch', async () => {
    const none = await rest(h.url, 'POST', '/api/recordings/start');
    assert.equal(none.status, 400);
    const r = await rest(h.url, 'POST', '/api/recordings/start', { session: 'x', outputMode: 'BAD' });
    assert.equal(r.status, 501);
    // OpenVidu answers an empty 501 (SessionRestController); an operator needs to know what to turn on.
    const body = r.json();
    assert.equal(body.status, 501);
    assert.match(String(body.message), /openvidu\.recording=true/);
  });
});

void describe('openvidu-node-client 2.11 recordings against the running server', () => {
  let h: RecHarness;
  let ov: OpenVidu;
  const peers: Peer[] = [];
  const quiet = { log: console.log, warn: console.warn };
  let verifyAgain: () => void;

  before(async () => {
    verifyAgain = acceptSelfSignedCertificates();
    h = await bootRecording({ SERVER_SSL_ENABLED: 'true' });
    ov = new OpenVidu(h.url, SECRET);
    console.log = () => undefined;
    console.warn = () => undefined;
  });
  after(async () => {
    console.log = quiet.log;
    console.warn = quiet.warn;
    for (const p of peers) await p.rpc.close();
    await h?.close();
    verifyAgain();
  });

  const rejection = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return (e as Error).message;
    }
    return 'resolved';
  };

  void it('startRecording, getRecording, listRecordings, stopRecording, deleteRecording', async () => {
    const session = await ov.createSession({ customSessionId: 'node-rec' });
    assert.equal(await rejection(ov.startRecording(session.sessionId)), '406', 'nobody joined yet');
    assert.equal(await rejection(ov.startRecording('node-none')), '404');
    const p = await Peer.join(h, session.sessionId, await session.generateToken());
    peers.push(p);
    await p.publish();
    const rec = await ov.startRecording(session.sessionId, {
      name: 'node',
      outputMode: Recording.OutputMode.INDIVIDUAL,
      hasAudio: true,
      hasVideo: true,
    });
    assert.equal(rec.id, 'node-rec');
    assert.equal(rec.properties.name, 'node');
    assert.equal(rec.status, Recording.Status.started);
    assert.equal(session.recording, true);
    assert.equal(await rejection(ov.startRecording(session.sessionId)), '409');
    const got = await ov.getRecording(rec.id);
    assert.equal(got.status, Recording.Status.started);
    await sleep(300);
    const stopped = await ov.stopRecording(rec.id);
    assert.equal(stopped.status, Recording.Status.ready);
    assert.ok(stopped.size > 0 && stopped.duration > 0);
    assert.equal(await rejection(ov.stopRecording(rec.id)), '404');
    const list = await ov.listRecordings();
    assert.deepEqual(
      list.map((r) => [r.id, r.status]),
      [['node-rec', Recording.Status.ready]],
    );
    await ov.deleteRecording(rec.id);
    assert.equal(await rejection(ov.getRecording(rec.id)), '404');
    assert.equal(await rejection(ov.deleteRecording(rec.id)), '404');
  });
});
