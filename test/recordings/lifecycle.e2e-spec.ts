// How recordings live with their sessions (RecordingManager, KurentoSessionManager in 2.11):
// ALWAYS mode, the autostop countdown firing over the wire (its timing and cancellation are
// src/recordings/recordings.service.spec.ts), recordingStarted/recordingStopped by role, the
// recordingStatusChanged webhook (started → stopped → ready|failed, each once) and CDR, and the
// ways a recording can end without a REST stop: session DELETE, a media server restart or forced
// removal, a file that never reaches our disk, a server shutdown and a new process.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSession, mediaServers, sessionJson } from '../support/api.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import { bootRecording, getRecording, type RecHarness, startRecording, stopRecording } from '../support/recordings.js';
import { Peer } from '../support/rpc.js';
import { Receiver } from '../support/webhook-receiver.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('recordings: lifecycle, notifications, webhook and CDR', () => {
  let h: RecHarness;
  let hook: Receiver;
  let cdrDir: string;
  const peers: Peer[] = [];

  before(async () => {
    hook = new Receiver();
    await hook.start(0);
    cdrDir = mkdtempSync(join(tmpdir(), 'ov-rec-cdr-'));
    h = await bootRecording({
      OPENVIDU_WEBHOOK: 'true',
      OPENVIDU_WEBHOOK_ENDPOINT: hook.url,
      OPENVIDU_CDR: 'true',
      OPENVIDU_CDR_PATH: cdrDir,
      OPENVIDU_RECORDING_AUTOSTOP_TIMEOUT: '2',
    });
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
    await hook.stop();
    rmSync(cdrDir, { recursive: true, force: true });
  });

  const join_ = async (session: string, role: string, data = '') => {
    const p = await Peer.withRole(h, session, role, data);
    peers.push(p);
    return p;
  };
  /** recordingStatusChanged webhook bodies of one recording, in arrival order. */
  const statuses = (id: string) =>
    hook.delivered.filter((r) => r.body.event === 'recordingStatusChanged' && r.body.id === id).map((r) => r.body);
  const finished = (id: string) =>
    until(`recording ${id} to finish`, () => statuses(id).some((b) => b.status === 'ready' || b.status === 'failed'));
  const cdrLines = () =>
    readdirSync(cdrDir)
      .flatMap((f) => readFileSync(join(cdrDir, f), 'utf8').split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);

  void it('ALWAYS: the first publish starts it; notifications by role; webhook started → stopped → ready once; CDR', async () => {
    const session = await createSession(h.url, {
      customSessionId: 'life-always',
      recordingMode: 'ALWAYS',
      defaultOutputMode: 'INDIVIDUAL',
    });
    const sub = await join_(session, 'SUBSCRIBER');
    const pub = await join_(session, 'PUBLISHER');
    const mod = await join_(session, 'MODERATOR');
    assert.equal(await getRecording(h.url, session), null, 'nothing before the first publish');
    await pub.publish();
    await until('ALWAYS recording to start', async () => (await getRecording(h.url, session))?.status === 'started');
    const started = await pub.rpc.waitFor('recordingStarted');
    assert.deepEqual(started.params, { id: session, name: session });
    await mod.rpc.waitFor('recordingStarted');
    await sleep(300);
    const stopped = await stopRecording(h.url, session);
    assert.equal(stopped.status, 'ready');
    const note = await pub.rpc.waitFor('recordingStopped');
    assert.deepEqual(note.params, { id: session, name: session, reason: 'recordingStoppedByServer' });
    await mod.rpc.waitFor('recordingStopped');
    await sub.sync();
    assert.equal(sub.rpc.received('recordingStarted').length + sub.rpc.received('recordingStopped').length, 0);

    await finished(session);
    const events = statuses(session);
    assert.deepEqual(
      events.map((b) => b.status),
      ['started', 'stopped', 'ready'],
    );
    assert.deepEqual(Object.keys(events[1]), [
      'sessionId',
      'timestamp',
      'startTime',
      'duration',
      'reason',
      'id',
      'name',
      'outputMode',
      'hasAudio',
      'hasVideo',
      'size',
      'status',
      'event',
    ]);
    assert.equal('reason' in events[0], false);
    assert.deepEqual([events[1].size, events[1].duration], [0, 0]);
    assert.equal(events[2].size, stopped.size);
    assert.equal(events[2].duration, stopped.duration);
    assert.equal(events[2].reason, 'recordingStoppedByServer');

    // Stopped by hand: a new publisher does not start ALWAYS recording again.
    await mod.publish();
    await mod.sync();
    await sleep(200);
    assert.equal((await sessionJson(h.url, session))?.['recording' as never], false);
    assert.equal(await getRecording(h.url, `${session}-1`), null);

    const names = () =>
      cdrLines()
        .filter((l) => Object.values(l)[0].id === session)
        .map((l) => Object.keys(l)[0]);
    await until('the CDR lines to be written', () => names().length === 5);
    assert.deepEqual(names(), [
      'recordingStarted',
      'recordingStatusChanged',
      'recordingStatusChanged',
      'recordingStopped',
      'recordingStatusChanged',
    ]);
    assert.ok(!hook.delivered.some((r) => r.body.event === 'recordingStarted' || r.body.event === 'recordingStopped'));
    for (const p of [sub, pub, mod]) await p.leave();
  });

  void it('autostop: the last participant leaving starts the countdown; the session then ends with automaticStop', async () => {
    const session = await createSession(h.url, { customSessionId: 'life-autostop', defaultOutputMode: 'INDIVIDUAL' });
    const p = await join_(session, 'PUBLISHER');
    await p.publish();
    await startRecording(h.url, { session });
    await p.leave();
    assert.ok(await sessionJson(h.url, session), 'the session waits for the recording');
    await until('autostop', async () => (await getRecording(h.url, session))?.status === 'ready', 8000);
    await until('the session to close', async () => (await sessionJson(h.url, session)) === null);
    const hooks = await until('the webhook of the session end', () => {
      const bodies: Array<Record<string, unknown>> = hook.delivered
        .filter((r) => r.body.sessionId === session)
        .map((r) => r.body);
      return bodies.some((b) => b.event === 'sessionDestroyed') ? bodies : undefined;
    });
    assert.equal(hooks.find((b) => b.status === 'ready')?.reason, 'automaticStop');
    assert.equal(hooks.find((b) => b.event === 'sessionDestroyed')?.reason, 'automaticStop');
  });

  void it('session DELETE stops the recording (sessionClosedByServer) and it ends ready', async () => {
    const session = await createSession(h.url, { customSessionId: 'life-delete' });
    const p = await join_(session, 'PUBLISHER');
    await p.publish();
    const rec = await startRecording(h.url, { session, outputMode: 'COMPOSED' });
    await sleep(300);
    assert.equal((await rest(h.url, 'DELETE', `/api/sessions/${session}`)).status, 204);
    await finished(rec.id);
    assert.deepEqual(
      statuses(rec.id).map((b) => [b.status, b.reason ?? null]),
      [
        ['started', null],
        ['stopped', 'sessionClosedByServer'],
        ['ready', 'sessionClosedByServer'],
      ],
    );
    assert.equal((await getRecording(h.url, rec.id))?.status, 'ready');
  });

  void it('a file that never reaches our disk marks the recording failed', async () => {
    const session = await createSession(h.url, { customSessionId: 'life-failed' });
    const p = await join_(session, 'PUBLISHER');
    await p.publish();
    const rec = await startRecording(h.url, { session, outputMode: 'INDIVIDUAL' });
    // The media server writes somewhere we do not see (no shared volume): the file is not on our disk.
    const dir = join(h.recPath, rec.id);
    await until('the stream file', () => readdirSync(dir).some((f) => f.endsWith('.webm')));
    for (const f of readdirSync(dir)) if (f.endsWith('.webm')) unlinkSync(join(dir, f));
    const stopped = await stopRecording(h.url, rec.id);
    assert.equal(stopped.status, 'failed');
    await finished(rec.id);
    assert.deepEqual(
      statuses(rec.id).map((b) => b.status),
      ['started', 'stopped', 'failed'],
    );
    await p.leave();
  });

  void it('a media server restart stops its recordings with mediaServerDisconnect, ready with what was written', async () => {
    const session = await createSession(h.url, { customSessionId: 'life-kms-restart' });
    const p = await join_(session, 'PUBLISHER');
    await p.publish();
    const rec = await startRecording(h.url, { session, outputMode: 'INDIVIDUAL' });
    await sleep(500);
    await h.emus[0].restart();
    await finished(rec.id);
    const got = await getRecording(h.url, rec.id);
    assert.equal(got?.status, 'ready');
    assert.ok(got.size > 0);
    assert.deepEqual(
      statuses(rec.id).map((b) => [b.status, b.reason ?? null]),
      [
        ['started', null],
        ['stopped', 'mediaServerDisconnect'],
        ['ready', 'mediaServerDisconnect'],
      ],
    );
    await until('the session JSON to show no recording', async () => {
      return (await sessionJson(h.url, session))?.['recording' as never] === false;
    });
    await p.leave();
  });

  void it('force-removing the media server never leaves a recording started', async () => {
    const session = await createSession(h.url, { customSessionId: 'life-kms-removed' });
    const p = await join_(session, 'PUBLISHER');
    await p.publish();
    const rec = await startRecording(h.url, { session, outputMode: 'COMPOSED' });
    await sleep(300);
    const [server] = await mediaServers(h.url);
    assert.equal((await rest(h.url, 'DELETE', `/pro/media-servers/${server.id}?force=true`)).status, 204);
    await finished(rec.id);
    const last = statuses(rec.id).at(-1)!;
    assert.equal(last.reason, 'mediaServerDisconnect');
    assert.notEqual((await getRecording(h.url, rec.id))?.status, 'started');
  });
});

