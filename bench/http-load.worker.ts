// The load loop of bench/http-load.ts, in a worker thread of its own so that it does not share the server's event
// loop: `connections` kept-alive connections (undici Pool, one request in flight on each), each sending a GET (the
// same one, or the next of `paths` in turn) as soon as its previous answer has been read, for a warm-up and then a measured period. Every response's status
// is checked; latencies of the measured period are kept whole (one number per request) for exact percentiles.
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import type { LoadOptions, LoadResult } from './http-load.ts';

const opts = workerData as LoadOptions;
const url = new URL(opts.url);
const pool = new Pool(url.origin, { connections: opts.connections, pipelining: 1 });
const paths = opts.paths ?? [`${url.pathname}${url.search}`];
let next = 0;

let latencies = new Float64Array(1 << 16);
let measured = 0;
let errors = 0;
let firstError: string | null = null;
let measuring = false;

const record = (ms: number): void => {
  if (!measuring) return;
  if (measured === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[measured++] = ms;
};

/** One request; resolves when its answer has been read whole. */
const one = (): Promise<void> =>
  new Promise((resolve) => {
    const t0 = performance.now();
    let status = 0;
    const path = paths[next++ % paths.length] as string;
    pool.dispatch(
      { origin: url.origin, path, method: 'GET', headers: opts.headers ?? {} },
      {
        // undici 7's Client takes the callback handler (onConnect … onComplete) on dispatch.
        onConnect: () => undefined,
        onHeaders: (statusCode: number) => {
          status = statusCode;
          return true;
        },
        onData: () => true,
        onComplete: () => {
          if (status === 200) record(performance.now() - t0);
          else {
            errors++;
            firstError ??= `status ${status}`;
          }
          resolve();
        },
        onError: (err: Error) => {
          errors++;
          firstError ??= err.message;
          resolve();
        },
      },
    );
  });

const run = async (): Promise<LoadResult> => {
  const warmEnd = performance.now() + opts.warmupMs;
  const loop = async (until: () => number) => {
    while (performance.now() < until()) await one();
  };
  let end = Infinity;
  const all = Promise.all(Array.from({ length: opts.connections }, () => loop(() => end)));
  await new Promise((r) => setTimeout(r, Math.max(0, warmEnd - performance.now())));
  measuring = true;
  parentPort?.postMessage('measuring');
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  end = t0 + opts.durationMs;
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.threadCpuUsage(cpu0);
  parentPort?.postMessage('measured');
  measuring = false;
  await pool.close();
  const sorted = latencies.subarray(0, measured).sort();
  const at = (p: number) => sorted[Math.min(measured - 1, Math.max(0, Math.ceil((p / 100) * measured) - 1))] ?? NaN;
  return {
    requests: measured,
    perSecond: measured / seconds,
    p50: at(50),
    p99: at(99),
    errors,
    firstError,
    loaderCpuMs: (cpu.user + cpu.system) / 1000,
    serverCpuUsPerRequest: NaN,
  };
};

parentPort?.postMessage(await run());
