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

    test('incremental refresh upserts rows above the mark; a failed refresh keeps the snapshot and the mark; full reloads', async () => {
      const db = await scratch();
      const s = await startTestServer({ env: allowLoopback });
      try {
        const t = db.table('people');
        await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, name varchar(50), version int NOT NULL)`);
        await db.exec(`INSERT INTO ${t} VALUES (1, 'Ann', 1), (2, 'Bob', 2), (3, 'Cy', 3)`);
        const ds = await add(s, {
          name: 'People',
          kind,
          location: db.url,
          primaryKey: 'id',
          options: { table: t, incremental: { column: 'version' }, sslmode: 'disable' },
        });
        let task = await refresh(s, ds.id);
        assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
        assert.equal(task.stats.rowsRead, 3);
        assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '3');

        await db.exec(`UPDATE ${t} SET name = 'Bobby', version = 4 WHERE id = 2`);
        await db.exec(`INSERT INTO ${t} VALUES (4, 'Dee', 5)`);
        task = await refresh(s, ds.id);
        assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
        assert.deepEqual([task.stats.rowsRead, task.stats.rowsUpserted, task.stats.rowsIngested], [2, 2, 4]);
        assert.deepEqual(
          (await s.readEntity('default', 'People', 'id')).map((r) => r.name),
          ['Ann', 'Bobby', 'Cy', 'Dee'],
        );
        assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '5');

        // Two new rows with the same key: the refresh fails, the snapshot and the mark stay.
        await db.exec(
          `ALTER TABLE ${t} DROP PRIMARY KEY`.replace(
            'DROP PRIMARY KEY',
            kind === 'postgres' ? 'DROP CONSTRAINT people_pkey' : 'DROP PRIMARY KEY',
          ),
        );
        await db.exec(`INSERT INTO ${t} VALUES (5, 'Eve', 6), (5, 'Eve again', 7)`);
        task = await refresh(s, ds.id);
        assert.equal(task.status, 'failed');
        assert.equal(task.error.code, 'PrimaryKeyViolation');
        assert.equal((await s.readEntity('default', 'People', 'id')).length, 4);
        assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '5');

        // A full refresh reads everything again (deleted rows disappear only this way).
        await db.exec(`DELETE FROM ${t} WHERE id IN (1, 5)`);
        task = await refresh(s, ds.id, { full: true });
        assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
        assert.deepEqual(
          (await s.readEntity('default', 'People', 'id')).map((r) => r.id),
          [2n, 3n, 4n],
        );
        assert.equal(task.stats.rowsRead, 3);
        assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '5');
      } finally {
        await s.stop();
        await db.drop();
      }
    });

    test('only a read-only SELECT runs: other statements are refused on save or by the read-only transaction', async () => {
      const db = await scratch();
      const s = await startTestServer({ env: allowLoopback });
      try {
        const t = db.table('keep');
        await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
        await db.exec(`INSERT INTO ${t} VALUES (1), (2)`);
        const common = { kind, location: db.url, options: { sslmode: 'disable' } };
        for (const query of [
          `DELETE FROM ${t}`,
          `UPDATE ${t} SET id = 3`,
          `DROP TABLE ${t}`,
          `  -- x\n INSERT INTO ${t} VALUES (9)`,
        ]) {
          const r = await s.call('POST', base, {
            body: { ...common, name: 'Bad', options: { ...common.options, query } },
          });
          assert.equal(r.status, 400, query);
          assert.match(r.body.error.message, /SELECT/);
        }
        const writer =
          kind === 'postgres'
            ? `WITH d AS (DELETE FROM ${t} RETURNING *) SELECT * FROM d`
            : `SELECT ${db.table('wipe')}() AS n`;
        if (kind === 'mysql')
          await db.exec(`CREATE FUNCTION wipe() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM ${t}; RETURN 1; END`);
        const ds = await add(s, { ...common, name: 'Sneaky', options: { ...common.options, query: writer } });
        const tested = await s.call('POST', `${base}/${ds.id}/test`);
        assert.equal(tested.status, 400, JSON.stringify(tested.body));
        assert.ok(['NotSelect', 'SourceFailed'].includes(tested.body.error.code), JSON.stringify(tested.body));
        const task = await refresh(s, ds.id);
        assert.equal(task.status, 'failed');
        assert.equal(await db.count(t), 2, 'the table is untouched');
        if (kind === 'mysql') {
          assert.equal(tested.body.error.code, 'NotSelect');
          // A second statement after a semicolon is not run either.
          const two = await add(s, {
            ...common,
            name: 'Two',
            options: { ...common.options, query: `SELECT 1; DELETE FROM ${t}` },
          });
          assert.equal((await refresh(s, two.id)).status, 'failed');
          assert.equal(await db.count(t), 2);
        }
      } finally {
        await s.stop();
        await db.drop();
      }
    });

    test('the test endpoint answers columns and 20 rows, or names what failed; also before saving', async () => {
      const db = await scratch();
      const s = await startTestServer({ env: allowLoopback });
      try {
        const t = db.table('many');
        await db.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, label varchar(20))`);
        await db.exec(
          `INSERT INTO ${t} VALUES ${Array.from({ length: 50 }, (_, i) => `(${i + 1}, 'row ${i + 1}')`).join(', ')}`,
        );
        const body = {
          name: 'Many',
          kind,
          location: db.url,
          primaryKey: 'id',
          options: { table: t, sslmode: 'disable' },
        };
        const before = await s.call('POST', `${base}/test`, { body });
        assert.equal(before.status, 200, JSON.stringify(before.body));
        assert.deepEqual(before.body.columns, [
          { name: 'id', type: 'integer' },
          { name: 'label', type: 'string' },
        ]);
        assert.equal(before.body.rows.length, 20);
        assert.deepEqual(before.body.rows[0], { id: 1, label: 'row 1' });
        assert.equal((await s.call('GET', base)).body.value.length, 0, 'nothing was saved');
        const ds = await add(s, body);
        assert.equal((await s.call('POST', `${base}/${ds.id}/test`)).status, 200);
        assert.equal(
          (await s.call('GET', '/v1/instances/default/manage/entities')).body.value.length,
          0,
          'nothing ingested',
        );

        const missing = await s.call('POST', `${base}/test`, {
          body: { ...body, options: { ...body.options, table: db.table('nope') } },
        });
        assert.equal(missing.status, 400);
        assert.equal(missing.body.error.code, 'MissingTable');
        const closed = await s.call('POST', `${base}/test`, {
          body: { ...body, location: db.url.replace(/:(5432|3306)\//, ':1/') },
        });
        assert.equal(closed.status, 400);
        assert.equal(closed.body.error.code, 'Unreachable');
      } finally {
        await s.stop();
        await db.drop();
      }
    });
  });
}

