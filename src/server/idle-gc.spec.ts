import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { Logger } from '@nestjs/common';
import { IdleGc, PERIOD_MS, type MemoryProbe } from './idle-gc.js';

/** Roughly `mib` MiB of small objects, retained long enough to reach the old generation. */
function churn(mib: number): number {
  let keep: { a: number; b: string }[][] = [];
  for (let i = 0; i < mib; i++) keep.push(Array.from({ length: 10_000 }, (_, j) => ({ a: j, b: `x${j}` })));
  const n = keep.length;
  keep = [];
  return n;
}

void describe('IdleGc', () => {
  void it('collects the garbage of a burst once idle, never while busy, and stops its timer on shutdown', () => {
    const idle = new IdleGc();
    idle.onApplicationBootstrap();
    try {
      churn(80);
      const before = v8.getHeapStatistics().used_heap_size;
      assert.equal(idle.tick(false), false, 'a busy process is left alone');
      assert.equal(idle.collections, 0);
      assert.equal(idle.tick(true), true, 'an idle process with a grown heap collects');
      assert.equal(idle.collections, 1);
      const after = v8.getHeapStatistics().used_heap_size;
      assert.ok(after < before - 32 * 2 ** 20, `heap ${before} -> ${after}`);
      assert.equal(idle.tick(true), false, 'nothing grew since: no second collection');
    } finally {
      idle.onApplicationShutdown();
    }
  });
});

/** A heap whose size the spec sets, an event loop as busy as the spec says, and a counted gc(). */
function fakeProbe(heap: { used: number; afterGc: number; busy: number }, hasGc = true): MemoryProbe & { gcs: number } {
  const probe = {
    gcs: 0,
    heapUsed: () => heap.used,
    utilisation: () => heap.busy,
    obtainGc: () =>
      hasGc
        ? () => {
            probe.gcs++;
            heap.used = heap.afterGc;
          }
        : undefined,
  };
  return probe;
}

const MIB = 2 ** 20;

void describe('IdleGc on mock timers', () => {
  beforeEach(() => {
    Logger.overrideLogger(['error']);
    mock.timers.enable({ apis: ['setInterval'] });
  });
  afterEach(() => mock.timers.reset());

  void it('collects once a whole period was idle and the heap grew past 1.5x and 32 MiB; never while busy', () => {
    const heap = { used: 100 * MIB, afterGc: 90 * MIB, busy: 0.5 };
    const probe = fakeProbe(heap);
    const idle = new IdleGc(probe);
    idle.onApplicationBootstrap();
    try {
      heap.used = 400 * MIB;
      mock.timers.tick(PERIOD_MS * 3);
      assert.equal(probe.gcs, 0, 'busy: left alone');
      heap.busy = 0.01;
      heap.used = 140 * MIB;
      mock.timers.tick(PERIOD_MS);
      assert.equal(probe.gcs, 0, 'idle, but 1.4x: not enough growth');
      heap.used = 151 * MIB;
      mock.timers.tick(PERIOD_MS - 1);
      assert.equal(probe.gcs, 0, 'nothing before the period is over');
      mock.timers.tick(1);
      assert.equal(probe.gcs, 1);
      assert.equal(idle.collections, 1);
      mock.timers.tick(PERIOD_MS * 5);
      assert.equal(probe.gcs, 1, 'the heap is back at its baseline: no second collection');
    } finally {
      idle.onApplicationShutdown();
    }
  });

  void it('a small heap is left alone even when it tripled (under 32 MiB of growth)', () => {
    const heap = { used: 10 * MIB, afterGc: 10 * MIB, busy: 0 };
    const probe = fakeProbe(heap);
    const idle = new IdleGc(probe);
    idle.onApplicationBootstrap();
    heap.used = 30 * MIB;
    mock.timers.tick(PERIOD_MS * 10);
    idle.onApplicationShutdown();
    assert.equal(probe.gcs, 0);
  });

  void it('no timer without gc() or with SERVER_IDLE_GC=false; none left after shutdown', () => {
    const heap = { used: 100 * MIB, afterGc: 100 * MIB, busy: 0 };
    const noGc = fakeProbe(heap, false);
    new IdleGc(noGc).onApplicationBootstrap();
    const probe = fakeProbe(heap);
    process.env.SERVER_IDLE_GC = 'false';
    try {
      new IdleGc(probe).onApplicationBootstrap();
    } finally {
      delete process.env.SERVER_IDLE_GC;
    }
    const stopped = new IdleGc(probe);
    stopped.onApplicationBootstrap();
    stopped.onApplicationShutdown();
    heap.used = 1000 * MIB;
    mock.timers.tick(PERIOD_MS * 10);
    assert.equal(probe.gcs + noGc.gcs, 0);
  });
});
