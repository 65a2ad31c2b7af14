// Data sources through the HTTP API: validation, path safety, upload, streaming ingest with type inference, clear
// errors for malformed files, and the last good data staying served. Both engines.
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { engines } from './support/engines.ts';
import { startTestServer, type TestServer } from './support/runtime.ts';

const base = '/v1/instances/default/manage/datasources';

async function addSource(s: TestServer, body: Record<string, unknown>): Promise<string> {
  const r = await s.call('POST', base, { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

async function refresh(s: TestServer, id: string): Promise<any> {
  const r = await s.call('POST', `${base}/${id}/refresh`);
  assert.equal(r.status, 202);
  assert.equal(r.body.submissionKind, 'onDemand');
  assert.match(r.headers.get('location') ?? '', /\/jobs\/job_/);
  return s.waitForJob('default', r.body.id);
}

for (const engine of await engines()) {
  describe(`data sources (${engine})`, () => {
    test('create, read, change and delete; invalid input is 400', async () => {
      const s = await startTestServer({ engine });
      try {
        const id = await addSource(s, {
          name: 'CRM contacts',
          kind: 'csv',
          location: 'crm.csv',
          primaryKey: 'id',
          owners: ['Owner@Example.com'],
        });
        const got = await s.call('GET', `${base}/${id}`);
        assert.equal(got.body.entity, 'CRMContacts');
        assert.equal(got.body.status, 'notStarted');
        assert.equal(got.body.lastRefresh, null);
        assert.deepEqual(got.body.owners, ['owner@example.com']);
        const patched = await s.call('PATCH', `${base}/${id}`, {
          body: { owners: ['a@b.co', 'c@d.co'], options: { delimiter: ';' } },
        });
        assert.equal(patched.status, 200);
        assert.deepEqual(patched.body.owners, ['a@b.co', 'c@d.co']);
        assert.equal(
          (await s.call('POST', base, { body: { name: 'CRM contacts', kind: 'csv', location: 'x.csv' } })).status,
          409,
        );
        for (const bad of [
          { name: 'X', kind: 'csv', location: '/etc/passwd' },
          { name: 'X', kind: 'csv', location: '../outside.csv' },
          { name: 'X', kind: 'csv', location: 'a/../../outside.csv' },
          { name: 'X', kind: 'csv', location: 'uploads/other-instance/x.csv' },
          { name: 'X', kind: 'xlsx', location: 'a.xlsx' },
          { name: 'X', kind: 'csv', entity: 'ConflationMap' },
          { name: 'X', kind: 'csv', entity: 'has space' },
          { name: 'X', kind: 'csv', owners: 'a@b.co' },
          { name: 'X', kind: 'csv', unknown: 1 },
        ]) {
          const r = await s.call('POST', base, { body: bad });
          assert.equal(r.status, 400, JSON.stringify(bad));
          assert.equal(r.body.error.code, 'ValidationFailed');
        }
        assert.equal((await s.call('DELETE', `${base}/${id}`)).status, 204);
        assert.equal((await s.call('GET', `${base}/${id}`)).status, 404);
        assert.equal((await s.call('DELETE', `${base}/${id}`)).status, 404);
      } finally {
        await s.stop();
      }
    });

    test('RFC 4180 CSV is ingested with inferred types; JSON numbers and booleans stay typed', async () => {
      const s = await startTestServer({ engine });
      try {
        s.importFile(
          'people.csv',
          'id,name,score,active,born,seen\r\n1,"Smith, Ann",3.5,true,1990-04-01,2026-01-02 10:00:00\r\n2,"Say ""hi""\nsecond line",4,false,1985-12-31,2026-02-03 11:30:00\r\n3,Zoë Ünal,,true,,\r\n',
        );
        const id = await addSource(s, {
          name: 'People',
          kind: 'csv',
          location: 'people.csv',
          primaryKey: 'id',
          owners: ['o@x.io'],
        });
        const job = await refresh(s, id);
        assert.equal(job.status, 'succeeded', JSON.stringify(job.tasks));
        assert.equal(job.tasks[0].stats.rowsIngested, 3);
        const ds = (await s.call('GET', `${base}/${id}`)).body;
        assert.equal(ds.status, 'succeeded');
        assert.equal(ds.lastRefresh.rowsIngested, 3);
        assert.equal(ds.lastRefresh.jobId, job.id);
        const entity = await s.runtime.services.db.get<{ attributes: string }>(
          'SELECT attributes FROM entities WHERE name = ?',
          ['People'],
        );
        assert.deepEqual(JSON.parse(entity!.attributes), [
          { name: 'id', type: 'integer' },
          { name: 'name', type: 'string' },
          { name: 'score', type: 'decimal' },
          { name: 'active', type: 'boolean' },
          { name: 'born', type: 'date' },
          { name: 'seen', type: 'timestamp' },
        ]);
        const rows = await s.readEntity('default', 'People', 'id');
        assert.equal(rows[0]!.name, 'Smith, Ann');
        assert.equal(rows[1]!.name, 'Say "hi"\nsecond line');
        assert.equal(rows[2]!.name, 'Zoë Ünal');
        assert.equal(rows[2]!.score, null);
        assert.equal(rows[0]!.active, true);
      } finally {
        await s.stop();
      }
    });

    test('delimiter and type overrides', async () => {
      const s = await startTestServer({ engine });
      try {
        s.importFile('semi.csv', 'zip;city\n01234;Berlin\n');
        const id = await addSource(s, {
          name: 'Zips',
          kind: 'csv',
          location: 'semi.csv',
          options: { delimiter: ';', types: { zip: 'string' } },
        });
        assert.equal((await refresh(s, id)).status, 'succeeded');
        const [row] = await s.readEntity('default', 'Zips');
        assert.deepEqual({ ...row }, { zip: '01234', city: 'Berlin' });
      } finally {
        await s.stop();
      }
    });

    test('types fit every row of the file, not a sample; day-first dates are read as dates', async () => {
      const s = await startTestServer({ engine });
      try {
        const lines = ['id,amount,code,born'];
        for (let i = 1; i <= 30_000; i++) lines.push(`${i},${i},${i},${(i % 28) + 1}/02/1990`);
        lines.push('30001,1.5,A7,01/03/1991');
        s.importFile('late.csv', `${lines.join('\n')}\n`);
        const id = await addSource(s, { name: 'Late', kind: 'csv', location: 'late.csv', primaryKey: 'id' });
        assert.equal((await refresh(s, id)).status, 'succeeded');
        const entity = (await s.call('GET', '/v1/instances/default/manage/entities')).body.value.find(
          (e: any) => e.name === 'Late',
        );
        assert.deepEqual(
          entity.attributes.map((a: any) => `${a.name}:${a.type}`),
          ['id:integer', 'amount:decimal', 'code:string', 'born:date'],
        );
        const rows = await s.readEntity('default', 'Late', 'id');
        assert.equal(rows.length, 30_001);
        assert.equal(rows.at(-1)?.amount, 1.5);
        assert.equal(rows.at(-1)?.code, 'A7');
        assert.equal((rows[0]?.born as Date).toISOString().slice(0, 10), '1990-02-02');
      } finally {
        await s.stop();
      }
    });

    test('NDJSON, JSON and Parquet files', async () => {
      const s = await startTestServer({ engine });
      try {
        s.importFile('events.ndjson', '{"id":1,"kind":"click","tags":["a","b"]}\n{"id":2,"kind":"view","tags":[]}\n');
        s.importFile(
          'orders.json',
          '[{"order":"o1","amount":12.5,"paid":true},{"order":"o2","amount":3,"paid":false}]',
        );
        const parquet = path.join(s.importDir, 'items.parquet');
        const duck = await DuckDBInstance.create(':memory:');
        const conn = await duck.connect();
        await conn.run(
          `COPY (SELECT range AS item, 'n' || range AS label FROM range(5)) TO '${parquet}' (FORMAT parquet)`,
        );
        conn.closeSync();
        duck.closeSync();
        const ids = [
          await addSource(s, { name: 'Events', kind: 'ndjson', location: 'events.ndjson', primaryKey: 'id' }),
          await addSource(s, { name: 'Orders', kind: 'json', location: 'orders.json', primaryKey: 'order' }),
          await addSource(s, { name: 'Items', kind: 'parquet', location: 'items.parquet', primaryKey: 'item' }),
        ];
        const job = await s.call('POST', '/v1/instances/default/jobs', { body: { operationType: 'ingestion' } });
        assert.equal(job.status, 202);
        assert.deepEqual(
          job.body.tasks.map((t: any) => t.identifier),
          ids,
        );
        const done = await s.waitForJob('default', job.body.id);
        assert.equal(done.status, 'succeeded', JSON.stringify(done));
        const events = await s.readEntity('default', 'Events', 'id');
        assert.equal(events[0]!.tags, '["a","b"]', 'nested values become JSON text');
        const orders = await s.readEntity('default', 'Orders', '"order"');
        assert.equal(orders[0]!.amount, 12.5);
        assert.equal(orders[1]!.paid, false);
        assert.equal((await s.readEntity('default', 'Items')).length, 5);
      } finally {
        await s.stop();
      }
    });

    test('upload through PUT …/content, then refresh', async () => {
      const s = await startTestServer({ engine });
      try {
        const id = await addSource(s, { name: 'Shop', kind: 'csv', primaryKey: 'no' });
        const put = await fetch(`${s.url}${base}/${id}/content`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${'test-system-admin-key-0123456789'}`, 'content-type': 'text/csv' },
          body: 'no,given\n1,Ann\n2,Bo\n',
        });
        assert.equal(put.status, 200);
        const body = (await put.json()) as any;
        assert.equal(body.bytes, 20);
        assert.equal(body.location, `uploads/default/${id}.csv`);
        assert.equal((await refresh(s, id)).status, 'succeeded');
        assert.equal((await s.readEntity('default', 'Shop')).length, 2);
        const empty = await fetch(`${s.url}${base}/${id}/content`, {
          method: 'PUT',
          headers: { authorization: 'Bearer test-system-admin-key-0123456789' },
          body: '',
        });
        assert.equal(empty.status, 400);
      } finally {
        await s.stop();
      }
    });

    test('a malformed file fails the refresh naming the line, and the previous data stays served', async () => {
      const s = await startTestServer({ engine });
      try {
        s.importFile('crm.csv', 'id,name,amount\n1,Ann,3.5\n2,Bob,4\n');
        const id = await addSource(s, {
          name: 'Crm',
          kind: 'csv',
          location: 'crm.csv',
          primaryKey: 'id',
          owners: ['o@x.io'],
        });
        assert.equal((await refresh(s, id)).status, 'succeeded');
        const before = await s.readEntity('default', 'Crm', 'id');

        s.importFile('crm.csv', 'id,name,amount\n1,"Ann,3.5\n2,Bob,4\n');
        const unterminated = await refresh(s, id);
        assert.equal(unterminated.status, 'failed');
        assert.equal(unterminated.tasks[0].error.code, 'MalformedFile');
        assert.equal(unterminated.tasks[0].error.message, 'crm.csv: line 2: unterminated quoted field');

        s.importFile('crm.csv', 'id,name,amount\n1,Ann,3.5\n2,Bob\n3,Cy,5\n');
        const short = await refresh(s, id);
        assert.equal(short.tasks[0].error.message, 'crm.csv: line 3: expected 3 fields, found 2');

        s.importFile('crm.csv', 'id,name,amount\n1,Ann,3.5\n1,Bob,4\n,Cy,5\n');
        const dupKeys = await refresh(s, id);
        assert.equal(dupKeys.tasks[0].error.code, 'PrimaryKeyViolation');
        assert.match(dupKeys.tasks[0].error.message, /duplicate keys 1 \(×2\); 1 row\(s\) with an empty key/);

        const ds = (await s.call('GET', `${base}/${id}`)).body;
        assert.equal(ds.status, 'failed');
        assert.equal(ds.lastRefresh.error.code, 'PrimaryKeyViolation');
        assert.deepEqual(await s.readEntity('default', 'Crm', 'id'), before, 'the last good data is still served');
        const tables = await (
          await s.runtime.services.dataStore.instance('default')
        ).read(async (c) => (await c.runAndReadAll('SHOW TABLES')).getRowObjectsJS());
        assert.equal(tables.length, 1, `failed refreshes leave no staged tables: ${JSON.stringify(tables)}`);
      } finally {
        await s.stop();
      }
    });

    test('files outside the import directory are never read', async () => {
      const s = await startTestServer({ engine });
      try {
        const outside = path.join(s.dataDir, 'outside.csv');
        writeFileSync(outside, 'secret\nhunter2\n');
        // Saved before the link exists; the link made afterwards is refused when read. An existing link is a 400.
        const id = await addSource(s, { name: 'Sneaky', kind: 'csv', location: 'link.csv' });
        symlinkSync(outside, path.join(s.importDir, 'link.csv'));
        const early = await s.call('POST', base, { body: { name: 'Sneaky 2', kind: 'csv', location: 'link.csv' } });
        assert.equal(early.status, 400);
        const job = await refresh(s, id);
        assert.equal(job.status, 'failed');
        assert.equal(job.tasks[0].error.code, 'PathOutsideImportDir');
        const missing = await refresh(s, await addSource(s, { name: 'Missing', kind: 'csv', location: 'nope.csv' }));
        assert.equal(missing.tasks[0].error.code, 'FileNotFound');
      } finally {
        await s.stop();
      }
    });
  });
}
