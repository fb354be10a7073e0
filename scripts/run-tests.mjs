// Runs the compiled specs with node's test runner, in two tiers with a summary each: the unit tier
// (src/**/*.spec.ts, beside the code) and the e2e tier (test/**/*.e2e-spec.ts, the real app over
// HTTP/WS). Both are compiled to dist/ by `npm run build:test`.
//   node scripts/run-tests.mjs [substring...]   only the spec files whose path contains a substring
// TEST_CONCURRENCY sets how many e2e files run at once (default: one per core; more overlaps the
// files' waits, but on a machine already loaded by other work the timing-bound specs then time out).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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
const tiers = [
  {
    name: 'unit',
    what: 'src/**/*.spec',
    files: pick(collect('dist/src', /\.spec\.js$/)),
    args: [`--test-concurrency=${availableParallelism()}`, '--test-timeout=60000'],
  },
  {
    name: 'e2e',
    what: 'test/**/*.e2e-spec',
    files: pick(collect('dist/test', /\.e2e-spec\.js$/)),
    args: [`--test-concurrency=${concurrency}`, '--test-timeout=180000'],
  },
];
if (!tiers.some((t) => t.files.length)) {
  console.error('no test files found');
  process.exit(1);
}

function runTier(tier) {
  console.log(`\n━━ ${tier.name} tier: ${tier.files.length} file(s), ${tier.what} ━━\n`);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--test', ...tier.args, '--test-reporter=spec', ...tier.files], {
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
      resolve({ ...tier, ...totals, seconds, ok: code === 0, exit: code ?? signal });
    });
  });
}

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
