// The dimension rule of measure-threshold-crossed triggers: a measure defined with dimensions needs `dimension`
// naming a value for each of its dimensions (and no other key); a measure without dimensions takes none.
import { AppError } from '../core/errors.ts';
import type { MeasureDimensionCheck } from '../events/index.ts';
import { getMeasure } from './insights.sql.ts';

export const checkMeasureDimension: MeasureDimensionCheck = async (db, instanceId, measureId, dimension) => {
  const measure = await getMeasure(db, instanceId, measureId);
  if (!measure) throw new AppError('ValidationFailed', `measureId: no measure ${measureId}`);
  const dims = measure.dimensions;
  if (dims.length === 0) {
    if (dimension !== undefined)
      throw new AppError('ValidationFailed', `dimension: measure ${measure.name} has no dimensions; leave it out`);
    return;
  }
  if (dimension === undefined)
    throw new AppError(
      'ValidationFailed',
      `dimension is required: measure ${measure.name} has dimensions ${dims.join(', ')}, e.g. {"${dims[0]}": "…"}`,
    );
  const missing = dims.filter((d) => !(d in dimension));
  const unknown = Object.keys(dimension).filter((k) => !dims.includes(k));
  if (missing.length || unknown.length)
    throw new AppError(
      'ValidationFailed',
      `dimension must name a value for exactly ${dims.join(', ')}` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
    );
};
