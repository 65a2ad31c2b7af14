// The flow worker: claims due runs and executes their steps in order. Each step's templated fields render over
// { event, steps: { <name>: { output } } }; outputs are kept for later steps and for the run log. A failed step is
// retried with backoff (steps that already succeeded are not repeated); permanent failures — a template error, a
// refused target, invalid input — end the run at once.
import type { Clock } from '../core/clock.ts';
import { errorInfo } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/index.ts';
import { claimDueRuns, getFlow, nextDueRun, saveRun, type RunRecord } from './flows.sql.ts';
import type { Flow, StepResult } from './model.ts';
import type { StepContext } from './steps/index.ts';
import { stepTypes } from './steps/index.ts';
import { renderTemplate } from './template.ts';

/** Delays before the 2nd, 3rd … attempt of a failed run; after the last, the run has failed. */
export const flowRetryDelaysMs = [10_000, 60_000, 300_000, 1_800_000];

const permanentCodes = new Set([
  'TargetRefused',
  'TemplateError',
  'ValidationFailed',
  'BadRequest',
  'InvalidQuery',
  'NotFound',
  'NotConfigured',
]);

export const initialSteps = (flow: Pick<Flow, 'steps'>): StepResult[] =>
  flow.steps.map((s) => ({ name: s.name, status: 'pending', output: null, error: null, attempts: 0 }));

export interface FlowWorkerDeps {
  db: Db;
  /** This node's id: its claims are handed over when its lease expires (expireLostRunClaims). */
  nodeId: string;
  clock: Clock;
  log: Logger;
  /** Step services for one instance (HTTP sender, mailer, item reader). */
  services: (instanceId: string) => Promise<Omit<StepContext, 'render'>>;
  /** Idle poll interval for runs of other nodes, ms; default 500. */
  pollMs?: number;
  /** Runs executed at once; default 4. */
  concurrency?: number;
  /** Told each run that ended (after it is saved), for metrics. */
  onRunFinished?: (status: 'succeeded' | 'failed') => void;
}

export interface FlowWorker {
  start(): void;
  wake(): void;
  /** Executes every due run (tests). */
  drain(): Promise<void>;
  /** Executes a run that is not stored — a flow's test — once, now: a failed step ends it (no retries). */
  test(run: RunRecord): Promise<RunRecord>;
  stop(): Promise<void>;
}

export async function executeRun(deps: FlowWorkerDeps, run: RunRecord): Promise<RunRecord> {
  const flow = await getFlow(deps.db, run.instanceId, run.flowId);
  const now = () => deps.clock.now().toISOString();
  if (!flow) return { ...run, status: 'failed', finishedAt: now(), nextAttemptAt: null };
  const ctxBase = await deps.services(run.instanceId);
  const steps = run.steps.map((s) => ({ ...s }));
  const scope = { event: run.envelope, steps: {} as Record<string, { output: unknown }> };
  for (const s of steps) if (s.status === 'succeeded') scope.steps[s.name] = { output: s.output };
  const attempts = run.attempts + 1;
  for (const [i, def] of flow.steps.entries()) {
    const result = steps[i] ?? { name: def.name, status: 'pending', output: null, error: null, attempts: 0 };
    steps[i] = result;
    if (result.status === 'succeeded') continue;
    const type = stepTypes[def.type];
    result.attempts += 1;
    try {
      if (!type) throw Object.assign(new Error(`unknown step type ${def.type}`), { code: 'ValidationFailed' });
      const config = type.schema.parse(def);
      const { output } = await type.execute(config as never, {
        ...ctxBase,
        event: run.envelope,
        render: (t: string) => renderTemplate(t, scope),
      });
      result.status = 'succeeded';
      result.output = output;
      result.error = null;
      scope.steps[def.name] = { output };
    } catch (err) {
      const info = errorInfo(err);
      const code = (err as { code?: unknown }).code;
      result.status = 'failed';
      result.error = { code: typeof code === 'string' ? code : info.code, message: info.message };
      const permanent = permanentCodes.has(result.error.code) || attempts > flowRetryDelaysMs.length;
      const delay = flowRetryDelaysMs[attempts - 1];
      deps.log.warn('flow step failed', { runId: run.id, step: def.name, code: result.error.code, permanent });
      if (permanent || delay === undefined)
        return { ...run, steps, attempts, status: 'failed', finishedAt: now(), nextAttemptAt: null };
      return {
        ...run,
        steps,
        attempts,
        status: 'running',
        nextAttemptAt: new Date(deps.clock.now().getTime() + delay).toISOString(),
      };
    }
  }
  return { ...run, steps, attempts, status: 'succeeded', finishedAt: now(), nextAttemptAt: null };
}

export function createFlowWorker(deps: FlowWorkerDeps): FlowWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;

  const loop = async () => {
    do {
      again = false;
      for (let i = 0; i < 10_000; i++) {
        const due = await claimDueRuns(deps.db, {
          now: deps.clock.now(),
          leaseMs: 300_000,
          limit: deps.concurrency ?? 4,
          nodeId: deps.nodeId,
        });
        if (due.length === 0) break;
        await Promise.all(
          due.map(async (run) => {
            try {
              const done = await executeRun(deps, run);
              await saveRun(deps.db, done, deps.nodeId);
              if (done.status === 'succeeded' || done.status === 'failed') deps.onRunFinished?.(done.status);
            } catch (err) {
              deps.log.error('flow run crashed', { runId: run.id, ...errorInfo(err) });
            }
          }),
        );
      }
    } while (again);
  };
  const kick = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    // A failing store (a lost connection) must not end the process: the next poll tries again.
    running = loop()
      .catch((err: unknown) => deps.log.error('claiming flow runs failed', errorInfo(err)))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = async () => {
    if (stopped) return;
    const next = await nextDueRun(deps.db).catch(() => undefined);
    // stop() may have come while the next due time was read: arm no timer after it.
    if (stopped) return;
    const idle = deps.pollMs ?? 500;
    const wait = next ? Math.min(idle, Math.max(0, Date.parse(next) - deps.clock.now().getTime())) : idle;
    timer = setTimeout(() => void kick().finally(() => void schedule()), wait);
  };
  return {
    start: () => {
      if (!stopped) return;
      stopped = false;
      void kick().finally(() => void schedule());
    },
    wake: () => {
      if (!stopped) void kick();
    },
    drain: () => kick(),
    test: async (run) => {
      const done = await executeRun(deps, run);
      return done.status === 'running' ? { ...done, status: 'failed', nextAttemptAt: null } : done;
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
