// Shared shape of a benchmark: each bench/*.bench.ts default-exports a function that measures one thing next to a
// baseline measured in the same run, and returns a table. bench/run.ts prints the tables and writes
// docs/benchmarks.md with machine, date and commit.

export interface BenchTable {
  title: string;
  /** What is measured and against which baseline; one short paragraph. */
  description: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Target checks, e.g. { name: 'p50 ≤ 5 ms', ok: true }. */
  targets?: Array<{ name: string; ok: boolean; value: string }>;
}

export interface BenchContext {
  /** A fresh temporary folder for this benchmark; removed afterwards. */
  dir: string;
  /** Scale factor: 1 = the sizes the targets name; smaller for a quick run (BENCH_SCALE). */
  scale: number;
  log: (line: string) => void;
}

export type Bench = (ctx: BenchContext) => Promise<BenchTable[]>;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summarize(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}

export const ms = (n: number, digits = 2): string => `${n.toFixed(digits)} ms`;
export const mib = (n: number): string => `${n.toFixed(0)} MiB`;

/** Peak resident memory of this process so far, in MiB (getrusage maxrss). */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** A cell as a number and what surrounds it ("3.17 ms", "4432/s", "0.44×", "1,076,296"), or null for text. */
function parseCell(cell: string | number): { n: number; digits: number; unit: string } | null {
  if (typeof cell === 'number') return { n: cell, digits: Number.isInteger(cell) ? 0 : 2, unit: '' };
  const m = /^(-?[\d,]*\.?\d+)(\s*[^\d].*)?$/.exec(cell);
  if (!m) return null;
  const num = (m[1] as string).replaceAll(',', '');
  return { n: Number(num), digits: num.split('.')[1]?.length ?? 0, unit: m[2] ?? '' };
}

function medianCell(cells: Array<string | number>): string | number {
  const parsed = cells.map(parseCell);
  const first = parsed[0];
  if (!first || parsed.some((p) => !p || p.unit !== first.unit)) return cells[0] as string | number;
  const m = median(parsed.map((p) => (p as { n: number }).n));
  if (typeof cells[0] === 'number') return m;
  const text = m.toFixed(first.digits);
  return `${String(cells[0]).includes(',') ? Number(text).toLocaleString('en') : text}${first.unit}`;
}

/** The tables of repeated runs as one: every numeric cell the median over the runs; each target as in the run whose
 * value is the median. Runs whose tables differ in shape keep the first run's. */
export function medianTables(runs: BenchTable[][]): BenchTable[] {
  const first = runs[0] ?? [];
  if (runs.length === 1) return first;
  return first.map((t, ti) => {
    const same = runs
      .map((r) => r[ti])
      .filter((x): x is BenchTable => x !== undefined && x.rows.length === t.rows.length);
    const rows = t.rows.map((row, ri) => row.map((_, ci) => medianCell(same.map((x) => x.rows[ri]?.[ci] ?? ''))));
    const targets = t.targets?.map((g, gi) => {
      const all = same.map((x) => x.targets?.[gi] ?? g);
      const m = medianCell(all.map((x) => x.value));
      return all.find((x) => x.value === m) ?? { ...g, value: String(m) };
    });
    return {
      ...t,
      description: `${t.description} Median of ${runs.length} runs.`,
      rows,
      ...(targets ? { targets } : {}),
    };
  });
}
