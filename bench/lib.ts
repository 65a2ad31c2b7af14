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

/** Peak resident memory of this process so far, in MiB (getrusage maxrss). */
export const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;
