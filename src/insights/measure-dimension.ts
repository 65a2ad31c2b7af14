// The dimension rule of measure-threshold-crossed triggers: a measure defined with dimensions needs `dimension`
// naming a value for each of its dimensions (and no other key); a measure without dimensions takes none.
import { AppError } from '../core/errors.ts';
import type { MeasureDimensionCheck } from '../events/index.ts';
import type { Db } from '../store/index.ts';
import { historyOf } from './history.ts';
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
  // Once the measure was evaluated, its values are known: a combination it never produced names nothing.
  const known = await dimensionValues(db, instanceId, measureId);
  const key = (d: Record<string, unknown>) => JSON.stringify(dims.map((k) => dimensionText(d[k])));
  if (known.length > 0 && !known.some((d) => key(d) === key(dimension)))
    throw new AppError(
      'ValidationFailed',
      `dimension: measure ${measure.name} has no value for ${JSON.stringify(dimension)} at its last evaluation` +
        ` (known: ${known
          .slice(0, 5)
          .map((d) => JSON.stringify(d))
          .join(', ')}${known.length > 5 ? ', …' : ''})`,
    );
};

/** A dimension value as text, so that "2026" picked in a drop-down names the value 2026. */
export const dimensionText = (v: unknown): string =>
  v !== null && typeof v === 'object' ? JSON.stringify(v) : `${(v ?? '') as string | number | boolean}`;

/** The dimension values of a measure's last evaluation (none before the first). */
export async function dimensionValues(
  db: Db,
  instanceId: string,
  measureId: string,
): Promise<Array<Record<string, unknown>>> {
  const history = (await historyOf(db, instanceId, measureId)).get(measureId) ?? [];
  return (history[history.length - 1]?.values ?? []).map((v) => v.dimension);
}
