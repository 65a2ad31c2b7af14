// A fixed-concurrency HTTP load loop for the throughput benchmarks (bench/api-reads.bench.ts): runs
// bench/http-load.worker.ts in a worker thread and returns requests per second and latency percentiles. The loop
// uses undici (already a dependency, pinned), so the same client measures the baseline and the product; its own cost
// caps what it can measure, which the bare node:http row of each run shows.
import { Worker } from 'node:worker_threads';

export interface LoadOptions {
  url: string;
  /** Paths (with their queries) on the origin of `url` to request in turn; default: only that of `url`. */
  paths?: string[];
  headers?: Record<string, string>;
  /** Kept-alive connections, each with one request in flight. */
  connections: number;
  /** Requests before measuring (not counted), ms. */
  warmupMs: number;
  /** Measured period, ms. */
  durationMs: number;
}

export interface LoadResult {
  /** Answers with status 200 in the measured period. */
  requests: number;
  perSecond: number;
  /** Latency percentiles of those answers, ms. */
  p50: number;
  p99: number;
  /** Answers other than 200, and failed requests, warm-up included. */
  errors: number;
  firstError: string | null;
  /** CPU time of the load loop's thread in the measured period, ms. */
  loaderCpuMs: number;
  /** CPU time of everything else in the process (the server: its main thread, DuckDB's and libuv's threads) per
   * answer in the measured period, µs — a figure other processes on the machine inflate much less than throughput. */
  serverCpuUsPerRequest: number;
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const worker = new Worker(new URL('./http-load.worker.ts', import.meta.url), { workerData: opts });
  try {
    let cpu0 = process.cpuUsage();
    let cpuMs = NaN;
    return await new Promise<LoadResult>((resolve, reject) => {
      worker.on('message', (m: 'measuring' | 'measured' | LoadResult) => {
        if (m === 'measuring') cpu0 = process.cpuUsage();
        else if (m === 'measured') {
          const d = process.cpuUsage(cpu0);
          cpuMs = (d.user + d.system) / 1000;
        } else resolve({ ...m, serverCpuUsPerRequest: ((cpuMs - m.loaderCpuMs) * 1000) / m.requests });
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`load worker exited with code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}
