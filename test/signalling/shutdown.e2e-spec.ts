// Shutting down with clients still connected (docs/openvidu-api.md §6 `openviduServerStopped`): app.close()
// resolves, every session ends with that reason, every socket is closed, and no timer or socket
// is left behind (a leaked handle would keep this file from finishing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSession } from '../support/api.js';
import { boot, type Harness } from '../support/boot.js';
import { until } from '../support/poll.js';
import { Peer, RpcClient } from '../support/rpc.js';

void describe('signalling: shutdown with clients connected', () => {
  let h: Harness;
  const open: RpcClient[] = [];

  before(async () => {
    h = await boot({ WS_SESSIONRECONNECTIONTIME: '30' });
  });
  after(async () => {
    for (const c of open) await c.close();
    await h?.close();
  });

  void it('app.close() resolves; participants are evicted with openviduServerStopped and their sockets closed', async () => {
    const session = await createSession(h.url);
    const a = await Peer.withRole(h, session, 'PUBLISHER');
    const b = await Peer.withRole(h, session, 'SUBSCRIBER');
    const gone = await Peer.withRole(h, session, 'PUBLISHER');
    open.push(a.rpc, b.rpc, gone.rpc);
    await a.publish();
    await b.subscribe(a.streamId);
    // Live timers of every kind: a ping watchdog, a reconnection window, a bare socket.
    await a.rpc.call('ping', { interval: 10_000 });
    await gone.rpc.drop();
    const bare = await RpcClient.connect(h.wsUrl);
    open.push(bare);
    await bare.call('ping', { interval: 10_000 });

    await h.app.close();
    for (const p of [a, b]) {
      const ev = await p.rpc.waitFor('participantEvicted', (x) => x.connectionId === p.id);
      assert.equal(ev.params.reason, 'openviduServerStopped');
    }
    await Promise.all([a.rpc.whenClosed(), b.rpc.whenClosed(), bare.whenClosed()]);
    const refused = await RpcClient.connect(h.wsUrl).then(
      (c) => (open.push(c), 'connected'),
      () => 'refused',
    );
    assert.equal(refused, 'refused', 'the listener is closed');
    await until('the media-server sockets to close', () => h.emus.every((e) => e.stats().sockets === 0));
  });
});
