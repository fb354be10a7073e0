// Recording a two-publisher session through signalling while a third publisher joins and one
// leaves (OpenVidu's SingleStreamRecordingService and, without a browser, ComposedRecordingService):
// the files the media server writes, the sizes and durations, the zip and the Recording JSON.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSession, sessionJson } from '../support/api.js';
import { rest } from '../support/http.js';
import { until } from '../support/poll.js';
import {
  bootRecording,
  COMPOSED_KEYS,
  INDIVIDUAL_KEYS,
  readZip,
  type RecHarness,
  startRecording,
  stopRecording,
} from '../support/recordings.js';
import { Peer } from '../support/rpc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('recordings: INDIVIDUAL and COMPOSED through the media server', () => {
  let h: RecHarness;
  const peers: Peer[] = [];
  const objects = () => h.emus[0].stats().objects;

  before(async () => {
    h = await bootRecording();
  });
  after(async () => {
    for (const p of peers) await p.rpc.close();
    await h?.close();
  });

  async function publisher(session: string, data: string, extra: Record<string, unknown> = {}): Promise<Peer> {
    const p = await Peer.withRole(h, session, 'PUBLISHER', data);
    peers.push(p);
    await p.publish(extra);
    return p;
  }

  void it('INDIVIDUAL: one file per stream, streams joining and leaving, a zip with one entry per stream', async () => {
    const session = await createSession(h.url, { customSessionId: 'rec-individual' });
    const a = await publisher(session, 'alice');
    const b = await publisher(session, 'bob');
    const started = await startRecording(h.url, { session, outputMode: 'INDIVIDUAL' });
    assert.deepEqual(Object.keys(started), INDIVIDUAL_KEYS);
    assert.equal(started.id, session);
    assert.equal(started.name, session, 'the name defaults to the id');
    assert.equal(started.status, 'started');
    assert.equal(started.url, null);
    assert.equal((await sessionJson(h.url, session))?.['recording' as never], true);
    const dir = join(h.recPath, session);
    assert.ok(existsSync(join(dir, `.recording.${session}`)), 'metadata file written at start');

    const c = await publisher(session, 'carol', { hasAudio: false });
    await until('the late stream to be recorded', () => existsSync(join(dir, `${c.streamId}.webm`)));
    await sleep(450);
    const growing = statSync(join(dir, `${a.streamId}.webm`)).size;
    await sleep(450);
    assert.ok(statSync(join(dir, `${a.streamId}.webm`)).size > growing, 'the file grows while recording');
    await a.leave();
    await sleep(300);

    const stopped = await stopRecording(h.url, started.id);
    assert.deepEqual(Object.keys(stopped), INDIVIDUAL_KEYS);
    assert.equal(stopped.status, 'ready');
    assert.ok(stopped.size > 0, 'size filled');
    assert.ok(stopped.duration >= 1, `duration filled (${stopped.duration})`);
    assert.equal((await sessionJson(h.url, session))?.['recording' as never], false);

    assert.deepEqual(readdirSync(dir).sort(), [`.recording.${session}`, `${session}.zip`]);
    const zip = await readZip(join(dir, `${session}.zip`));
    const streams = [a.streamId, b.streamId, c.streamId];
    assert.deepEqual(
      [...zip.keys()].filter((n) => n.endsWith('.webm')).sort(),
      streams.map((s) => `${s}.webm`).sort(),
      'one entry per stream, the one that left included',
    );
    const sync = JSON.parse(zip.get(`${session}.json`)!.toString('utf8')) as {
      id: string;
      files: Array<Record<string, unknown>>;
    };
    assert.equal(sync.id, session);
    assert.equal(sync.files.length, 3);
    const carol = sync.files.find((f) => f.streamId === c.streamId)!;
    assert.deepEqual(Object.keys(carol), [
      'connectionId',
      'streamId',
      'size',
      'clientData',
      'serverData',
      'hasAudio',
      'hasVideo',
      'typeOfVideo',
      'startTimeOffset',
      'endTimeOffset',
    ]);
    assert.equal(carol.clientData, 'carol');
    assert.equal(carol.hasAudio, false);
    const alice = sync.files.find((f) => f.streamId === a.streamId)!;
    const bob = sync.files.find((f) => f.streamId === b.streamId)!;
    assert.ok((alice.endTimeOffset as number) < (bob.endTimeOffset as number), 'the stream that left ended first');
    const total = sync.files.reduce((n, f) => n + (f.size as number), 0);
    assert.equal(stopped.size, total, 'size is the sum of the streams');

    const got = await rest(h.url, 'GET', `/api/recordings/${session}`);
    assert.deepEqual(got.json(), stopped);
    await b.leave();
    await c.leave();
  });

  void it('COMPOSED: a Composite with a HubPort per stream mixed into one recorder', async () => {
    const session = await createSession(h.url, { customSessionId: 'rec-composed' });
    const a = await publisher(session, 'alice');
    await publisher(session, 'bob');
    const base = objects();
    const started = await startRecording(h.url, { session, outputMode: 'COMPOSED', resolution: '1280x720' });
    assert.deepEqual(Object.keys(started), COMPOSED_KEYS);
    assert.equal(started.resolution, '1280x720');
    assert.equal(started.recordingLayout, 'BEST_FIT');
    // Composite + its output port + recorder + one port per stream.
    assert.equal(objects(), base + 5);
    const c = await publisher(session, 'carol');
    await until('the new stream to get its endpoint and a hub port', () => objects() === base + 7);
    await a.leave();
    await until('the leaving stream to lose its hub port', () => objects() === base + 5);
    await sleep(500);
    const stopped = await stopRecording(h.url, started.id);
    assert.deepEqual(Object.keys(stopped), COMPOSED_KEYS);
    assert.equal(stopped.status, 'ready');
    const file = join(h.recPath, session, `${session}.mp4`);
    assert.equal(stopped.size, statSync(file).size);
    assert.ok(stopped.size > 0 && stopped.duration > 0.4, `${stopped.size} bytes, ${stopped.duration} s`);
    await until('the hub, its ports and the recorder to be released', () => objects() === base);
    await c.leave();
  });

  void it('COMPOSED audio-only records a .webm and shows no resolution or layout', async () => {
    const session = await createSession(h.url, { customSessionId: 'rec-audio' });
    await publisher(session, 'alice');
    const started = await startRecording(h.url, {
      session,
      outputMode: 'COMPOSED',
      hasVideo: false,
      name: 'voice',
      resolution: '640x480',
    });
    assert.deepEqual(Object.keys(started), INDIVIDUAL_KEYS);
    assert.equal(started.name, 'voice');
    await sleep(300);
    const stopped = await stopRecording(h.url, started.id);
    assert.equal(stopped.status, 'ready');
    assert.ok(statSync(join(h.recPath, session, 'voice.webm')).size > 0);
  });
});
