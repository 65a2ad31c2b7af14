// Checks segment queries and measure definitions against the scope queries see — Customer with the unified
// attributes of the current unification configuration, and the published entities — so that segments and measures
// can be defined before the first refresh, and a bad one is refused with a message that points at the problem.
import { AppError } from '../core/errors.ts';
import { quoteIdent } from '../datastore/schema.ts';
import type { InsightsScope, ScopedEntity } from './links.ts';
import type { MeasureDefinition } from './model.ts';
import { isColumnName } from './model.ts';
import { compileFilter } from '../datastore/odata/index.ts';
import { businessMeasureSql, customerMeasureSql, filterOptions, measureEntity, measureLink } from './sql.ts';

const invalid = (message: string) => new AppError('ValidationFailed', message);

/** Re-throws a query error with the field it belongs to ("query: at position 7: unknown attribute …"). */
function inField<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AppError && err.code === 'InvalidQuery')
      throw new AppError('InvalidQuery', `${field}: ${err.message}`);
    throw err;
  }
}

const noCustomer = () =>
  invalid(
    'Customer has no attributes yet: set the unification configuration (PUT …/manage/unification) before ' +
      'defining segments',
  );

export function checkSegmentQuery(query: string, scope: InsightsScope): void {
  if (!scope.customer) throw noCustomer();
  const customer = scope.customer;
  inField('query', () => compileFilter(query, customer, filterOptions(scope)));
}

const numeric = (t: string) => t === 'integer' || t === 'decimal';

function checkAttributes(def: MeasureDefinition, entity: ScopedEntity): void {
  const find = (field: string, name: string) => {
    const a = entity.attributes.find((x) => x.name === name);
    if (!a) {
      const near = entity.attributes.find((x) => x.name.toLowerCase() === name.toLowerCase());
      throw invalid(
        `${field}: unknown attribute '${name}' of ${entity.name}${near ? ` (did you mean '${near.name}'?)` : ''}`,
      );
    }
    return a;
  };
  if (def.attribute === null) {
    if (def.aggregation !== 'count') throw invalid(`attribute is required for ${def.aggregation}`);
  } else {
    const a = find('attribute', def.attribute);
    if (['sum', 'avg', 'min', 'max'].includes(def.aggregation) && !numeric(a.type))
      throw invalid(`attribute: ${def.aggregation} needs a number, and '${a.name}' is a ${a.type}`);
  }
  def.dimensions.forEach((d, i) => {
    find(`dimensions.${i}`, d);
    if (def.dimensions.indexOf(d) !== i) throw invalid(`dimensions.${i}: '${d}' is named twice`);
  });
}

/** Checks a measure; `name` becomes the column of a customer measure in CustomerMeasures. */
export function checkMeasure(name: string, def: MeasureDefinition, scope: InsightsScope): void {
  if (def.entity === 'CustomerMeasures') throw invalid('entity: a measure cannot aggregate CustomerMeasures');
  const entity = measureEntity(def, scope);
  if (!entity) {
    if (def.entity === 'Customer') throw noCustomer();
    const known = ['Customer', ...scope.entities.keys()].filter((n) => n !== 'CustomerMeasures');
    throw invalid(`entity: unknown entity ${def.entity}; known: ${known.join(', ')}`);
  }
  checkAttributes(def, entity);
  if (def.kind === 'business') {
    if (def.link) throw invalid('link applies to customer measures only');
    inField('filter', () => businessMeasureSql(def, entity, scope));
    return;
  }
  if (def.dimensions.length)
    throw invalid('dimensions: a customer measure has one value per customer; use a business measure for dimensions');
  if (!isColumnName(name))
    throw invalid(
      `name: a customer measure is a column ${quoteIdent(name)} of CustomerMeasures, so its name must start with a ` +
        'letter and hold only letters, digits and underscores (not CustomerId)',
    );
  const link = measureLink(def, entity, scope);
  if ('problem' in link) throw invalid(`entity: ${link.problem}`);
  inField('filter', () => customerMeasureSql(def, entity, link, scope));
}
