// The delivery worker: claims due deliveries in batches (leased, so several processes never send the same attempt
// twice), sends them signed through the guarded HTTP sender with bounded concurrency, and records outcomes in batched
// transactions. Woken in-process after each emitting commit; also polls for other nodes' rows, due retries and
// expired leases (a crashed worker's claims). Delivery is at-least-once: a crash after sending and before recording
// sends again once the lease expires — or at once when the sweeper finds the claiming node's lease expired
// (expireLostClaims) — with the same webhook-id, and the lost attempt appears in the delivery's log.
import type { Clock } from '../core/clock.ts';
import { errorInfo } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { memoDecrypt } from '../core/secrets.ts';
import { disableSubscription } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import type { ClaimedDelivery, Completion, DeliveryTarget } from './deliveries.sql.ts';
import { abandonDeliveries, claimDeliveries, completeDeliveries, deliveryTargets } from './deliveries.sql.ts';
import type { HttpRequest, HttpResult } from './http-sender.ts';
import { attemptError, judgeAttempt } from './outcome.ts';
import { renderDelivery } from './payload.ts';

export interface DeliveryWorkerDeps {
  db: Db;
  /** The node this worker runs on; its claims name it, so that the sweeper can hand them over if the node dies. */
  nodeId: string;
  clock: Clock;
  log: Logger;
  /** The guarded HTTP sender (bound to the target address allow-list). */
  send: (req: HttpRequest) => Promise<HttpResult>;
  /** The server key the subscriptions' signing secrets are encrypted with. */
  secretKey: Buffer;
  /** Retry delays in ms (config.retrySchedule, parsed). */
  schedule: readonly number[];
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Deliveries in flight at once; default 64. */
  concurrency?: number;
  /** Idle poll interval for other nodes' rows, due retries and expired leases, ms; default 250. */
  pollMs?: number;
  /** How long a claim holds a delivery, ms; must exceed the longest attempt. Default 60,000. */
  leaseMs?: number;
  /** Time allowed until response headers and between body chunks, ms; default 15,000. */
  responseTimeoutMs?: number;
  /** Told each recorded attempt (after its commit), for metrics. */
  onOutcome?: (outcome: 'succeeded' | 'failed' | 'retry', latencyMs: number) => void;
}

export interface DeliveryWorker {
  /** Starts polling (a stopped run's claims were handed over by the node's sweeper at its start). */
  start(): Promise<void>;
  /** Claims due deliveries now (called after an emitting commit). */
  wake(): void;
  /** Sends everything due and records the outcomes (tests and benchmarks). */
  drain(): Promise<void>;
  /** Stops claiming, waits for deliveries in flight and records them. */
  stop(): Promise<void>;
}

