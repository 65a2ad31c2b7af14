// The one SELECT a database data source runs: the table or the client's query, above the high-water mark when the
// refresh is incremental, bounded by the row limit. The client's query is wrapped as a subquery, so that it is one
// statement; the read-only transaction around it is what guarantees that nothing is changed.
import type { DataSource } from './model.ts';

export interface SelectDialect {
  quoteIdent: (name: string) => string;
  literal: (value: string) => string;
}

export const postgresDialect: Pick<SelectDialect, 'quoteIdent'> = {
  quoteIdent: (n) => `"${n.replaceAll('"', '""')}"`,
};
export const mysqlDialect: Pick<SelectDialect, 'quoteIdent'> = {
  quoteIdent: (n) => `\`${n.replaceAll('`', '``')}\``,
};

export function selectSql(
  options: DataSource['options'],
  dialect: SelectDialect,
  opts: { mark: string | null; limit?: number },
): string {
  const q = dialect.quoteIdent;
  const from = options.table
    ? options.table.split('.').map(q).join('.')
    : `(${(options.query ?? '').replace(/;\s*$/, '')}) AS ${q('insightflow_q')}`;
  const column = options.incremental?.column;
  const where = column && opts.mark !== null ? ` WHERE ${q(column)} > ${dialect.literal(opts.mark)}` : '';
  const limit = opts.limit ?? options.rowLimit;
  const order = column && limit !== undefined ? ` ORDER BY ${q(column)}` : '';
  return `SELECT * FROM ${from}${where}${order}${limit !== undefined ? ` LIMIT ${limit}` : ''}`;
}
