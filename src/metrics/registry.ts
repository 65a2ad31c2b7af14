// Prometheus metrics (prom-client), one registry per server so that several servers in one process (tests) do not
// share counters. Workers do not import this module: the runtime hands them small callbacks (a delivery's outcome,
// a job's end, a flow run's end) that feed it. Gauges of the control store (pending deliveries, snapshot versions)
// are read at scrape time.
import client from 'prom-client';
import type { Db } from '../store/index.ts';

/** What the rest of the server reports; every method is cheap (no I/O). */
export interface Metrics {
  readonly registry: client.Registry;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  rateLimited(): void;
  delivery(outcome: 'succeeded' | 'failed' | 'retry', seconds: number): void;
  jobFinished(job: FinishedJob): void;
  flowRun(outcome: 'succeeded' | 'failed'): void;
  /** A sign-in through OpenID Connect ended: succeeded, signed-out, or the reason it was refused. */
  signIn(outcome: string): void;
  /** Feeds the snapshot version a node serves for an instance (many nodes: each node reports its own). */
  snapshotVersion(node: string, instanceId: string, version: number): void;
}

export interface FinishedJob {
  operationType: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  tasks: Array<{ operationType: string; status: string; startedAt: string | null; finishedAt: string | null }>;
}

const durationBuckets = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

const seconds = (from: string | null, to: string | null): number | undefined =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

export function createMetrics(opts: { db: Db; node: string; now: () => Date }): Metrics {
  const registry = new client.Registry();
  const registers = [registry];
  const http = new client.Counter({
    name: 'insightflow_http_requests_total',
    help: 'HTTP requests by route template, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers,
  });
  const httpLatency = new client.Histogram({
    name: 'insightflow_http_request_duration_seconds',
    help: 'HTTP request latency by route template.',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });
  const rateLimited = new client.Counter({
    name: 'insightflow_rate_limit_rejections_total',
    help: 'Calls refused with 429 because a connection exceeded its rate limit.',
    registers,
  });
  const deliveries = new client.Counter({
    name: 'insightflow_deliveries_total',
    help: 'Webhook delivery attempts by outcome (succeeded, failed for good, retry scheduled).',
    labelNames: ['outcome'],
    registers,
  });
  const deliveryLatency = new client.Histogram({
    name: 'insightflow_delivery_duration_seconds',
    help: 'Latency of webhook delivery attempts.',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers,
  });
  const jobs = new client.Counter({
    name: 'insightflow_jobs_total',
    help: 'Finished jobs by operation type and status.',
    labelNames: ['operation', 'status'],
    registers,
  });
  const jobDuration = new client.Histogram({
    name: 'insightflow_job_duration_seconds',
    help: 'Duration of finished jobs.',
    labelNames: ['operation', 'status'],
    buckets: durationBuckets,
    registers,
  });
  const tasks = new client.Counter({
    name: 'insightflow_tasks_total',
    help: 'Finished tasks by operation type and status.',
    labelNames: ['operation', 'status'],
    registers,
  });
  const taskDuration = new client.Histogram({
    name: 'insightflow_task_duration_seconds',
    help: 'Duration of tasks that ran.',
    labelNames: ['operation', 'status'],
    buckets: durationBuckets,
    registers,
  });
  const flowRuns = new client.Counter({
    name: 'insightflow_flow_runs_total',
    help: 'Finished flow runs by outcome.',
    labelNames: ['outcome'],
    registers,
  });
  const signIns = new client.Counter({
    name: 'insightflow_sign_ins_total',
    help: 'Sign-ins through OpenID Connect by outcome (succeeded, signed-out, or why one was refused).',
    labelNames: ['outcome'],
    registers,
  });
  const snapshot = new client.Gauge({
    name: 'insightflow_snapshot_version',
    help: 'Newest published snapshot version a node serves, per instance.',
    labelNames: ['node', 'instance'],
    registers,
  });
  new client.Gauge({
    name: 'insightflow_deliveries_pending',
    help: 'Deliveries waiting to be sent (due now or retrying later).',
    registers,
    async collect() {
      this.set(await pendingDeliveries(opts.db).then((p) => p.count));
    },
  });
  new client.Gauge({
    name: 'insightflow_deliveries_oldest_pending_age_seconds',
    help: 'Age of the oldest pending delivery; 0 when none waits.',
    registers,
    async collect() {
      const { oldest } = await pendingDeliveries(opts.db);
      this.set(oldest ? Math.max(0, (opts.now().getTime() - Date.parse(oldest)) / 1000) : 0);
    },
  });
  new client.Gauge({
    name: 'insightflow_up',
    help: 'Always 1; carries the node id as a label.',
    labelNames: ['node'],
    registers,
    collect() {
      this.set({ node: opts.node }, 1);
    },
  });
  return {
    registry,
    httpRequest: (route, method, status, s) => {
      http.inc({ route, method, status: String(status) });
      httpLatency.observe({ route, method }, s);
    },
    rateLimited: () => rateLimited.inc(),
    delivery: (outcome, s) => {
      deliveries.inc({ outcome });
      deliveryLatency.observe({ outcome }, s);
    },
    jobFinished: (job) => {
      jobs.inc({ operation: job.operationType, status: job.status });
      const took = seconds(job.startedAt, job.finishedAt);
      if (took !== undefined) jobDuration.observe({ operation: job.operationType, status: job.status }, took);
      for (const t of job.tasks) {
        tasks.inc({ operation: t.operationType, status: t.status });
        const d = seconds(t.startedAt, t.finishedAt);
        if (d !== undefined) taskDuration.observe({ operation: t.operationType, status: t.status }, d);
      }
    },
    flowRun: (outcome) => flowRuns.inc({ outcome }),
    signIn: (outcome) => signIns.inc({ outcome }),
    snapshotVersion: (node, instance, version) => snapshot.set({ node, instance }, version),
  };
}

async function pendingDeliveries(db: Db): Promise<{ count: number; oldest: string | null }> {
  const r = await db.get<{ n: number; oldest: string | null }>(
    "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM deliveries WHERE status = 'pending'",
  );
  return { count: Number(r?.n ?? 0), oldest: r?.oldest ?? null };
}
