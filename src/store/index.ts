// Public face of the control store: open the configured engine and bring its schema up to date.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite } from './sqlite.ts';

export type { Db, Dialect, SqlValue, TxOptions } from './db.ts';
export { detached } from './ambient.ts';
export { fromJson, inChunks, skipLocked, toJson } from './db.ts';
export { migrate } from './migrate.ts';
export { openPostgres } from './postgres.ts';
export { openSqlite } from './sqlite.ts';

export async function openStore(opts: {
  dataDir: string;
  databaseUrl: string | undefined;
  schema?: string;
}): Promise<Db> {
  let db: Db;
  if (opts.databaseUrl) {
    db = await openPostgres({ connectionString: opts.databaseUrl, ...(opts.schema ? { schema: opts.schema } : {}) });
  } else {
    mkdirSync(opts.dataDir, { recursive: true });
    db = openSqlite(path.join(opts.dataDir, 'control.sqlite'));
  }
  await migrate(db);
  return db;
}
