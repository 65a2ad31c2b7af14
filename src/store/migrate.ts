// Forward-only numbered migrations, the same files for both engines. On PostgreSQL an advisory lock keeps two nodes
// from migrating at once.
import type { Db } from './db.ts';
import m0001 from './migrations/0001_foundation.ts';
import m0002 from './migrations/0002_events.ts';
import m0003 from './migrations/0003_insights_flows.ts';
import m0004 from './migrations/0004_delivery_rounds.ts';
import m0007 from './migrations/0007_flow_run_envelope.ts';
import m0012 from './migrations/0012_server_secrets.ts';
import m0013 from './migrations/0013_nodes.ts';
import m0014 from './migrations/0014_connection_last_used.ts';
import m0015 from './migrations/0015_rate_limit_windows.ts';
import m0017 from './migrations/0017_source_high_water_mark.ts';
import m0033 from './migrations/0033_snapshots.ts';
import m0018 from './migrations/0018_audit.ts';
import m0038 from './migrations/0038_members.ts';
import m0053 from './migrations/0053_flow_run_claims.ts';
import m0058 from './migrations/0058_sessions.ts';
import m0115 from './migrations/0115_evaluations_by_instance.ts';
import m0135 from './migrations/0135_delivery_claims.ts';

export const migrations = [
  { version: 1, name: 'foundation', sql: m0001 },
  { version: 2, name: 'events', sql: m0002 },
  { version: 3, name: 'insights_flows', sql: m0003 },
  { version: 4, name: 'delivery_rounds', sql: m0004 },
  { version: 7, name: 'flow_run_envelope', sql: m0007 },
  { version: 12, name: 'server_secrets', sql: m0012 },
  { version: 13, name: 'nodes', sql: m0013 },
  { version: 14, name: 'connection_last_used', sql: m0014 },
  { version: 15, name: 'rate_limit_windows', sql: m0015 },
  { version: 17, name: 'source_high_water_mark', sql: m0017 },
  { version: 18, name: 'audit', sql: m0018 },
  { version: 33, name: 'snapshots', sql: m0033 },
  { version: 38, name: 'members', sql: m0038 },
  { version: 53, name: 'flow_run_claims', sql: m0053 },
  { version: 58, name: 'sessions', sql: m0058 },
  { version: 115, name: 'evaluations_by_instance', sql: m0115 },
  { version: 135, name: 'delivery_claims', sql: m0135 },
];

export async function migrate(db: Db): Promise<number> {
  const apply = async (): Promise<number> => {
    await db.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const done = new Set(
      (await db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    let applied = 0;
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await db.tx(async (tx) => {
        for (const statement of splitStatements(m.sql(db.dialect))) await tx.run(statement);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          m.version,
          m.name,
          new Date().toISOString(),
        ]);
      });
      applied++;
    }
    return applied;
  };
  for (let i = 0; i < 600; i++) {
    const out = await db.withLock('migrate', apply);
    if (out !== undefined) return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting for another node to finish migrating');
}

/** Statements end with ";" at the end of a line, except inside a dollar-quoted body ($$ … $$ of a function). */
const splitStatements = (sql: string): string[] => {
  const out: string[] = [];
  let open = '';
  for (const part of sql.split(/;\s*\n/)) {
    open = open ? `${open};\n${part}` : part;
    if ((open.match(/\$\$/g) ?? []).length % 2 === 0) {
      out.push(open);
      open = '';
    }
  }
  if (open) out.push(open);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
};
