// Fuzzing sizes: 25 cases per property in `npm test`; TEST_FULL=1 runs 2,500 (over 10,000 in all), and
// FUZZ_RUNS sets any other number. FUZZ_SEED replays a failing run.
import assert from 'node:assert/strict';
import { loopSize } from './fixtures.js';
import type { Reply } from './http.js';

export const RUNS = loopSize('FUZZ_RUNS', 25, 2500);
export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
export const fcOptions = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true };

/** Cases run so far by every property of this process, reported at the end of each spec. */
export const counted = { cases: 0 };

/**
 * No 5xx (the prescribed 501 aside); a 4xx either has no body (OpenVidu's empty 404/409/400s) or the §2.0 JSON error body
 * `{timestamp, status, error, message, path}` whose status is the reply's.
 */
export function assertClientError(r: Reply, what: string): void {
  // 501 is the reference's answer for a feature turned off (recording), not a failure.
  assert.ok(r.status < 500 || r.status === 501, `${what} answered ${r.status}: ${r.text.slice(0, 300)}`);
  if (r.status === 501) return;
  if (r.status < 400 || r.text === '') return;
  let body: Record<string, unknown>;
  try {
    body = r.json();
  } catch {
    assert.fail(`${what} answered ${r.status} with a body that is not JSON: ${r.text.slice(0, 200)}`);
  }
  assert.equal(body.status, r.status, `${what}: body status`);
  assert.equal(typeof body.message, 'string', `${what}: body message`);
  assert.equal(typeof body.error, 'string', `${what}: body error`);
  assert.equal(typeof body.timestamp, 'number', `${what}: body timestamp`);
}
