// Runs several compiled spec files one after the other in this process (one "lane" of a tier, see
// run-tests.mjs). Starting a process per file cost about a second of module loading each (Nest,
// kurento-client…), which was half of the e2e tier's time on two cores.
//
// What the per-file process gave for free is checked explicitly instead: after each file's tests,
// a check waits until everything that would keep a process alive (sockets, servers, child
// processes, ref'd timers) is back to what the lane had before its first file, and fails naming
// the file and what it left. That is stricter than "the process exits eventually": a file that
// leaves a 20 s timer behind now fails instead of holding its process for 20 s.
import { after, test } from 'node:test';
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

/** How long a file's resources may take to wind down after its last test (kurento-client keeps a timer per answered request). */
const SETTLE_MS = Number(process.env.TEST_SETTLE_MS) || 5000;

function tally(resources) {
  const counts = {};
  for (const r of resources) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** What is running now beyond the lane's starting point, by resource type. */
function beyond(baseline) {
  const extra = {};
  for (const [type, n] of Object.entries(tally(process.getActiveResourcesInfo()))) {
    if (n > (baseline[type] ?? 0)) extra[type] = n - (baseline[type] ?? 0);
  }
  return extra;
}

async function settled(baseline) {
  const deadline = performance.now() + SETTLE_MS;
  for (;;) {
    const extra = beyond(baseline);
    if (!Object.keys(extra).length || performance.now() > deadline) return extra;
    // Ref'd (else the loop could end under this wait); it has fired, so is not counted, at the next look.
    await sleep(10);
  }
}

/**
 * Imports each file in turn (registering its tests) and registers, after each, the check that it
 * released what it started. `timingsOut`, if set, receives one JSON line per file with its time.
 */
export async function runFiles(files, { timingsOut } = {}) {
  let baseline = tally(process.getActiveResourcesInfo());
  let mark = performance.now();
  for (const file of files) {
    const name = relative(process.cwd(), file)
      .replace(/^dist\//, '')
      .replace(/\.js$/, '.ts');
    await import(pathToFileURL(file).href);
    void test(`${name} released its sockets, servers, child processes and timers`, async () => {
      const left = await settled(baseline);
      const ms = Math.round(performance.now() - mark);
      mark = performance.now();
      if (timingsOut) appendFileSync(timingsOut, `${JSON.stringify({ file: name, ms })}\n`);
      if (Object.keys(left).length) {
        // Charged to this file only: the next files are judged from what is running now.
        baseline = tally(process.getActiveResourcesInfo());
        throw new Error(`still running ${SETTLE_MS} ms after its last test: ${JSON.stringify(left)}`);
      }
    });
  }
  // A file that leaked keeps this process alive for good; once the report is out, end it instead
  // of hanging the run. Unref'd: a clean lane exits before it fires.
  after(() => {
    setTimeout(() => {
      console.error(`lane still running: ${JSON.stringify(process.getActiveResourcesInfo())}`);
      process.exit(1);
    }, SETTLE_MS).unref();
  });
}
