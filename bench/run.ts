// Runs every bench/*.bench.ts (or those named in BENCH_ONLY, comma-separated), prints their tables and writes
// docs/benchmarks.md with the machine, date, commit and load. BENCH_SCALE (default 1) shrinks the sizes for a quick
// run; BENCH_REPEAT (default 1) runs each benchmark that many times and reports the median of every figure. Each run
// is a process of its own, so that its peak memory and its caches are its own; its peak RSS is reported too.
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bench, BenchTable } from './lib.ts';
import { median, medianTables, peakRssMiB } from './lib.ts';

const root = path.resolve(import.meta.dirname, '..');
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const scale = Number(process.env.BENCH_SCALE ?? '1');
if (!(scale > 0 && scale <= 1)) throw new Error('BENCH_SCALE must be in (0, 1]');
const repeat = Number(process.env.BENCH_REPEAT ?? '1');
if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 9)) throw new Error('BENCH_REPEAT must be 1 to 9');

const files = readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace('.bench.ts', '')))
  .sort();

const render = (t: BenchTable): string => {
  const lines = [
    `### ${t.title}`,
    '',
    t.description,
    '',
    `| ${t.columns.join(' | ')} |`,
    `| ${t.columns.map(() => '---').join(' | ')} |`,
  ];
  for (const r of t.rows) lines.push(`| ${r.join(' | ')} |`);
  if (t.targets?.length) {
    lines.push('', '| target | measured | met |', '| --- | --- | --- |');
    for (const g of t.targets) lines.push(`| ${g.name} | ${g.value} | ${g.ok ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
};

/** In the child process: runs one benchmark and writes its tables as JSON to BENCH_OUT. */
async function runOne(file: string, out: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-${file.replace('.bench.ts', '')}-`));
  try {
    const mod = (await import(path.join(root, 'bench', file))) as { default: Bench };
    const tables = await mod.default({ dir, scale, log: (l) => process.stdout.write(`  ${l}\n`) });
    writeFileSync(out, JSON.stringify({ tables, peakRssMiB: peakRssMiB() }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const child = process.env.BENCH_CHILD;
if (child) {
  await runOne(child, process.env.BENCH_OUT as string);
  process.exit(0);
}

interface RunOutput {
  tables: BenchTable[];
  peakRssMiB: number;
}

const sections: string[] = [];
const results = mkdtempSync(path.join(os.tmpdir(), 'bench-results-'));
const loads: number[] = [];
try {
  for (const file of files) {
    const runs: RunOutput[] = [];
    for (let r = 1; r <= repeat; r++) {
      process.stdout.write(`\n== ${file.replace('.bench.ts', '')}${repeat > 1 ? ` (run ${r} of ${repeat})` : ''} ==\n`);
      loads.push(os.loadavg()[0] ?? 0);
      const out = path.join(results, `${file}.${r}.json`);
      const run = spawnSync(process.execPath, [import.meta.filename], {
        stdio: 'inherit',
        env: { ...process.env, BENCH_CHILD: file, BENCH_OUT: out },
      });
      if (run.status !== 0) throw new Error(`${file} failed (exit ${run.status ?? run.signal})`);
      runs.push(JSON.parse(readFileSync(out, 'utf8')) as RunOutput);
    }
    const rss = median(runs.map((r) => r.peakRssMiB));
    for (const t of medianTables(runs.map((r) => r.tables))) {
      const text = `${render(t)}\n\nPeak RSS of the benchmark process: ${rss.toFixed(0)} MiB${repeat > 1 ? ` (median of ${repeat} runs)` : ''}.`;
      process.stdout.write(`\n${text}\n`);
      sections.push(text);
    }
  }
} finally {
  rmSync(results, { recursive: true, force: true });
}

const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.ts). Every figure is measured next to a baseline taken in the same run on the same',
  'machine, so the ratio matters more than the absolute number.',
  '',
  `- date: ${new Date().toISOString()}`,
  `- commit: ${commit}`,
  `- machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, ${os.platform()} ${os.release()}`,
  `- Node.js ${process.version}; scale ${scale}${only.length ? `; only ${only.join(', ')}` : ''}`,
  `- runs: ${repeat}${repeat > 1 ? ', every figure the median of the runs' : ''}; load average (1 min) at the starts of runs: ` +
    `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${os.cpus().length} cores`,
  '',
].join('\n');
if (only.length === 0 && scale === 1) {
  writeFileSync(path.join(root, 'docs', 'benchmarks.md'), `${header}\n${sections.join('\n\n')}\n`);
  process.stdout.write('\nwrote docs/benchmarks.md\n');
} else {
  process.stdout.write('\n(partial run: docs/benchmarks.md left unchanged)\n');
}
