// kms.disconnect.grace: sessions on a media server that stays away are closed with
// mediaServerDisconnect (docs/openvidu-api.md §3.3 force semantics, §7). That a blip or a restart
// closes nothing, however long after, is a unit spec (src/media-servers/media-server.spec.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byUri } from '../support/api.js';
import { type App, bootWith } from '../support/boot.js';
import { type Emulator, startEmulators } from '../support/emulators.js';
import { FakeSession, placeOn } from '../support/media-servers.js';
import { until } from '../support/poll.js';

const GRACE = 400;

void describe('disconnect grace', () => {
  let emus: Emulator[];
  let t: App;
  let ids: string[];

  before(async () => {
    emus = await startEmulators(2);
    t = await bootWith(
      emus.map((e) => e.uri),
      { KMS_DISCONNECT_GRACE: String(GRACE) },
    );
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
});
