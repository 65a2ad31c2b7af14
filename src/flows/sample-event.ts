// A sample event for testing a flow: the newest stored event of the flow's trigger in the instance that fits its
// parameters (the same data source, segment or measure) — the real thing — or, when none has happened yet, one made up from the trigger's parameters with the named data source, segment or
// measure and plausible values, so that every template field of the steps has something to show.
import { newId } from '../core/ids.ts';
import { triggers, type EventEnvelope, type EventType } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import { fromJson } from '../store/index.ts';
import type { Flow } from './model.ts';

export interface SampleEvent {
  envelope: EventEnvelope;
  /** `stored`: the newest real event of the trigger; `made up`: built from the trigger's parameters. */
  source: 'stored' | 'made up';
}

/** What a made-up membership event needs from outside the control store. */
export interface SampleSources {
  /** The absolute changesLink of the segment's changes in a job. */
  changesLink(segmentId: string, jobId: string): string;
  /** A unified profile to stand in for a changed customer: a member of the segment, else any; null without data. */
  profile(segmentId: string): Promise<Record<string, unknown> | null>;
}

interface Named {
  name: string;
  owners: string[];
}

async function named(db: Db, table: string, instanceId: string, id: unknown): Promise<Named | null> {
  if (typeof id !== 'string') return null;
  const r = await db.get<{ name: string; owners: string }>(
    `SELECT name, owners FROM ${table} WHERE instance_id = ? AND id = ?`,
    [instanceId, id],
  );
  return r ? { name: r.name, owners: fromJson<string[]>(r.owners) } : null;
}

async function madeUpData(
  db: Db,
  flow: Flow,
  type: EventType,
  now: Date,
  sources: SampleSources,
): Promise<Record<string, unknown>> {
  const t = flow.trigger as Record<string, unknown>;
  const at = now.toISOString();
  const jobId = 'job_sample';
  const times = { startedAt: new Date(now.getTime() - 4_000).toISOString(), finishedAt: at, durationMs: 4_000 };
  const threshold = typeof t.threshold === 'number' ? t.threshold : 100;
  const crossing = {
    threshold,
    direction: t.direction === 'below' ? 'below' : 'above',
    previousValue: t.direction === 'below' ? threshold + 1 : threshold,
    currentValue: t.direction === 'below' ? threshold - 1 : threshold + 1,
    evaluatedAt: at,
    jobId,
  };
  switch (type) {
    case 'datasource.refresh.failed':
    case 'datasource.refresh.succeeded': {
      // Any data source: the instance's first one stands in.
      const first = await db.get<{ id: string }>(
        'SELECT id FROM data_sources WHERE instance_id = ? ORDER BY created_at, id LIMIT 1',
        [flow.instanceId],
      );
      const id = typeof t.dataSourceId === 'string' ? t.dataSourceId : (first?.id ?? 'ds_sample');
      const ds = (await named(db, 'data_sources', flow.instanceId, id)) ?? {
        name: 'Sample data source',
        owners: ['owner@example.com'],
      };
      const failed = type === 'datasource.refresh.failed';
      return {
        dataSourceId: id,
        dataSourceName: ds.name,
        owners: ds.owners,
        jobId,
        submissionKind: 'scheduled',
        status: failed ? 'failed' : 'succeeded',
        ...times,
        rowsIngested: failed ? 0 : 1_000,
        error: failed ? { code: 'InvalidFile', message: 'line 42: a quoted field is not terminated' } : null,
      };
    }
    case 'segment.threshold.crossed': {
      const seg = await named(db, 'segments', flow.instanceId, t.segmentId);
      return {
        segmentId: t.segmentId,
        segmentName: seg?.name ?? 'Sample segment',
        owners: seg?.owners ?? [],
        ...crossing,
      };
    }
    case 'measure.threshold.crossed': {
      const m = await named(db, 'measures', flow.instanceId, t.measureId);
      return {
        measureId: t.measureId,
        measureName: m?.name ?? 'Sample measure',
        owners: m?.owners ?? [],
        dimension: t.dimension ?? null,
        ...crossing,
      };
    }
    case 'refresh.full.completed':
      return { jobId, submissionKind: 'scheduled', status: 'succeeded', ...times, tasks: [] };
    case 'unification.completed':
      return {
        jobId,
        status: 'succeeded',
        sourceRecords: 1_000,
        unifiedProfiles: 800,
        matchedRecords: 200,
        matchesPerRule: { 'rule 1': 200 },
        ...times,
        error: null,
      };
    case 'segment.membership.changed': {
      const segmentId = typeof t.segmentId === 'string' ? t.segmentId : 'seg_sample';
      const seg = await named(db, 'segments', flow.instanceId, segmentId);
      const change = t.change === 'exited' ? 'exited' : 'entered';
      const summary = {
        segmentId,
        segmentName: seg?.name ?? 'Sample segment',
        owners: seg?.owners ?? [],
        entered: change === 'entered' ? 1 : 0,
        exited: change === 'exited' ? 1 : 0,
        memberCount: 100,
        evaluatedAt: at,
        jobId,
        changesLink: sources.changesLink(segmentId, jobId),
        truncated: false,
      };
      if (t.perProfile !== true) return summary;
      const profile = await sources.profile(segmentId);
      const customerId = typeof profile?.CustomerId === 'string' ? profile.CustomerId : 'cus_sample';
      return { ...summary, customerId, change, profile: profile ?? { CustomerId: customerId } };
    }
  }
}

export async function sampleEvent(db: Db, flow: Flow, now: Date, sources: SampleSources): Promise<SampleEvent> {
  const type = (triggers as Record<string, EventType | undefined>)[flow.trigger.type];
  if (type) {
    // The newest of the recent events of the trigger that fits its parameters (the same segment, measure, source).
    const rows = await db.all<{ id: string; type: EventType; time: string; data: string }>(
      'SELECT id, type, time, data FROM events WHERE instance_id = ? AND type = ? ORDER BY position DESC LIMIT 200',
      [flow.instanceId, type],
    );
    const t = flow.trigger as Record<string, unknown>;
    const fits = (data: Record<string, unknown>) =>
      ['dataSourceId', 'segmentId', 'measureId'].every((k) => t[k] === undefined || data[k] === t[k]);
    for (const r of rows) {
      const data = fromJson<Record<string, unknown>>(r.data);
      if (!fits(data)) continue;
      return {
        source: 'stored',
        envelope: {
          id: r.id,
          type: r.type,
          time: r.time,
          instanceId: flow.instanceId,
          subscriptionId: flow.subscriptionId,
          sequence: 0,
          data,
        },
      };
    }
  }
  return {
    source: 'made up',
    envelope: {
      id: newId('evt'),
      type: type ?? (flow.trigger.type as EventType),
      time: now.toISOString(),
      instanceId: flow.instanceId,
      subscriptionId: flow.subscriptionId,
      sequence: 0,
      data: type ? await madeUpData(db, flow, type, now, sources) : {},
    },
  };
}