const noMariadb = (await mariadbUnavailable()) ?? false;

describe('database credentials and targets', () => {
  test(
    'passwords are stored encrypted, answered as ***, kept by ***, and never in errors',
    { skip: noMariadb },
    async () => {
      const db = await mariadbScratch();
      const user = `u_${suffix()}`;
      const password = 'S3cret-pass!word';
      const s = await startTestServer({ env: allowLoopback });
      try {
        await db.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
        await db.exec(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`);
        await db.exec(`CREATE TABLE t (id int PRIMARY KEY)`);
        await db.exec(`INSERT INTO t VALUES (1)`);
        const dbName = db.url.slice(db.url.lastIndexOf('/') + 1);
        await db.exec(`GRANT SELECT ON ${dbName}.* TO '${user}'@'%'`);
        await db.exec(`GRANT SELECT ON ${dbName}.* TO '${user}'@'localhost'`);
        const location = `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:3306/${dbName}`;
        const ds = await add(s, {
          name: 'Secret',
          kind: 'mysql',
          location,
          options: { table: 't', sslmode: 'disable' },
        });
        assert.equal(ds.location, `mysql://${user}@127.0.0.1:3306/${dbName}`);
        assert.equal(ds.options.password, '***');
        const stored = await s.runtime.services.db.get<{ location: string; options: string }>(
          'SELECT location, options FROM data_sources WHERE id = ?',
          [ds.id],
        );
        assert.ok(!JSON.stringify(stored).includes(password), 'not stored in clear');
        assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.options.password, '***');
        assert.equal((await s.call('GET', base)).body.value[0].options.password, '***');
        assert.equal((await refresh(s, ds.id)).status, 'succeeded');
        // *** keeps the stored password while other options change.
        const patched = await s.call('PATCH', `${base}/${ds.id}`, {
          body: { options: { table: 't', sslmode: 'disable', password: '***', rowLimit: 10 } },
        });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.equal((await refresh(s, ds.id)).status, 'succeeded');
        // A wrong password: BadCredentials, and the message does not carry it.
        await s.call('PATCH', `${base}/${ds.id}`, {
          body: { options: { table: 't', sslmode: 'disable', password: 'wrong-pass-xyz' } },
        });
        const task = await refresh(s, ds.id);
        assert.equal(task.status, 'failed');
        assert.equal(task.error.code, 'BadCredentials');
        assert.ok(!JSON.stringify(task).includes('wrong-pass-xyz'));
        const tested = await s.call('POST', `${base}/${ds.id}/test`);
        assert.equal(tested.body.error.code, 'BadCredentials');
        assert.ok(!JSON.stringify(tested.body).includes('wrong-pass-xyz'));
        const unsaved = await s.call('POST', `${base}/test`, {
          body: { name: 'X', kind: 'mysql', location, options: { table: 't', sslmode: 'disable', password: '***' } },
        });
        assert.equal(unsaved.status, 400, 'no stored password to keep');
      } finally {
        await s.stop();
        await db.exec(`DROP USER IF EXISTS '${user}'@'%'`);
        await db.exec(`DROP USER IF EXISTS '${user}'@'localhost'`);
        await db.drop();
      }
    },
  );

  test('database hosts obey the target policy on save and at connect', async () => {
    const s = await startTestServer();
    try {
      for (const location of [
        'postgres://postgres@127.0.0.1:5432/postgres',
        'postgres://postgres@localhost:5432/postgres',
        'mysql://root@[::1]:3306/test',
        'mysql://root@169.254.169.254:3306/test',
        'mysql://root@10.1.2.3/test',
      ]) {
        const kind = location.startsWith('mysql') ? 'mysql' : 'postgres';
        const r = await s.call('POST', base, { body: { name: 'Local', kind, location, options: { table: 't' } } });
        assert.equal(r.status, 400, location);
        assert.equal(r.body.error.code, 'TargetRefused', location);
        const t = await s.call('POST', `${base}/test`, {
          body: { name: 'Local', kind, location, options: { table: 't' } },
        });
        assert.equal(t.body.error.code, 'TargetRefused', location);
      }
    } finally {
      await s.stop();
    }
    // At connect, names are resolved and each address is checked: localhost resolves to loopback.
    await assert.rejects(
      openDatabase(
        {
          kind: 'postgres',
          location: 'postgres://postgres@localhost:5432/postgres',
          options: { table: 't', sslmode: 'disable' },
          primaryKey: null,
          name: 'x',
        },
        { allow: parseAllowedTargets(''), mark: null },
      ),
      (err: any) => err.code === 'TargetRefused',
    );
  });

  test('a host that accepts but never answers fails within the connect timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const s = await startTestServer({ env: allowLoopback });
    try {
      for (const kind of ['postgres', 'mysql']) {
        const r = await s.call('POST', `${base}/test`, {
          body: {
            name: 'Silent',
            kind,
            location: `${kind}://user@127.0.0.1:${port}/db`,
            options: { table: 't', sslmode: 'disable', connectTimeoutMs: 300 },
          },
        });
        assert.equal(r.status, 400, kind);
        assert.equal(r.body.error.code, 'Unreachable', JSON.stringify(r.body));
        assert.match(r.body.error.message, /300 ms|timeout|time/i);
      }
    } finally {
      await s.stop();
      for (const sock of sockets) sock.destroy();
      silent.close();
    }
  });
});

