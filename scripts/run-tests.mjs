// Runs the compiled specs with node's test runner, in two tiers with a summary each: the unit tier
// (src/**/*.spec.ts, beside the code) and the e2e tier (test/**/*.e2e-spec.ts, the real app over
// HTTP/WS). Both are compiled to dist/ by `npm run build:test`.
//   node scripts/run-tests.mjs [substring...]   only the spec files whose path contains a substring
// A tier runs in lanes: each lane is one process that runs its files one after the other and checks
// after each that it released what it started (scripts/test-files.mjs). The unit tier is one lane;
// the e2e tier has TEST_CONCURRENCY lanes (default: one per core), balanced by the per-file times
// in test/timings.json. TEST_ISOLATION=process runs every file in its own process instead, as a
// way to tell whether a failure depends on what ran before it. TEST_RECORD_TIMINGS=1 rewrites
// test/timings.json from this run (whole e2e tier only).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';

function collect(dir, pattern, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, pattern, out);
    // A compiled spec whose source is gone (renamed or deleted) is stale output, not a test.
    else if (pattern.test(name) && existsSync(p.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const pick = (files) => (filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files).sort();
const concurrency = Number(process.env.TEST_CONCURRENCY) || availableParallelism();
const isolated = process.env.TEST_ISOLATION === 'process';
const TIMINGS = 'test/timings.json';
const LANES_DIR = 'dist/.lanes';
const tiers = [
  {
    name: 'unit',
    what: 'src/**/*.spec',
    files: pick(collect('dist/src', /\.spec\.js$/)),
    lanes: 1,
    timeout: 60_000,
  },
  {
    name: 'e2e',
    what: 'test/**/*.e2e-spec',
    files: pick(collect('dist/test', /\.e2e-spec\.js$/)),
    lanes: concurrency,
    timeout: 180_000,
    timings: true,
  },
];
if (!tiers.some((t) => t.files.length)) {
  console.error('no test files found');
  process.exit(1);
}

/** The file's key in test/timings.json: its source path. */
const sourceOf = (file) => file.replace(/^dist\//, '').replace(/\.js$/, '.ts');

function readTimings() {
  try {
    return JSON.parse(readFileSync(TIMINGS, 'utf8'));
  } catch {
    return {};
  }
}

/** Longest file first onto the least loaded lane; a file with no recorded time counts as a typical one. */
function balance(files, lanes, timings) {
  const known = Object.values(timings).sort((a, b) => a - b);
  const typical = known.length ? known[Math.floor(known.length / 2)] : 1000;
  const weight = (f) => timings[sourceOf(f)] ?? typical;
  const out = Array.from({ length: Math.min(lanes, files.length) }, () => ({ files: [], load: 0 }));
  for (const f of [...files].sort((a, b) => weight(b) - weight(a))) {
    const lane = out.reduce((min, l) => (l.load < min.load ? l : min));
    lane.files.push(f);
    lane.load += weight(f);
  }
  return out.map((l) => l.files.sort());
}

/** One entry file per lane, which runs the lane's files through test-files.mjs. */
function laneEntries(tier, timingsOut) {
  const lanes = balance(tier.files, tier.lanes, tier.timings ? readTimings() : {});
  const runner = pathToFileURL(resolve('scripts/test-files.mjs')).href;
  return lanes.map((files, i) => {
    const entry = join(LANES_DIR, `${tier.name}-${i + 1}.mjs`);
    const list = JSON.stringify(
      files.map((f) => resolve(f)),
      null,
      2,
    );
    const opts = timingsOut ? `{ timingsOut: ${JSON.stringify(resolve(timingsOut))} }` : '{}';
    writeFileSync(entry, `import { runFiles } from ${JSON.stringify(runner)};\nawait runFiles(${list}, ${opts});\n`);
    return entry;
  });
}

function runTier(tier) {
  const record = tier.timings && !isolated && !filter.length && process.env.TEST_RECORD_TIMINGS === '1';
  const timingsOut = record ? join(LANES_DIR, `${tier.name}-timings.jsonl`) : undefined;
  if (timingsOut) rmSync(timingsOut, { force: true });
  const entries = isolated ? tier.files : laneEntries(tier, timingsOut);
  const how = isolated ? 'one process per file' : `${entries.length} lane(s)`;
  console.log(`\n━━ ${tier.name} tier: ${tier.files.length} file(s), ${tier.what}, ${how} ━━\n`);
  const args = [
    `--test-concurrency=${isolated ? concurrency : entries.length}`,
    `--test-timeout=${tier.timeout}`,
    '--test-reporter=spec',
  ];
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--test', ...args, ...entries], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'test' },
  });
  // The reporter's own totals (`ℹ tests 12`, `ℹ pass 12`…), read as they stream by.
  const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0 };
  child.stdout.pipe(process.stdout);
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = /^ℹ (tests|pass|fail|cancelled) (\d+)$/.exec(line);
    if (m) totals[m[1]] = Number(m[2]);
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (timingsOut && code === 0) saveTimings(timingsOut);
      resolve({ ...tier, ...totals, seconds, ok: code === 0, exit: code ?? signal });
    });
  });
}

function saveTimings(jsonl) {
  const timings = {};
  for (const line of readFileSync(jsonl, 'utf8').split('\n').filter(Boolean)) {
    const { file, ms } = JSON.parse(line);
    timings[file] = ms;
  }
  const sorted = Object.fromEntries(Object.entries(timings).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(TIMINGS, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(`\nwrote ${TIMINGS} (${Object.keys(sorted).length} files)`);
}

rmSync(LANES_DIR, { recursive: true, force: true });
mkdirSync(LANES_DIR, { recursive: true });
const results = [];
for (const tier of tiers) {
  if (!tier.files.length) {
    console.log(`\n━━ ${tier.name} tier: no file matches ━━`);
    continue;
  }
  // Both tiers always run: a unit failure still shows what the e2e tier says.
  results.push(await runTier(tier));
}

console.log('\n━━ summary ━━');
for (const r of results) {
  const status = r.ok ? 'ok' : `FAILED (exit ${r.exit})`;
  console.log(
    `${r.name.padEnd(4)} tier: ${String(r.tests).padStart(4)} tests, ${r.pass} passed, ${r.fail} failed, ` +
      `${r.cancelled} cancelled, ${r.files.length} files in ${r.seconds.toFixed(1)} s — ${status}`,
  );
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
