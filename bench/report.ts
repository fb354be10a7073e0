// What every bench hands to scripts/run-bench.mjs, which writes BENCHMARKS.md: one line per figure on
// stdout, `BENCHMARK {json}`, next to the bench's own human-readable output.

export interface Figure {
  /** What is measured, e.g. "1,000 participants join+publish". */
  figure: string;
  /** Our value, formatted with its unit ("3.2 s", "412 req/s"). */
  value: string;
  /** The baseline measured in the same run, with what it is ("bare pings: 410 ms"); '' when none applies. */
  baseline?: string;
  /** ours / baseline (or the orientation the target names), when there is a baseline. */
  ratio?: number;
  /** The target as the project states it ("≤ 3× baseline"); '' when none is set. */
  target?: string;
  /** Whether the target is met; undefined when there is none. */
  met?: boolean;
}

export function report(bench: string, f: Figure): void {
  console.log(`BENCHMARK ${JSON.stringify({ bench, ...f })}`);
}

/** True for a quick run (`BENCH_QUICK=1`): each bench shrinks its default sizes. */
export const QUICK = process.env.BENCH_QUICK === '1';

/**
 * A size read from the environment (`BENCH_<NAME>`), else the quick or the full default. Bad values
 * fall back to the default rather than running a bench of size NaN.
 */
export function size(name: string, full: number, quick: number): number {
  const raw = process.env[`BENCH_${name}`];
  const n = raw === undefined ? NaN : Number(raw);
  if (Number.isFinite(n) && n > 0) return n;
  return QUICK ? quick : full;
}

/** A list of sizes from the environment (`BENCH_<NAME>=500,1000`), else the quick or the full default. */
export function sizes(name: string, full: number[], quick: number[]): number[] {
  const raw = process.env[`BENCH_${name}`];
  const list = (raw ?? '')
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);
  if (list.length) return list;
  return QUICK ? quick : full;
}

export const fmtMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
