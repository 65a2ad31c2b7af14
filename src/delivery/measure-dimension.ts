// The dimension rule of measure-threshold-crossed triggers, kept here until the insights module owns measures: a
// measure defined with dimensions needs `dimension` naming a value for each of them; one without takes none.
// Extend this (or replace it in src/http/runtime.ts) when measure definitions learn more.
import { AppError } from '../core/errors.ts';
import type { MeasureDimensionCheck } from '../events/index.ts';
import { fromJson } from '../store/index.ts';

export const checkMeasureDimension: MeasureDimensionCheck = async (db, instanceId, measureId, dimension) => {
  const row = await db.get<{ definition: string }>('SELECT definition FROM measures WHERE instance_id = ? AND id = ?', [
    instanceId,
    measureId,
  ]);
  if (!row) throw new AppError('ValidationFailed', `measureId: no measure ${measureId}`);
  const def = fromJson<{ dimensions?: unknown }>(row.definition);
  const dims = Array.isArray(def.dimensions) ? def.dimensions.filter((d): d is string => typeof d === 'string') : [];
  if (dims.length === 0) {
    if (dimension !== undefined)
      throw new AppError('ValidationFailed', `dimension: measure ${measureId} has no dimensions`);
    return;
  }
  if (dimension === undefined)
    throw new AppError('ValidationFailed', `dimension is required: measure ${measureId} has dimensions ${dims.join(', ')}`);
  const missing = dims.filter((d) => !(d in dimension));
  const unknown = Object.keys(dimension).filter((k) => !dims.includes(k));
  if (missing.length || unknown.length)
    throw new AppError(
      'ValidationFailed',
      `dimension must name a value for exactly ${dims.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
};
