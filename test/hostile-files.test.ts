// Hostile and odd data source files (SPEC §11): each fails only its refresh with a task error naming the problem,
// the server stays up, and the last good data stays served. JSON, NDJSON and CSV; both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { ok, startTestServer, type TestServer } from './support/runtime.ts';

const base = '/v1/instances/default/manage/datasources';

async function refresh(s: TestServer, id: string): Promise<any> {
  const job = await ok(s, 'POST', `${base}/${id}/refresh`, undefined, 202);
  return s.waitForJob('default', job.id);
}

const good = '{"id":1,"name":"Ann"}\n{"id":2,"name":"Bob"}\n';
const goodCsv = 'id,name,score\n1,Ann,1.5\n2,Bob,2\n';
const content = (kind: Kind) =>
  kind === 'csv' ? goodCsv : kind === 'json' ? `[${good.trim().split('\n').join(',')}]` : good;

type Kind = 'json' | 'ndjson' | 'csv';

/** The original inputs of the security review, and the task error each must give. */
const hostile: Array<{ name: string; kind: Kind; content: string; code: string; message?: RegExp }> = [
  {
    name: '100,000 nested arrays (crashed the server)',
    kind: 'ndjson',
    content: `{"id":3,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`,
    code: 'NestingTooDeep',
    message: /line 1, column \d+: values nest deeper than 64/,
  },
  {
    name: '100,000 nested arrays in a JSON array',
    kind: 'json',
    content: `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`,
    code: 'NestingTooDeep',
  },
  { name: 'truncated JSON', kind: 'json', content: '[{"id":1,"name":"Ann"},{"id":2,', code: 'TruncatedFile' },
  { name: 'truncated NDJSON', kind: 'ndjson', content: '{"id":1,"name":"Ann"}\n{"id":2,"na', code: 'TruncatedFile' },
  { name: 'an empty JSON array', kind: 'json', content: '[]', code: 'EmptyFile' },
  { name: 'blank lines only', kind: 'ndjson', content: '\n  \n', code: 'EmptyFile' },
  { name: 'an empty file', kind: 'ndjson', content: '', code: 'EmptyFile' },
  { name: 'a CSV header without rows', kind: 'csv', content: 'id,name,score\n', code: 'EmptyFile' },
  {
    name: '1e400',
    kind: 'ndjson',
    content: '{"id":1,"name":"Ann"}\n{"id":2,"name":1e400}\n',
    code: 'ValueOutOfRange',
    message: /line 2, column 16: the number 1e400 does not fit a double/,
  },
  {
    name: 'an integer beyond 64 bits',
    kind: 'ndjson',
    content: '{"id":123456789012345678901234567890,"name":"Ann"}\n',
    code: 'ValueOutOfRange',
    message: /line 1, column 7/,
  },
  {
    name: '1e400 in CSV (DuckDB read it as infinity)',
    kind: 'csv',
    content: 'id,name,score\n1,Ann,1.5\n2,Bob,1e400\n',
    code: 'ValueOutOfRange',
    message:
      /line 3, column 3 \("score"\): the number 1e400 does not fit a double; set options\.types\.score to "string"/,
  },
  {
    name: '-1e400 in a quoted CSV field after a multi-line one',
    kind: 'csv',
    content: 'id,name,score\n1,"Ann\nA.",1.5\n2,Bob,"-1e400"\n',
    code: 'ValueOutOfRange',
    message: /line 4, column 3 \("score"\)/,
  },
  {
    name: 'an integer beyond 64 bits in CSV (DuckDB read it as an inexact double)',
    kind: 'csv',
    content: 'id,name,score\n1,Ann,1\n123456789012345678901234567890,Bob,2\n',
    code: 'ValueOutOfRange',
    message: /line 3, column 1 \("id"\): the integer 123456789012345678901234567890 does not fit 64 bits/,
  },
];

for (const engine of await engines()) {
  describe(`hostile data source files (${engine})`, () => {
    test('each fails its refresh with a clear error; the last good data stays served', async () => {
      const s = await startTestServer({ engine });
      try {
        for (const kind of ['json', 'ndjson', 'csv'] as const) {
          const file = `people-${kind}.${kind}`;
          const entity = `People${kind}`;
          const body = { name: `People ${kind}`, kind, location: file, entity, primaryKey: 'id' };
          const ds = await ok(s, 'POST', base, body);
          s.importFile(file, content(kind));
          assert.equal((await refresh(s, ds.id)).status, 'succeeded');
          for (const h of hostile.filter((x) => x.kind === kind)) {
            s.importFile(file, h.content);
            const job = await refresh(s, ds.id);
            assert.equal(job.status, 'failed', h.name);
            const task = job.tasks[0];
            assert.equal(task.error.code, h.code, `${h.name}: ${JSON.stringify(task.error)}`);
            assert.match(task.error.message, h.message ?? new RegExp(file.replace('.', '\\.')), h.name);
            assert.equal((await s.call('GET', '/v1/health')).status, 200, h.name);
            const rows = await s.readEntity('default', entity, 'id');
            assert.deepEqual(
              rows.map((r) => r.name),
              ['Ann', 'Bob'],
              `${h.name}: the previous data stays`,
            );
          }
        }
      } finally {
        await s.stop();
      }
    });

    test('a quoted big number stays text, exactly', async () => {
      const s = await startTestServer({ engine });
      try {
        const ds = await ok(s, 'POST', base, { name: 'Big', kind: 'ndjson', location: 'big.ndjson', entity: 'Big' });
        s.importFile('big.ndjson', '{"id":1,"n":"123456789012345678901234567890"}\n');
        assert.equal((await refresh(s, ds.id)).status, 'succeeded');
        assert.deepEqual(await s.readEntity('default', 'Big'), [{ id: 1n, n: '123456789012345678901234567890' }]);
      } finally {
        await s.stop();
      }
    });

    test('a CSV column typed as string keeps big numbers as their exact text; numbers that fit stay numbers', async () => {
      const s = await startTestServer({ engine });
      try {
        const options = { types: { n: 'string' } };
        const ds = await ok(s, 'POST', base, { name: 'Big', kind: 'csv', location: 'big.csv', entity: 'Big', options });
        s.importFile('big.csv', 'id,n,x\n1,123456789012345678901234567890,1e19\n2,1e400,9223372036854775807\n');
        assert.equal((await refresh(s, ds.id)).status, 'succeeded');
        assert.deepEqual(await s.readEntity('default', 'Big', 'id'), [
          { id: 1n, n: '123456789012345678901234567890', x: 1e19 },
          { id: 2n, n: '1e400', x: 2 ** 63 },
        ]);
      } finally {
        await s.stop();
      }
    });
  });
}
