// kms.disconnect.grace: sessions on a media server that stays away are closed with
// mediaServerDisconnect (docs/openvidu-api.md §3.3 force semantics, §7); a blip or a restart closes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MEDIA_SERVER_RESTARTED } from '../../src/media-servers/media-server.events.js';
import { byUri } from '../support/api.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { FakeSession, placeOn, type RecordedEvent, recordMediaServerEvents } from '../support/media-servers.js';
import { until } from '../support/poll.js';

const GRACE = 400;

void describe('disconnect grace', () => {
  let emus: Emulator[];
  let t: App;
  let events: RecordedEvent[];
  let ids: string[];

  before(async () => {
    emus = await startEmulators(2);
    t = await bootWith(
      emus.map((e) => e.uri),
      { KMS_DISCONNECT_GRACE: String(GRACE) },
    );
    events = recordMediaServerEvents(t.app);
    ids = emus.map((e) => t.pool.list().find((s) => s.uri === e.uri)!.id);
  });
  after(async () => {
    await t?.close();
    await Promise.all((emus ?? []).map((e) => e.close()));
  });

  void it('a server down longer than the grace has its sessions closed and released; the other keeps its own', async () => {
    const gone = new FakeSession('ses_gone', 2);
    const reserved = 'ses_reserved_only';
    const kept = new FakeSession('ses_kept', 1);
    placeOn(t.pool, ids[0], gone.sessionId).attach(gone);
    placeOn(t.pool, ids[0], reserved);
    const keptPlacement = placeOn(t.pool, ids[1], kept.sessionId);
    keptPlacement.attach(kept);
    await emus[0].down();
    try {
      await until('sessions closed after the grace', () => gone.closes.length > 0, 5000);
      assert.deepEqual(gone.closes, ['mediaServerDisconnect']);
      assert.deepEqual((await byUri(t.url, emus[0].uri, '?sessions=true&load=true')).sessions, []);
      assert.equal((await byUri(t.url, emus[0].uri, '?load=true')).load, 0);
      assert.deepEqual(kept.closes, []);
      assert.equal((await byUri(t.url, emus[1].uri, '?sessions=true')).sessions?.length, 1);
      // Both ids are free again; the placement of the disconnected server is gone.
      const again = t.pool.place(reserved);
      assert.equal(again.mediaServerId, ids[1]);
      again.release();
    } finally {
      await emus[0].up();
    }
    await until('back', () => t.pool.connectedCount() === 2);
    keptPlacement.release();
  });

  void it('a blip shorter than the grace and a restart close nothing', async () => {
    const blipped = new FakeSession('ses_blipped', 2);
    const restarted = new FakeSession('ses_restarted', 1);
    const p0 = placeOn(t.pool, ids[0], blipped.sessionId);
    p0.attach(blipped);
    const p1 = placeOn(t.pool, ids[1], restarted.sessionId);
    p1.attach(restarted);
    emus[0].blip();
    await emus[1].restart();
    await until('restart seen', () => events.some((e) => e.name === MEDIA_SERVER_RESTARTED && e.id === ids[1]));
    await new Promise((r) => setTimeout(r, GRACE * 2));
    assert.equal(t.pool.connectedCount(), 2);
    assert.deepEqual(blipped.closes, []);
    assert.deepEqual(restarted.closes, [], 'signalling rebuilds the pipeline; the session stays');
    for (const [emu, session] of [
      [emus[0], blipped],
      [emus[1], restarted],
    ] as const) {
      const listed = (await byUri(t.url, emu.uri, '?sessions=true')).sessions?.map((x) => x.sessionId);
      assert.deepEqual(listed, [session.sessionId]);
    }
    p0.release();
    p1.release();
  });
});
