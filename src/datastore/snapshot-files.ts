// Published versions as files on the shared directory (SPEC §10): each version of an entity is a folder
// `<snapshots>/<instance>/<Entity__vN>/` holding one sorted Parquet file per physical table (the version's table, or
// the backing tables of a view such as SegmentMembership) and `manifest.json` (the parts, and the view's definition).
// A view over log parts (SegmentMembershipChanges) names the parts' own folders, `<snapshots>/<instance>/<Entity__logN>/`,
// which every version that reads a part shares; a part's folder is queued for removal when a version stops reading it.
// A version is written into a temporary folder and renamed into place, then recorded in the catalog: a node that
// finds a version in the catalog finds it whole. Other nodes load it into their local DuckDB (tables in file order,
// so pages that walk rowids keep working) before they serve it.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from './engine.ts';
import { backingPattern, logPartsRead, quoteIdent, sqlString, unquoteIdent } from './schema.ts';

interface Manifest {
  /** Physical table names (unquoted) and their files, relative to the version's folder. */
  parts: Array<{ table: string; file: string }>;
  /** CREATE VIEW statement when the version is a view over its parts. */
  view: string | null;
}

/** The folder of one published version. */
export const versionDir = (snapshotsDir: string, instanceId: string, table: string): string =>
  path.join(snapshotsDir, instanceId, unquoteIdent(table));

/** Writes a staged version to the shared directory (whole, or not at all). */
export async function exportVersion(
  conn: DuckDBConnection,
  opts: { snapshotsDir: string; instanceId: string; table: string },
): Promise<void> {
  const name = unquoteIdent(opts.table);
  const final = versionDir(opts.snapshotsDir, opts.instanceId, opts.table);
  const tmp = `${final}.tmp-${process.pid}-${Date.now().toString(36)}`;
  mkdirSync(tmp, { recursive: true });
  try {
    const views = await queryRows(conn, 'SELECT sql FROM duckdb_views() WHERE NOT internal AND view_name = ?', [name]);
    const backing = await queryRows(
      conn,
      'SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?) AND regexp_matches(table_name, ?) ORDER BY 1',
      [`${name}__`, backingPattern],
    );
    // A view over backing tables of its own version, or over log parts, travels as those tables and its definition;
    // a view over anything else travels as its rows, a table elsewhere. Log parts are files of their own, shared by
    // the versions that read them: written once, by the version whose job made the part.
    const entity = name.replace(/__v[0-9]+$/, '');
    const shared = views.length > 0 && backing.length === 0 ? logPartsRead(views[0]!.sql as string, entity) : [];
    const asView = views.length > 0 && (backing.length > 0 || shared.length > 0);
    const tables = [...(asView ? [] : [name]), ...backing.map((r) => r.table_name as string)];
    const parts = tables.map((table, i) => ({ table, file: `part${i}.parquet` }));
    for (const p of parts) await writeParquet(conn, p.table, path.join(tmp, p.file));
    for (const table of shared) {
      const own = table === `${entity}__log${name.slice(entity.length + '__v'.length)}`;
      if (own || !existsSync(versionDir(opts.snapshotsDir, opts.instanceId, table)))
        await exportVersion(conn, { ...opts, table: quoteIdent(table) });
      parts.push({ table, file: path.join('..', table, 'part0.parquet') });
    }
    const manifest: Manifest = { parts, view: asView ? (views[0]!.sql as string) : null };
    writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest));
    // A folder left by a job that exported this version number and was not published (one job per instance runs
    // at a time, so nothing reads it).
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

// DuckDB's own row group size (122,880 rows): nodes load the files into their local DuckDB rather than read them
// in place (ADR 0009), and small groups cost a wide table (SegmentMembership's flags) 2.5 times the CPU to write
// and more to load (ADR 0095).
const writeParquet = (conn: DuckDBConnection, table: string, file: string) =>
  conn.run(`COPY (SELECT * FROM ${quoteIdent(table)}) TO ${sqlString(file)} (FORMAT parquet)`);

/** Loads a published version from the shared directory into the local DuckDB. */
export async function loadVersion(
  conn: DuckDBConnection,
  opts: { snapshotsDir: string; instanceId: string; table: string },
): Promise<void> {
  const dir = versionDir(opts.snapshotsDir, opts.instanceId, opts.table);
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file))
    throw new Error(`the files of ${unquoteIdent(opts.table)} are missing from the shared directory (${dir})`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  for (const p of manifest.parts)
    await conn.run(
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(p.table)} AS SELECT * FROM read_parquet(${sqlString(path.join(dir, p.file))})`,
    );
  if (manifest.view) await conn.run(manifest.view.replace(/^CREATE VIEW /i, 'CREATE VIEW IF NOT EXISTS '));
}

/** Removes the files of versions no longer published. */
export function removeVersionFiles(snapshotsDir: string, instanceId: string, tables: string[]): void {
  for (const t of tables) rmSync(versionDir(snapshotsDir, instanceId, t), { recursive: true, force: true });
}
