// Every node serves the newest published snapshot (SPEC §10). The follower compares each instance's snapshot version
// in the catalog with the one this node serves and loads the versions it lacks from the shared directory into the
// local DuckDB — every second in the background, and on demand before a request or a job touches the instance, so a
// reader never resolves a version this node does not hold. Local copies of replaced versions are dropped a while
// later (reads under way finish first).
import type { Logger } from '../core/log.ts';
import { errorInfo } from '../core/errors.ts';
import type { Db } from '../store/index.ts';
import { listEntities, snapshotVersion, snapshotVersions } from './catalog.ts';
import type { DataStore, InstanceData } from './engine.ts';
import { dropEntityVersion, queryRows } from './engine.ts';
import type { PublishedEntity } from './schema.ts';
import { unquoteIdent } from './schema.ts';
import { loadVersion } from './snapshot-files.ts';

export interface SnapshotFollowerDeps {
  db: Db;
  /** The local data store (DuckDB files of this node). */
  local: DataStore;
  /** `<shared dir>/snapshots`. */
  snapshotsDir: string;
  log: Logger;
  /** Background poll interval, ms; default 1000. */
  pollMs?: number;
  /** How long a replaced local copy is kept for reads under way, ms; default 30,000. */
  retireMs?: number;
  /** Records that every instance was up to date at `at` (ISO 8601): the files of versions replaced before then are
   * no longer needed by this node. */
  reportSynced(at: string): Promise<void>;
}

/** The snapshot a node serves for an instance: its version, its published entities by name (as listed when this node
 * caught up with it; no control-store query per read), and the local database holding their tables. */
export interface ServedSnapshot {
  version: number;
  entities: ReadonlyMap<string, PublishedEntity>;
  data: InstanceData;
}

export interface SnapshotFollower {
  /** A data store whose `instance()` first brings the instance up to the newest published snapshot. */
  dataStore: DataStore;
  /** Brings one instance up to the newest published snapshot. */
  sync(instanceId: string): Promise<void>;
  /** Brings one instance up to the newest published snapshot and returns it. */
  snapshot(instanceId: string): Promise<ServedSnapshot>;
  /** The snapshot version this node serves, per instance (health, metrics). */
  servedVersions(): Record<string, number>;
  start(): void;
  stop(): Promise<void>;
}

interface InstanceState {
  version: number;
  entities: ReadonlyMap<string, PublishedEntity>;
  tables: Set<string>;
  retired: Array<{ table: string; at: number }>;
  syncing: Promise<void> | null;
}

async function hasObject(conn: Parameters<Parameters<InstanceData['read']>[0]>[0], table: string): Promise<boolean> {
  const name = unquoteIdent(table);
  const rows = await queryRows(
    conn,
    `SELECT 1 FROM duckdb_tables() WHERE table_name = ? UNION ALL
     SELECT 1 FROM duckdb_views() WHERE NOT internal AND view_name = ?`,
    [name, name],
  );
  return rows.length > 0;
}

export function createSnapshotFollower(deps: SnapshotFollowerDeps): SnapshotFollower {
  const states = new Map<string, InstanceState>();
  const retireMs = deps.retireMs ?? 30_000;
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> = Promise.resolve();
  let syncedAt: { at: string; written: number } = { at: '', written: 0 };

  const stateOf = (instanceId: string): InstanceState => {
    let s = states.get(instanceId);
    if (!s) {
      s = { version: -1, entities: new Map(), tables: new Set(), retired: [], syncing: null };
      states.set(instanceId, s);
    }
    return s;
  };

  const catchUp = async (instanceId: string, s: InstanceState, version: number): Promise<void> => {
    const entities = await listEntities(deps.db, instanceId);
    const data = await deps.local.instance(instanceId);
    const published = new Set(entities.map((e) => e.table));
    for (const e of entities) {
      if (s.tables.has(e.table)) continue;
      // Loaded on a read connection: the writer may be busy with a job of this instance for minutes.
      await data.read(async (conn) => {
        if (!(await hasObject(conn, e.table)))
          await loadVersion(conn, { snapshotsDir: deps.snapshotsDir, instanceId, table: e.table });
      });
      s.tables.add(e.table);
    }
    const now = Date.now();
    for (const t of s.tables)
      if (!published.has(t)) {
        s.tables.delete(t);
        s.retired.push({ table: t, at: now });
      }
    const due = s.retired.filter((r) => now - r.at >= retireMs);
    s.retired = s.retired.filter((r) => now - r.at < retireMs);
    for (const r of due) await data.write((c) => dropEntityVersion(c, r.table)).catch(() => undefined);
    s.entities = new Map(entities.map((e) => [e.name, e]));
    s.version = version;
  };

  const sync = async (instanceId: string): Promise<void> => {
    const s = stateOf(instanceId);
    // Bounded: a sync under way may have started before the newest publish; look again after it.
    for (let i = 0; i < 5; i++) {
      const version = await snapshotVersion(deps.db, instanceId);
      // Up to date, and no replaced local copy is due for dropping (catching up lists the catalog again).
      if (s.version >= version && !s.retired.some((r) => Date.now() - r.at >= retireMs)) return;
      if (!s.syncing) {
        s.syncing = catchUp(instanceId, s, version).finally(() => {
          s.syncing = null;
        });
        await s.syncing;
        if (s.version >= version) return;
      } else await s.syncing.catch(() => undefined);
    }
  };

  const poll = async (): Promise<void> => {
    const started = new Date().toISOString();
    const versions = await snapshotVersions(deps.db);
    for (const instanceId of versions.keys()) await sync(instanceId);
    // How far this node has synced, for the removal of replaced files (written every few seconds, not every poll).
    if (Date.now() - syncedAt.written >= 5000) {
      syncedAt = { at: started, written: Date.now() };
      await deps.reportSynced(started);
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      polling = poll()
        .catch((err: unknown) => deps.log.error('following published snapshots failed', errorInfo(err)))
        .finally(schedule);
    }, deps.pollMs ?? 1000);
  };

  return {
    dataStore: {
      ...deps.local,
      instance: async (instanceId) => {
        await sync(instanceId);
        return deps.local.instance(instanceId);
      },
    },
    sync,
    snapshot: async (instanceId) => {
      await sync(instanceId);
      const s = stateOf(instanceId);
      return { version: s.version, entities: s.entities, data: await deps.local.instance(instanceId) };
    },
    servedVersions: () =>
      Object.fromEntries([...states].filter(([, s]) => s.version >= 0).map(([id, s]) => [id, s.version])),
    start: () => {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await polling;
    },
  };
}