void describe('recordings: a new server process', () => {
  let recPath: string;
  const peers: Peer[] = [];

  before(() => {
    recPath = mkdtempSync(join(tmpdir(), 'ov-rec-restart-'));
  });
  after(() => {
    rmSync(recPath, { recursive: true, force: true });
  });

  void it('list and get survive; shutdown finishes a recording in progress; delete removes the folder', async () => {
    const first = await bootRecording({ OPENVIDU_RECORDING_PATH: recPath });
    let done: Awaited<ReturnType<typeof stopRecording>>;
    try {
      const session = await createSession(first.url, { customSessionId: 'proc' });
      const p = await Peer.withRole(first, session, 'PUBLISHER');
      peers.push(p);
      await p.publish();
      await startRecording(first.url, { session, outputMode: 'INDIVIDUAL' });
      await sleep(300);
      done = await stopRecording(first.url, session);
      await startRecording(first.url, { session, outputMode: 'COMPOSED' });
      await sleep(300);
    } finally {
      for (const p of peers) await p.rpc.close();
      await first.close();
    }
    const second = await bootRecording({ OPENVIDU_RECORDING_PATH: recPath });
    try {
      const list = (await rest(second.url, 'GET', '/api/recordings')).json<{
        count: number;
        items: Array<Record<string, unknown>>;
      }>();
      assert.equal(list.count, 2);
      assert.deepEqual(
        list.items.find((r) => r.id === 'proc'),
        done,
      );
      const interrupted = await getRecording(second.url, 'proc-1');
      assert.equal(interrupted?.status, 'ready', 'shutdown stopped it (openviduServerStopped) and finished the file');
      assert.ok(interrupted.size > 0);
      assert.equal((await rest(second.url, 'DELETE', '/api/recordings/proc')).status, 204);
      assert.deepEqual(readdirSync(recPath), ['proc-1']);
      assert.equal(await getRecording(second.url, 'proc'), null);
    } finally {
      await second.close();
    }
  });
});