export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const concurrency = deps.concurrency ?? 64;
  const random = deps.random ?? Math.random;
  const decrypt = memoDecrypt(deps.secretKey);
  const sending = new Set<Promise<void>>();
  let completions: Completion[] = [];
  let abandoned: ClaimedDelivery[] = [];
  let disables: Array<{ subscriptionId: string; reason: string }> = [];
  let stopped = true;
  let cycling: Promise<number> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  const attempt = async (d: ClaimedDelivery, target: DeliveryTarget | undefined) => {
    if (!target?.enabled) {
      abandoned.push(d);
      return;
    }
    const started = deps.clock.now();
    const { body, headers } = renderDelivery(d, { format: target.format, keys: target, now: started });
    const result = await deps.send({
      method: 'POST',
      url: target.url,
      headers,
      body,
      responseTimeoutMs: deps.responseTimeoutMs ?? 15_000,
    });
    const now = deps.clock.now();
    const verdict = judgeAttempt({
      result,
      attempt: d.roundAttempts + 1,
      firstAttemptAt: d.firstAttemptAt ? new Date(d.firstAttemptAt) : started,
      now,
      schedule: deps.schedule,
      random,
    });
    if (verdict.kind === 'failed') {
      deps.log.warn('delivery failed', { deliveryId: d.id, subscriptionId: d.subscriptionId, reason: verdict.reason });
      if (verdict.disableSubscription) disables.push({ subscriptionId: d.subscriptionId, reason: verdict.reason });
    }
    completions.push({
      delivery: d,
      at: started.toISOString(),
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: attemptError(result),
      response: result.body,
      status: verdict.kind === 'retry' ? 'pending' : verdict.kind,
      nextAttemptAt: verdict.kind === 'retry' ? new Date(now.getTime() + verdict.delayMs).toISOString() : null,
    });
  };

  const launch = (d: ClaimedDelivery, target: DeliveryTarget | undefined) => {
    const p: Promise<void> = attempt(d, target)
      .catch((err: unknown) => deps.log.error('delivery attempt crashed', errorInfo(err)))
      .finally(() => {
        sending.delete(p);
        // Refill at half capacity so claims and outcomes go in batches; the poll records stragglers.
        if (sending.size <= concurrency / 2) void kick();
      });
    sending.add(p);
  };

  /** One transaction: record the outcomes gathered since the last cycle and claim as many due deliveries as there
   * is room for. Under load outcomes pile up while a cycle commits, so batches grow with the rate. */
  const cycle = async (): Promise<number> => {
    const done = completions;
    const gone = abandoned;
    const off = disables;
    completions = [];
    abandoned = [];
    disables = [];
    const room = stopped ? 0 : concurrency - sending.size;
    const now = deps.clock.now();
    try {
      const claimed = await deps.db.tx(
        async (tx) => {
          await completeDeliveries(tx, done);
          await abandonDeliveries(tx, gone, now.toISOString());
          for (const d of off) await disableSubscription(tx, d.subscriptionId, d.reason, now);
          if (room <= 0) return { batch: [], targets: new Map<string, DeliveryTarget>() };
          const batch = await claimDeliveries(tx, {
            now,
            leaseMs: deps.leaseMs ?? 60_000,
            limit: room,
            nodeId: deps.nodeId,
          });
          const targets =
            batch.length > 0
              ? await deliveryTargets(tx, [...new Set(batch.map((d) => d.subscriptionId))], decrypt)
              : new Map<string, DeliveryTarget>();
          return { batch, targets };
          // Claims and outcomes only: losing them to a power failure sends those deliveries again (at-least-once), so
          // they skip the fsync; the events themselves were committed in full by their emitting transactions.
        },
        { flush: 'lazy' },
      );
      for (const c of done) deps.onOutcome?.(c.status === 'pending' ? 'retry' : c.status, c.latencyMs);
      for (const d of claimed.batch) launch(d, claimed.targets.get(d.subscriptionId));
      return claimed.batch.length;
    } catch (err) {
      // Unrecorded outcomes are sent again once their leases expire: at-least-once holds.
      deps.log.error('delivery cycle failed', errorInfo(err));
      return 0;
    }
  };
  const kick = (): Promise<number> => {
    if (cycling) {
      again = true;
      return cycling;
    }
    cycling = (async () => {
      let claimed = 0;
      for (let i = 0; i < 1_000_000; i++) {
        again = false;
        claimed += await cycle();
        if (!again && completions.length === 0 && abandoned.length === 0) break;
      }
      return claimed;
    })().finally(() => {
      cycling = null;
    });
    return cycling;
  };
  const wake = () => {
    if (!stopped) void kick();
  };
  const poll = () => {
    if (stopped) return;
    timer = setTimeout(() => void kick().finally(poll), deps.pollMs ?? 250);
  };

  return {
    start: async () => {
      if (!stopped) return;
      stopped = false;
      wake();
      poll();
    },
    wake,
    drain: async () => {
      const wasStopped = stopped;
      stopped = false;
      try {
        for (let i = 0; i < 100_000; i++) {
          const claimed = await kick();
          await Promise.all([...sending]);
          await kick();
          if (claimed === 0 && sending.size === 0 && completions.length === 0) break;
        }
      } finally {
        stopped = wasStopped;
      }
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await cycling;
      await Promise.all([...sending]);
      await kick();
    },
  };
}
