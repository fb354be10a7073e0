// The recording half of the media API (Pipeline.createRecorder / createComposite) over the real
// kurento-client against the emulator: RecorderEndpoint events and file, per-kind connections, and
// a Composite whose release takes its HubPorts with it, as KMS's MediaSet does.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { until } from '../support/poll.js';

void describe('media API: recorder and composite over kurento-client', () => {
  let emu: Emulator;
  let t: App;
  let dir: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    dir = mkdtempSync(join(tmpdir(), 'ov-media-rec-'));
    [emu] = await startEmulators(1);
    t = await bootWith([emu.uri], { KMS_REQUEST_TIMEOUT: '1500' });
  });
  after(async () => {
    await t?.close();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejection at any point');
  });

  void it('records through a hub: Recording and Stopped events, a growing file, ports released with the hub', async () => {
    const media = t.pool.media(t.pool.list()[0].id);
    const pipeline = await media.createPipeline();
    const base = emu.stats().objects;
    const hub = await pipeline.createComposite();
    const input = await hub.createPort();
    const output = await hub.createPort();
    const source = await pipeline.createWebRtcEndpoint();
    const file = join(dir, 'sub', 'mix.mp4');
    const recorder = await pipeline.createRecorder(pathToFileURL(file).href, 'MP4');
    const events: string[] = [];
    let recordingAt = 0;
    await recorder.on('Recording', (d) => {
      events.push('Recording');
      recordingAt = Number(d.timestampMillis);
    });
    await recorder.on('Stopped', () => events.push('Stopped'));
    await source.connect(input, 'AUDIO');
    await source.connect(input, 'VIDEO');
    await output.connect(recorder, 'VIDEO');
    assert.equal(emu.stats().objects, base + 5);
    await recorder.record();
    await until('Recording', () => events.includes('Recording'));
    assert.ok(recordingAt > 0, 'events carry timestampMillis');
    await new Promise((r) => setTimeout(r, 500));
    const grown = statSync(file).size;
    assert.ok(grown > 0);
    await recorder.stopAndWait();
    await until('Stopped', () => events.includes('Stopped'));
    assert.match(readFileSync(file, 'utf8'), /mediaProfile: MP4/);
    await hub.release();
    assert.equal(emu.stats().objects, base + 2, 'the hub took both ports with it');
    await recorder.release();
    await source.release();
    await pipeline.release();
    assert.equal(emu.stats().objects, 0);
  });
});
