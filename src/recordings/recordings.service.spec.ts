// The autostop countdown of RecordingsService (RecordingManager in 2.11): a recording whose session has
// no publisher left stops after `openvidu.recording.autostop-timeout` seconds with reason
// automaticStop, unless somebody publishes first. The service runs over the real session model and
// signalling handlers, a fake media server that writes its files into a temporary folder, and
// node:test mock timers, so "nothing happens for the whole timeout" costs no real time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it, mock } from 'node:test';
import { CDR_EVENT, type CdrRecord } from '../cdr/cdr-events.js';
import { CdrService } from '../cdr/cdr.service.js';
import { signallingUnit, subscribeListeners, type TestClient } from '../testing/signalling.js';
import { trackTimeouts, type PendingTimeouts } from '../testing/timers.js';
import type { Recording } from './recording.js';
import { RecordingsService } from './recordings.service.js';

const TIMEOUT_S = 2;
const TIMEOUT_MS = TIMEOUT_S * 1000;

const recPath = mkdtempSync(join(tmpdir(), 'ov-rec-unit-'));
after(() => rmSync(recPath, { recursive: true, force: true }));

type Unit = ReturnType<typeof unit>;

function unit() {
  const u = signallingUnit({
    'openvidu.recording': true,
    'openvidu.recording.path': recPath,
    'openvidu.recording.autostop-timeout': TIMEOUT_S,
  });
  const cdr = new CdrService(u.events);
  const recordings = new RecordingsService(u.config, u.sessions, u.registry, cdr);
  // What a listener throws (Nest would log it) lands beside the signalling listener's.
  subscribeListeners(u.events, recordings, u.listenerErrors);
  subscribeListeners(u.events, cdr, u.listenerErrors);
  const records: CdrRecord[] = [];
  u.events.on(CDR_EVENT, (r: CdrRecord) => void records.push(r));

  /** [status, reason] of each recordingStatusChanged of recording `id`, in order. */
  const statuses = (id: string) =>
    records
      .filter((r) => r.name === 'recordingStatusChanged' && r.payload.id === id)
      .map((r) => [r.payload.status, r.payload.reason ?? null]);
  const sessionDestroyed = (sessionId: string) =>
    records.find((r) => r.name === 'sessionDestroyed' && r.payload.sessionId === sessionId)?.payload;
  /** An INDIVIDUAL recording of `sessionId`, started as REST does. */
  const record = (sessionId: string): Promise<Recording> =>
    recordings.start(u.sessions.get(sessionId)!, {
      name: '',
      outputMode: 'INDIVIDUAL',
      hasAudio: true,
      hasVideo: true,
    });
  /** Every stop under way has written its files and announced its last status. */
  const finished = () => recordings.beforeApplicationShutdown();
  /** Publishes, and lets a recording in progress wire the new stream (a chain of resolved fake calls). */
  const publish = async (c: TestClient) => {
    await u.publish(c);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  /** The states of the session's recorders, in creation order. */
  const recorders = () => u.kms().lastPipeline.recorders.map((r) => r.state);
  return {
    ...u,
    recordings,
    records,
    statuses,
    sessionDestroyed,
    record,
    finished,
    publish,
    recorders,
  };
}

/** A recording of a session where a, its only publisher, has just unpublished while b (a publisher too) stays. */
async function lastPublisherUnpublished() {
  const u = unit();
  const session = u.newSession();
  const a = await u.join(session, 'PUBLISHER');
  const b = await u.join(session, 'PUBLISHER');
  await u.publish(a);
  const rec = await u.record(session);
  await u.call(a, 'unpublishVideo');
  return { u, session, a, b, rec };
}

/** The countdown runs out exactly at the timeout: still recording a millisecond before, stopped with automaticStop at it. */
async function stopsAtTimeout(
  u: Unit,
  session: string,
  recordingId: string,
  early = 'not a millisecond early',
): Promise<void> {
  mock.timers.tick(TIMEOUT_MS - 1);
  assert.ok(u.recordings.isBeingRecorded(session), early);
  mock.timers.tick(1);
  await u.finished();
  assert.deepEqual(u.statuses(recordingId).at(-1), ['ready', 'automaticStop']);
}

void describe('RecordingsService autostop (RecordingManager countdown, mock timers)', () => {
  let timers: PendingTimeouts;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] });
    timers = trackTimeouts();
  });
  afterEach(() => {
    timers.restore();
    mock.timers.reset();
  });

  void it('the last participant leaving: after the timeout the recording stops with automaticStop and the empty session ends with it', async () => {
    const u = unit();
    const session = u.newSession();
    const a = await u.join(session, 'PUBLISHER');
    await u.publish(a);
    const rec = await u.record(session);
    assert.equal(timers.count, 0, 'a publisher: no countdown');
    await u.call(a, 'leaveRoom');
    assert.ok(u.sessions.get(session), 'the session waits for its recording');
    assert.equal(timers.count, 1, 'the countdown started');

    mock.timers.tick(TIMEOUT_MS - 1);
    assert.ok(u.recordings.isBeingRecorded(session), 'not a millisecond early');
    mock.timers.tick(1);
    assert.equal(u.recordings.isBeingRecorded(session), false);
    await u.finished();

    assert.deepEqual(u.statuses(rec.id), [
      ['started', null],
      ['stopped', 'automaticStop'],
      ['ready', 'automaticStop'],
    ]);
    assert.equal(u.sessions.get(session), undefined, 'the session is gone');
    assert.equal(u.sessionDestroyed(session)?.reason, 'automaticStop');
    assert.equal((await u.recordings.files.read(rec.id))?.status, 'ready');
    assert.equal(timers.count, 0);
    assert.deepEqual(u.listenerErrors, []);
  });

  void it('the last publisher unpublishing: after the timeout the recording stops with automaticStop; the session stays for whoever is in it', async () => {
    const { u, session, b, rec } = await lastPublisherUnpublished();
    assert.equal(timers.count, 1);

    await stopsAtTimeout(u, session, rec.id);
    assert.deepEqual(
      b.socket.notifications('recordingStopped').map((n) => n.params),
      [{ id: rec.id, name: rec.name, reason: 'automaticStop' }],
    );
    const s = u.sessions.get(session);
    assert.ok(s?.isActive, 'two participants are still in it');
    assert.equal(s.recording, false);
    assert.equal(timers.count, 0);
  });

  void it('a publisher coming back within the timeout cancels it; the next time nobody publishes counts from zero again', async () => {
    const { u, session, b, rec } = await lastPublisherUnpublished();
    assert.equal(timers.count, 1, 'the countdown started');
    mock.timers.tick(TIMEOUT_MS - 1);
    await u.publish(b);
    assert.equal(timers.count, 0, 'the publish cleared it');
    assert.deepEqual(u.recorders().slice(1), ['recording'], "b's stream is recorded");

    mock.timers.tick(TIMEOUT_MS * 10);
    await u.finished();
    assert.ok(u.recordings.isBeingRecorded(session), 'still recording long after the timeout');
    assert.equal(u.recordings.activeJson().get(rec.id)?.status, 'started');
    assert.deepEqual(u.statuses(rec.id), [['started', null]]);

    // b's stream is the one being recorded now; its unpublish starts a fresh, whole countdown.
    await u.call(b, 'unpublishVideo');
    await stopsAtTimeout(u, session, rec.id);
  });

  void it('a publisher leaving while another one publishes starts no countdown', async () => {
    const u = unit();
    const session = u.newSession();
    const a = await u.join(session, 'PUBLISHER');
    const b = await u.join(session, 'PUBLISHER');
    await u.publish(a);
    await u.publish(b);
    const rec = await u.record(session);
    await u.call(a, 'leaveRoom');
    assert.equal(timers.count, 0);
    mock.timers.tick(TIMEOUT_MS * 10);
    assert.ok(u.recordings.isBeingRecorded(session));
    await u.recordings.stopByServer(rec.id);
  });

  void it('a recording started with nobody publishing counts down from its start', async () => {
    const u = unit();
    const session = u.newSession();
    await u.join(session, 'SUBSCRIBER');
    const rec = await u.record(session);
    assert.equal(timers.count, 1);
    mock.timers.tick(TIMEOUT_MS);
    await u.finished();
    assert.deepEqual(u.statuses(rec.id).at(-1), ['ready', 'automaticStop']);
  });

  void it('a stop by hand clears the countdown: a recording started again right away gets a whole countdown of its own', async () => {
    const u = unit();
    const session = u.newSession();
    const a = await u.join(session, 'PUBLISHER');
    await u.join(session, 'SUBSCRIBER');
    await u.publish(a);
    const first = await u.record(session);
    await u.call(a, 'unpublishVideo');
    mock.timers.tick(TIMEOUT_MS / 2);
    assert.equal(timers.count, 1);

    await u.recordings.stopByServer(first.id);
    assert.equal(timers.count, 0, 'no timer left');
    assert.deepEqual(u.statuses(first.id).at(-1), ['ready', 'recordingStoppedByServer']);

    const second = await u.record(session);
    assert.equal(timers.count, 1, 'its own countdown (nobody publishes)');
    await stopsAtTimeout(u, session, second.id, 'the first countdown did not cut the second recording short');
  });

  void it('shutting down clears the countdown', async () => {
    const u = unit();
    const session = u.newSession();
    const a = await u.join(session, 'PUBLISHER');
    await u.publish(a);
    const rec = await u.record(session);
    await u.call(a, 'leaveRoom');
    assert.equal(timers.count, 1);

    u.recordings.onModuleDestroy();
    assert.equal(timers.count, 0, 'no timer left');
    mock.timers.tick(TIMEOUT_MS * 10);
    assert.ok(u.recordings.isBeingRecorded(session), 'nothing fired');
    // What shutdown does next (SessionsService#onModuleDestroy) ends the session and its recording.
    u.sessions.onModuleDestroy();
    await u.finished();
    assert.deepEqual(u.statuses(rec.id).at(-1), ['ready', 'openviduServerStopped']);
    assert.equal(timers.count, 0);
  });
});
