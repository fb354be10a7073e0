import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { IdleGc } from './idle-gc.js';

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
