// No healthy media server is marked down because our own event loop stalled: the pong already
// waiting in the socket is read before the liveness timer judges. A hung server is still caught.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { MEDIA_SERVER_DISCONNECTED } from '../../src/media-servers/media-server.events.js';
import { type App, bootWith } from '../support/boot.js';
import { type EmulatorProcess, spawnEmulator, stallEventLoop } from '../support/emulators.js';
import { until } from '../support/poll.js';

void describe('liveness under an event-loop stall', () => {
  let emu: EmulatorProcess;
  let h: App;
  const downs: unknown[] = [];

  before(async () => {
    emu = await spawnEmulator();
    h = await bootWith([emu.uri], {
      KMS_REQUEST_TIMEOUT: '1500',
      KMS_LIVENESS_INTERVAL: '100',
      KMS_LIVENESS_TIMEOUT: '300',
    });
    h.app.get(EventEmitter2).on(MEDIA_SERVER_DISCONNECTED, (e: unknown) => downs.push(e));
  });

  after(async () => {
    await h?.close();
    await emu?.close();
  });

  void it('keeps a healthy server connected through stalls longer than kms.liveness.timeout', async () => {
    for (let i = 0; i < 6; i++) {
      // Let a probe go out, then stall past its timeout while the server answers it.
      await new Promise((r) => setTimeout(r, 120 + 40 * i));
      // From the check phase, as a long request handler would: the next turn runs timers before I/O.
      await new Promise<void>((r) =>
        setImmediate(() => {
          stallEventLoop(450 + 50 * i);
          r();
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 800));
    assert.deepEqual(downs, [], 'no disconnection was reported');
    assert.equal(h.pool.connectedCount(), 1);
  });

  void it('still marks a hung server down (the same probe, the same timings)', async () => {
    await emu.command('hang on');
    await until('the hung server to be marked down', () => downs.length > 0, 5000);
    assert.equal(h.pool.connectedCount(), 0);
    await emu.command('hang off');
    await until('the server to be connected again', () => h.pool.connectedCount() === 1, 5000);
  });
});
