// One contract suite for both control-store engines: the same statements, transactions, locks and migrations
// behave the same on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { historyOf, previousEvaluation, recordEvaluation } from '../src/insights/history.ts';
import { historyLimit } from '../src/insights/model.ts';
import { migrations } from '../src/store/migrate.ts';
import { migrate, openPostgres, openSqlite, type Db } from '../src/store/index.ts';
import { dropSchema, engines, freshSchema, postgresUrl, type Engine } from './support/engines.ts';

async function open(engine: Engine): Promise<{ db: Db; done: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'store-'));
    const db = openSqlite(path.join(dir, 'c.sqlite'));
    await migrate(db);
    return {
      db,
      done: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = freshSchema();
  const db = await openPostgres({ connectionString: postgresUrl, schema });
  await migrate(db);
  return {
    db,
    done: async () => {
      await db.close();
      await dropSchema(schema);
    },
  };
}

for (const engine of await engines()) {
  describe(`control store contract (${engine})`, () => {
    test('migrations apply once and record their versions', async () => {
      const { db, done } = await open(engine);
      try {
        assert.equal(await migrate(db), 0, 'a second run applies nothing');
        const rows = await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(
          rows.map((r) => Number(r.version)),
          migrations.map((m) => m.version),
        );
      } finally {
        await done();
      }
    });

    test('placeholders, RETURNING, upserts and numbers', async () => {
      const { db, done } = await open(engine);
      try {
        await db.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', [
          'a',
          'A',
          '2026-01-01T00:00:00Z',
        ]);
        await db.run(
          `INSERT INTO settings (instance_id, name, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (instance_id, name) DO UPDATE SET value = excluded.value`,
          ['a', 'x', '1', 'now'],
        );
        await db.run(
          `INSERT INTO settings (instance_id, name, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (instance_id, name) DO UPDATE SET value = excluded.value`,
          ['a', 'x', '2', 'now'],
        );
        assert.equal(
          (await db.get<{ value: string }>('SELECT value FROM settings WHERE instance_id = ? AND name = ?', ['a', 'x']))
            ?.value,
          '2',
        );
        await db.run(
          `INSERT INTO subscriptions (id, instance_id, style, url, event_types, params, format, enabled, secret, trigger_state, created_at, updated_at)
           VALUES ('s', 'a', 'webhook', 'u', '[]', '{}', 'standard', 1, 'k', '{}', 'now', 'now')`,
        );
        const seq = await db.get<{ seq: number }>(
          'UPDATE subscriptions SET next_sequence = next_sequence + 1 WHERE id = ? RETURNING next_sequence - 1 AS seq',
          ['s'],
        );
        assert.equal(seq?.seq, 1, 'BIGINT comes back as a number');
        assert.equal((await db.run('DELETE FROM settings WHERE instance_id = ?', ['a'])).changes, 1);
      } finally {
        await done();
      }
    });

    test('a failed transaction leaves nothing; afterCommit runs only after commit', async () => {
      const { db, done } = await open(engine);
      try {
        const ran: string[] = [];
        await assert.rejects(
          db.tx(async (tx) => {
            await tx.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['x', 'X', 'now']);
            tx.afterCommit(() => ran.push('rolled back'));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await db.get('SELECT id FROM instances WHERE id = ?', ['x']), undefined);
        await db.tx(async (tx) => {
          await tx.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['y', 'Y', 'now']);
          tx.afterCommit(() => ran.push('committed'));
          await tx.tx(async (inner) =>
            inner.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['z', 'Z', 'now']),
          );
          assert.deepEqual(ran, []);
        });
        assert.deepEqual(ran, ['committed']);
        assert.equal((await db.all('SELECT id FROM instances WHERE id IN (?, ?)', ['y', 'z'])).length, 2);
      } finally {
        await done();
      }
    });

    test('a batch is written inside its transaction just before commit, once, and dropped on rollback', async () => {
      const { db, done } = await open(engine);
      const key = {};
      const second = {};
      const insert = async (tx: Db, ids: string[]) => {
        await tx.run(
          `INSERT INTO instances (id, name, created_at) VALUES ${ids.map(() => "(?, ?, 'now')").join(', ')}`,
          ids.flatMap((id) => [id, id]),
        );
      };
      const flushes: string[][] = [];
      const flush = async (tx: Db, ids: string[]) => {
        flushes.push([...ids]);
        await insert(tx, ids);
        // A flush may open a batch of its own; it is written after this one, still before commit.
        if (ids.includes('b2')) tx.batch(second, () => ['b3'], insert);
      };
      try {
        assert.throws(() => db.batch(key, (): string[] => [], flush), /outside a transaction/);
        await assert.rejects(
          db.tx(async (tx) => {
            tx.batch(key, (): string[] => [], flush).push('r1');
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(flushes.length, 0);
        let seenInside: unknown;
        await db.tx(async (tx) => {
          tx.batch(key, (): string[] => [], flush).push('b1');
          // Joined through a nested call or the outer handle, it is the same batch.
          await tx.tx(async (inner) => inner.batch(key, (): string[] => [], flush).push('b2'));
          db.batch(key, (): string[] => [], flush).push('b4');
          seenInside = await tx.get('SELECT id FROM instances WHERE id = ?', ['b1']);
          tx.afterCommit(() => flushes.push(['committed']));
        });
        assert.equal(seenInside, undefined, 'not written before the callback returns');
        assert.deepEqual(flushes, [['b1', 'b2', 'b4'], ['committed']]);
        const ids = await db.all<{ id: string }>(
          "SELECT id FROM instances WHERE id LIKE 'b%' OR id = 'r1' ORDER BY id",
        );
        assert.deepEqual(
          ids.map((r) => r.id),
          ['b1', 'b2', 'b3', 'b4'],
        );
        await assert.rejects(
          db.tx(async (tx) => tx.batch(key, (): string[] => [], flush).push('b1')),
          'a failing flush rolls the transaction back',
        );
        assert.equal(
          (await db.all<{ id: string }>("SELECT id FROM instances WHERE id LIKE 'b%'")).length,
          4,
          'nothing of the failed transaction is left',
        );
      } finally {
        await done();
      }
    });

    test('a lazily flushed transaction commits like any other; the next one is flushed in full again', async () => {
      const { db, done } = await open(engine);
      const setting = async () =>
        engine === 'sqlite'
          ? Number((await db.get<{ synchronous: number }>('PRAGMA synchronous'))?.synchronous)
          : (await db.get<{ s: string }>("SELECT current_setting('synchronous_commit') AS s"))?.s;
      try {
        const full = await setting();
        let inside: unknown;
        await db.tx(
          async (tx) => {
            await tx.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['lazy', 'L', 'now']);
            inside =
              engine === 'sqlite'
                ? await setting()
                : (await tx.get<{ s: string }>("SELECT current_setting('synchronous_commit') AS s"))?.s;
          },
          { flush: 'lazy' },
        );
        assert.equal(inside, engine === 'sqlite' ? 1 : 'off', 'NORMAL (SQLite) or synchronous_commit off inside');
        assert.equal(await setting(), full, 'the setting is back afterwards');
        assert.equal(full, engine === 'sqlite' ? 2 : 'on');
        await assert.rejects(
          db.tx(async () => Promise.reject(new Error('boom')), { flush: 'lazy' }),
          /boom/,
        );
        assert.equal(await setting(), full, 'also after a rollback');
        assert.ok(await db.get('SELECT id FROM instances WHERE id = ?', ['lazy']));
      } finally {
        await done();
      }
    });

    test('statements outside a transaction do not join one that is open', async () => {
      const { db, done } = await open(engine);
      try {
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const inTx = db.tx(async (tx) => {
          await tx.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['t1', 'T1', 'now']);
          await gate;
          throw new Error('roll back');
        });
        const outside = db.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['t2', 'T2', 'now']);
        release();
        await assert.rejects(inTx, /roll back/);
        await outside;
        assert.equal(await db.get('SELECT id FROM instances WHERE id = ?', ['t1']), undefined);
        assert.ok(await db.get('SELECT id FROM instances WHERE id = ?', ['t2']));
      } finally {
        await done();
      }
    });

    test('withLock admits one holder at a time', async () => {
      const { db, done } = await open(engine);
      try {
        let release!: () => void;
        let entered!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const holding = new Promise<void>((r) => (entered = r));
        const first = db.withLock('k', async () => {
          entered();
          await gate;
          return 'first';
        });
        await holding;
        assert.equal(await db.withLock('k', async () => 'second'), undefined);
        release();
        assert.equal(await first, 'first');
        assert.equal(await db.withLock('k', async () => 'third'), 'third');
      } finally {
        await done();
      }
    });

    test('evaluation history keeps the last historyLimit evaluations of each subject, read by instance', async () => {
      const { db, done } = await open(engine);
      try {
        await db.run("INSERT INTO instances (id, name, created_at) VALUES ('a', 'A', '2026-01-01T00:00:00Z')");
        const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
        for (let i = 0; i < historyLimit + 5; i++)
          for (const subjectId of ['seg_1', 'seg_2'])
            await db.tx((tx) =>
              recordEvaluation(tx, {
                instanceId: 'a',
                subjectId,
                jobId: `job_${String(i).padStart(3, '0')}`,
                evaluatedAt: at(i),
                result: { memberCount: i },
              }),
            );
        const history = await historyOf(db, 'a');
        for (const subjectId of ['seg_1', 'seg_2']) {
          const points = history.get(subjectId) ?? [];
          assert.equal(points.length, historyLimit);
          assert.equal(points[0]?.evaluatedAt, at(5), 'the oldest five are gone');
          assert.equal(points.at(-1)?.memberCount, historyLimit + 4);
        }
        const rows = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM evaluations');
        assert.equal(Number(rows?.n), 2 * historyLimit, 'pruned in the store, not only when read');
        assert.equal((await previousEvaluation(db, 'seg_1', 'job_104'))?.jobId, 'job_103');
      } finally {
        await done();
      }
    });

    test('one running job per instance is enforced by the store', async () => {
      const { db, done } = await open(engine);
      try {
        await db.run('INSERT INTO instances (id, name, created_at) VALUES (?, ?, ?)', ['a', 'A', 'now']);
        const insert = (id: string, status: string) =>
          db.run(
            `INSERT INTO jobs (id, instance_id, operation_type, submission_kind, status, submitted_at) VALUES (?, 'a', 'all', 'onDemand', ?, 'now')`,
            [id, status],
          );
        await insert('j1', 'running');
        await insert('j2', 'queued');
        await assert.rejects(db.run(`UPDATE jobs SET status = 'running' WHERE id = 'j2'`), /unique|duplicate/i);
      } finally {
        await done();
      }
    });
  });
}
