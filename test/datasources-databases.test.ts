// Data sources that are databases: PostgreSQL and MariaDB, real servers on loopback. Type mapping, incremental
// upserts, failed refreshes keeping the last snapshot and mark, read-only enforcement, masked credentials, the test
// endpoint, the target-address policy and bounded connect time.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parseAllowedTargets } from '../src/core/address-policy.ts';
import { getEntity, queryRows } from '../src/datastore/index.ts';
import { openDatabase } from '../src/sources/index.ts';
import { mariadbUnavailable, mariadbUrl, postgresUnavailable, postgresUrl } from './support/engines.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const base = '/v1/instances/default/manage/datasources';
const allowLoopback = { INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8' };
const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

/** One engine's own database (MariaDB) or schema (PostgreSQL) for a test, with SQL to fill it. */
interface Scratch {
  kind: 'postgres' | 'mysql';
  url: string;
  /** Qualified name of a table in the scratch space. */
  table(name: string): string;
  exec(sql: string): Promise<void>;
  count(table: string): Promise<number>;
  drop(): Promise<void>;
}

async function postgresScratch(): Promise<Scratch> {
  const schema = `src_${suffix()}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  return {
    kind: 'postgres',
    url: `${postgresUrl.replace(/^postgres:/, 'postgres:')}?sslmode=disable`,
    table: (n) => `${schema}.${n}`,
    exec: async (sql) => void (await client.query(sql)),
    count: async (t) => Number((await client.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n),
    drop: async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

async function mariadbScratch(): Promise<Scratch> {
  const db = `src_${suffix()}`;
  const conn = await mysql.createConnection({ uri: mariadbUrl, multipleStatements: true });
  await conn.query(`CREATE DATABASE ${db}`);
  await conn.query(`USE ${db}`);
  return {
    kind: 'mysql',
    url: mariadbUrl.replace(/\/[^/]*$/, `/${db}`),
    table: (n) => n,
    exec: async (sql) => void (await conn.query(sql)),
    count: async (t) => Number(((await conn.query(`SELECT count(*) AS n FROM ${t}`)) as any)[0][0].n),
    drop: async () => {
      await conn.query(`DROP DATABASE ${db}`);
      await conn.end();
    },
  };
}

async function refresh(s: TestServer, id: string, body?: unknown): Promise<any> {
  const r = await s.call('POST', `${base}/${id}/refresh`, body === undefined ? {} : { body });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const job = await s.waitForJob('default', r.body.id);
  return (job.tasks as any[]).find((t) => t.operationType === 'ingestion');
}

async function add(s: TestServer, body: Record<string, unknown>): Promise<any> {
  const r = await s.call('POST', base, { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** amount, seen and id as DuckDB's own text (no JavaScript number in between), and amount's DuckDB type. */
async function exactValues(s: TestServer, entity: string): Promise<Array<Record<string, unknown>>> {
  const e = await getEntity(s.runtime.services.db, 'default', entity);
  const data = await s.runtime.services.dataStore.instance('default');
  return data.read((c) =>
    queryRows(
      c,
      `SELECT CAST(amount AS VARCHAR) a, CAST(seen AS VARCHAR) s, CAST(id AS VARCHAR) i, typeof(amount) t FROM ${e!.table} ORDER BY id`,
    ),
  );
}

const engines: Array<[string, () => Promise<string | null>, () => Promise<Scratch>]> = [
  ['postgres', postgresUnavailable, postgresScratch],
  ['mysql', mariadbUnavailable, mariadbScratch],
];

for (const [kind, unavailable, scratch] of engines) {
  const skip = (await unavailable()) ?? false;
  describe(`${kind} data sources`, { skip }, () => {
    test('column types follow the database: integers, exact decimals, booleans, dates, timestamps, text, json, binary as hex', async () => {
      const db = await scratch();
      const s = await startTestServer({ env: allowLoopback });
      try {
        const t = db.table('typed');
        await db.exec(
          kind === 'postgres'
            ? `CREATE TABLE ${t} (id bigint PRIMARY KEY, small smallint, amount numeric(20,4), ratio double precision,
                 active boolean, born date, seen timestamptz, local_ts timestamp, name text, doc jsonb, raw bytea, huge numeric);
               INSERT INTO ${t} VALUES
                 (1, 7, 1234567890123456.1234, 0.5, true, '2024-02-29', '2024-03-01 10:00:00.123456+02', '2024-03-01 10:00:00',
                  'Zoë', '{"a": [1, 2]}', '\\x00ff10', 123456789012345678901234567890123456789012.5),
                 (9007199254740993, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`
            : `CREATE TABLE ${t} (id bigint PRIMARY KEY, small smallint, amount decimal(20,4), ratio double,
                 active boolean, born date, seen timestamp(6) NULL, local_ts datetime, name text, doc json, raw varbinary(10), huge decimal(65,1));
               SET time_zone = '+02:00';
               INSERT INTO ${t} VALUES
                 (1, 7, 1234567890123456.1234, 0.5, true, '2024-02-29', '2024-03-01 10:00:00.123456', '2024-03-01 10:00:00',
                  'Zoë', '{"a": [1, 2]}', X'00ff10', 1234567890123456789012345678901234567890123456789012345678901234.5),
                 (9007199254740993, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
        );
        const ds = await add(s, {
          name: 'Typed',
          kind,
          location: db.url,
          primaryKey: 'id',
          options: { table: t, ...(kind === 'mysql' ? { sslmode: 'disable' } : {}) },
        });
        const task = await refresh(s, ds.id);
        assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
        assert.equal(task.stats.rowsIngested, 2);
        const entities = await s.call('GET', '/v1/instances/default/manage/entities');
        const attrs = Object.fromEntries(
          entities.body.value.find((e: any) => e.name === 'Typed').attributes.map((a: any) => [a.name, a.type]),
        );
        assert.deepEqual(attrs, {
          id: 'integer',
          small: 'integer',
          amount: 'decimal',
          ratio: 'decimal',
          active: 'boolean',
          born: 'date',
          seen: 'timestamp',
          local_ts: 'timestamp',
          name: 'string',
          doc: 'string',
          raw: 'string',
          huge: 'string',
        });
        const rows = await s.readEntity('default', 'Typed', 'id');
        const exact = await exactValues(s, 'Typed');
        assert.equal(exact[0]!.a, '1234567890123456.1234', 'decimals are exact');
        assert.equal(exact[0]!.t, 'DECIMAL(20,4)');
        assert.equal(exact[0]!.s, '2024-03-01 08:00:00.123456', 'timestamps are UTC');
        assert.equal(exact[1]!.i, '9007199254740993', '64-bit integers are exact');
        assert.equal(rows[0]!.small, 7n);
        assert.equal(rows[0]!.active, true);
        assert.equal(rows[1]!.active, false);
        assert.equal(rows[0]!.name, 'Zoë');
        assert.deepEqual(JSON.parse(rows[0]!.doc as string), { a: [1, 2] });
        assert.equal(rows[0]!.raw, '00ff10');
        assert.match(rows[0]!.huge as string, /^12345678901234567890123456789012345678901/);
        assert.equal(rows[1]!.born, null);
      } finally {
        await s.stop();
        await db.drop();
      }
    });
  });
}
