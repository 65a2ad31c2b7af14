// Checks the parameters a trigger needs, for every kind of subscriber (webhooks, Power Automate, flows): the right
// ones present, none that does not apply, and the data source, segment or measure they name existing in the instance.
import { AppError } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import type { EventType } from './catalog.ts';
import type { TriggerParams } from './subscriptions.ts';

const applies: Record<EventType, Array<keyof TriggerParams>> = {
  'datasource.refresh.failed': ['dataSourceId'],
  'datasource.refresh.succeeded': ['dataSourceId'],
  'segment.threshold.crossed': ['segmentId', 'threshold', 'direction', 'hysteresis'],
  'measure.threshold.crossed': ['measureId', 'threshold', 'direction', 'hysteresis', 'dimension'],
  'refresh.full.completed': ['includeManual'],
  'unification.completed': [],
  'segment.membership.changed': ['segmentId', 'change', 'perProfile', 'maxProfiles'],
};

const invalid = (message: string) => new AppError('ValidationFailed', message);

/** Extra checks of a measure trigger's dimension, supplied by the insights module (dimension required exactly when
 * the measure has dimensions, with known dimension attributes). */
export type MeasureDimensionCheck = (
  db: Db,
  instanceId: string,
  measureId: string,
  dimension: Record<string, unknown> | undefined,
) => Promise<void>;

export async function validateTriggerParams(
  db: Db,
  instanceId: string,
  types: EventType[],
  params: TriggerParams,
  opts: { checkMeasureDimension?: MeasureDimensionCheck } = {},
): Promise<void> {
  const allowed = new Set(types.flatMap((t) => applies[t]));
  for (const key of Object.keys(params) as Array<keyof TriggerParams>) {
    if (params[key] !== undefined && !allowed.has(key)) throw invalid(`${key} does not apply to ${types.join(', ')}`);
  }
  const exists = async (table: string, id: string) =>
    (await db.get(`SELECT id FROM ${table} WHERE instance_id = ? AND id = ?`, [instanceId, id])) !== undefined;
  if (params.dataSourceId !== undefined && !(await exists('data_sources', params.dataSourceId)))
    throw invalid(`dataSourceId: no data source ${params.dataSourceId}`);
  if (types.includes('segment.threshold.crossed')) {
    if (params.segmentId === undefined) throw invalid('segmentId is required for segment-threshold-crossed');
    if (!(await exists('segments', params.segmentId))) throw invalid(`segmentId: no segment ${params.segmentId}`);
  }
  if (types.includes('segment.membership.changed')) {
    if (params.segmentId === undefined) throw invalid('segmentId is required for segment-membership-changed');
    if (!(await exists('segments', params.segmentId))) throw invalid(`segmentId: no segment ${params.segmentId}`);
    if (params.maxProfiles !== undefined && params.perProfile !== true)
      throw invalid('maxProfiles applies only with perProfile: true');
  }
  if (types.includes('measure.threshold.crossed')) {
    if (params.measureId === undefined) throw invalid('measureId is required for measure-threshold-crossed');
    if (!(await exists('measures', params.measureId))) throw invalid(`measureId: no measure ${params.measureId}`);
    await opts.checkMeasureDimension?.(db, instanceId, params.measureId, params.dimension);
  }
  if (
    (types.includes('segment.threshold.crossed') || types.includes('measure.threshold.crossed')) &&
    params.threshold === undefined
  ) {
    throw invalid('threshold is required for threshold triggers');
  }
}
