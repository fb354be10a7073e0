// Runs every compiled benchmark in bench/ one after the other (never in parallel: they measure), then
// writes BENCHMARKS.md from the `BENCHMARK {json}` lines they print (bench/report.ts).
//   npm run bench                      every bench, full sizes
//   npm run bench -- signalling scale  only the benches whose file name contains one of the words
//   BENCH_QUICK=1 npm run bench        smaller default sizes; BENCH_<NAME>=… sets one size (see each bench)
//   BENCH_OUT=other.md                 write the report elsewhere (default BENCHMARKS.md)
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const only = process.argv.slice(2);
const files = readdirSync('dist/bench')
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => !only.length || only.some((x) => f.includes(x)))
  .sort();

const started = new Date();
let commit = '';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim()) {
    commit += ' (with local changes)';
  }
} catch {
  commit = 'unknown (not a git checkout)';
}
const load = [];
const sampler = setInterval(() => load.push(os.loadavg()[0]), 5000);
const results = [];
const outcomes = [];

function runOne(f) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [`dist/bench/${f}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    const take = (line) => {
      if (line.startsWith('BENCHMARK ')) {
        try {
          results.push(JSON.parse(line.slice('BENCHMARK '.length)));
        } catch {
          console.log(line);
        }
      } else console.log(line);
    };
    child.on('close', (code, signal) => {
      if (rest) take(rest);
      outcomes.push({ f, code: code ?? signal, seconds: (Date.now() - t0) / 1000 });
      resolve(code === 0);
    });
  });
}

let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  if (!(await runOne(f))) failed++;
}
clearInterval(sampler);
load.push(os.loadavg()[0]);

const cell = (s) => String(s ?? '').replaceAll('|', '\\|');
const ratio = (r) => (typeof r === 'number' && Number.isFinite(r) ? r.toFixed(2) : '');
const met = (m) => (m === true ? 'met' : m === false ? '**missed**' : '');
const sizeEnv = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_OUT')
  .map(([k, v]) => `${k}=${v}`)
  .sort();
const command = [...sizeEnv, 'npm run bench', ...(only.length ? ['--', ...only] : [])].join(' ');
const cpus = os.cpus();
const avgLoad = load.reduce((a, b) => a + b, 0) / load.length;

const lines = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (scripts/run-bench.mjs) from the figures each bench in `bench/` reports.',
  'Every ratio compares our value with a baseline measured **in the same run**, on the same machine, so',
  'the ratios matter more than the absolute times (the machine may be shared). Targets are goals, not',
  'tests: no test asserts a timing.',
  '',
  `- **Command:** \`${command}\``,
  `- **Commit:** ${commit}`,
  `- **Date:** ${started.toISOString()} (took ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min)`,
  `- **Machine:** ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.version}`,
  `- **Load during the run:** 1-min load average ${avgLoad.toFixed(2)} on average, ${Math.max(...load).toFixed(2)} at most ` +
    `(${cpus.length} cores; above ${cpus.length} means other work competed for the CPU)`,
  `- **Benches:** ${outcomes.map((o) => `${o.f.replace('.bench.js', '')} ${o.code === 0 ? 'ok' : `FAILED (${o.code})`} ${o.seconds.toFixed(0)} s`).join(', ')}`,
  '',
];
for (const o of outcomes) {
  const name = o.f.replace('.bench.js', '');
  const rows = results.filter((r) => r.bench === name);
  lines.push(`## ${name}`, '');
  if (!rows.length) {
    lines.push(o.code === 0 ? '_No figures reported._' : `_Failed (exit ${o.code}); no figures._`, '');
    continue;
  }
  lines.push('| Figure | Ours | Baseline (same run) | Ratio | Target | |', '|---|---|---|---|---|---|');
  for (const r of rows) {
    lines.push(
      `| ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.baseline)} | ${ratio(r.ratio)} | ${cell(r.target)} | ${met(r.met)} |`,
    );
  }
  lines.push('');
}
const out = process.env.BENCH_OUT || 'BENCHMARKS.md';
// Written whole or not at all: a bench run cut short leaves the previous report intact.
let text = lines.join('\n');
try {
  // Formatted as the repository's Prettier check expects, so a committed report passes `npm run lint`.
  const prettier = await import('prettier');
  text = await prettier.format(text, { ...(await prettier.resolveConfig(out)), filepath: out });
} catch (e) {
  console.error(`BENCHMARKS.md left unformatted: ${e instanceof Error ? e.message : String(e)}`);
}
writeFileSync(`${out}.tmp`, text);
renameSync(`${out}.tmp`, out);
console.log(`\nwrote ${out} (${results.length} figures from ${outcomes.length} benches)`);
process.exit(failed ? 1 : 0);
