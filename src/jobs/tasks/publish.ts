// The publish task: every derived entity the job staged (Customer, ConflationMap, SegmentMembership, measure
// outputs) is written to the shared directory, then becomes visible in one transaction, together with evaluation
// history and threshold events. Readers switch from the previous snapshot to this one at once (other nodes load it
// from the shared directory first); replaced tables are dropped after commit.
import type { DataStore } from '../../datastore/index.ts';
import { dropEntityVersion, publishEntities } from '../../datastore/index.ts';
import type { TaskExecutor } from '../runner.ts';
import { exportStaged } from './staged-files.ts';

export function publishTask(deps: { dataStore: DataStore; snapshotsDir: string }): TaskExecutor {
  return {
    run: async (ctx) => {
      for (const step of ctx.staging.assembleSteps()) await step();
      await exportStaged(ctx, deps.snapshotsDir);
      return { entities: ctx.staging.staged().map((e) => e.name) };
    },
    finish: async (tx, ctx, outcome) => {
      const staging = ctx.staging;
      // Unpublished staged tables are dropped by the runner when the job ends.
      if (!staging || outcome.status !== 'succeeded') return;
      const data = await deps.dataStore.instance(ctx.instanceId);
      const replaced = await publishEntities(tx, ctx.instanceId, staging.staged(), {
        jobId: ctx.job.id,
        now: ctx.clock.now(),
      });
      for (const hook of staging.publishHooks()) await hook(tx);
      tx.afterCommit(() => {
        for (const t of replaced) void data.write((c) => dropEntityVersion(c, t)).catch(() => undefined);
      });
    },
  };
}