describe('postgres refresh failing midway', { skip: (await postgresUnavailable()) ?? false }, () => {
  test('an error after the first batches keeps the previous snapshot and high-water mark', async () => {
    const db = await postgresScratch();
    const s = await startTestServer({ env: allowLoopback });
    try {
      const t = db.table('events');
      const ctl = db.table('ctl');
      await db.exec(`CREATE TABLE ${ctl} (armed boolean); INSERT INTO ${ctl} VALUES (false)`);
      await db.exec(`CREATE TABLE ${t} AS SELECT g AS id, g AS version FROM generate_series(1, 12000) g`);
      // Row 20,000 divides by zero once armed: well after the first FETCH of 5,000 rows has been appended.
      const query = `SELECT id, version, 1 / (CASE WHEN id = 20000 AND (SELECT armed FROM ${ctl}) THEN 0 ELSE 1 END) AS one FROM ${t}`;
      const ds = await add(s, {
        name: 'Events',
        kind: 'postgres',
        location: db.url,
        primaryKey: 'id',
        options: { query, incremental: { column: 'version' } },
      });
      assert.equal((await refresh(s, ds.id)).status, 'succeeded');
      assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '12000');
      await db.exec(`INSERT INTO ${t} SELECT g, g FROM generate_series(12001, 24000) g`);
      await db.exec(`UPDATE ${ctl} SET armed = true`);
      const failed = await refresh(s, ds.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error.message, /division by zero/);
      assert.equal((await s.readEntity('default', 'Events')).length, 12000, 'the previous snapshot is still served');
      assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '12000', 'the mark did not move');
      await db.exec(`UPDATE ${ctl} SET armed = false`);
      const ok = await refresh(s, ds.id);
      assert.equal(ok.status, 'succeeded', JSON.stringify(ok.error));
      assert.deepEqual([ok.stats.rowsRead, ok.stats.rowsIngested], [12000, 24000]);
      assert.equal((await s.call('GET', `${base}/${ds.id}`)).body.highWaterMark, '24000');
    } finally {
      await s.stop();
      await db.drop();
    }
  });
});
