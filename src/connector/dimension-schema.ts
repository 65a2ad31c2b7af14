// The picker of a measure trigger's dimension: a JSON Schema with one property per dimension attribute of the
// measure, each offering the values of its last evaluation (enum), so the flow designer shows a drop-down per
// dimension (x-ms-dynamic-schema on the trigger's dimension parameter).
import { AppError } from '../core/errors.ts';
import { dimensionText, dimensionValues, getMeasure } from '../insights/index.ts';
import type { Db } from '../store/index.ts';
import type { JsonSchema } from './json-schema.ts';

export async function measureDimensionSchema(db: Db, instanceId: string, measureId: string): Promise<JsonSchema> {
  const measure = await getMeasure(db, instanceId, measureId);
  if (!measure) throw new AppError('NotFound', `measure ${measureId} not found`);
  const known = await dimensionValues(db, instanceId, measureId);
  const properties = Object.fromEntries(
    measure.dimensions.map((d) => {
      const values = [...new Set(known.map((v) => dimensionText(v[d])))].sort();
      return [
        d,
        {
          type: 'string',
          'x-ms-summary': d,
          description: `The ${d} value of the series to watch.`,
          ...(values.length ? { enum: values } : {}),
        },
      ];
    }),
  );
  return {
    type: 'object',
    title: `Dimensions of ${measure.name}`,
    properties,
    ...(measure.dimensions.length ? { required: measure.dimensions } : {}),
  };
}
