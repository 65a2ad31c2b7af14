// Instances, connections, keys and roles through the HTTP API, on both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { engines, postgresUrl } from './support/engines.ts';
import { manualClock } from '../src/core/clock.ts';
import { adminKey, startTestServer } from './support/runtime.ts';

for (const engine of await engines()) {
  describe(`tenancy and authentication (${engine})`, () => {
    test('health is open; everything else needs a valid key', async () => {
      const s = await startTestServer({ engine });
      try {
        assert.equal((await s.call('GET', '/v1/health', { key: null })).status, 200);
        const none = await s.call('GET', '/v1/instances', { key: null });
        assert.equal(none.status, 401);
        assert.equal(none.body.error.code, 'Unauthorized');
        assert.equal((await s.call('GET', '/v1/instances', { key: 'ifk_wrong' })).status, 401);
        assert.equal(
          (await s.call('GET', '/v1/instances', { key: null, headers: { authorization: 'Basic abc' } })).status,
          401,
        );
        const viaHeader = await s.call('GET', '/v1/instances', { key: null, headers: { 'api-key': adminKey } });
        assert.equal(viaHeader.status, 200);
        assert.deepEqual(
          viaHeader.body.value.map((i: { id: string }) => i.id),
          ['default'],
        );
      } finally {
        await s.stop();
      }
    });

    test('keys are shown once and stored only as hashes', async () => {
      const s = await startTestServer({ engine });
      try {
        const c = await s.call('POST', '/v1/instances/default/connections', { body: { name: 'Flow', role: 'viewer' } });
        assert.equal(c.status, 201);
        assert.match(c.body.key, /^ifk_[A-Za-z0-9_-]{40,}$/);
        assert.ok((c.headers.get('location') ?? '').startsWith(`${s.url}/v1/instances/default/connections/conn_`));
        const rows = await s.runtime.services.db.all<Record<string, unknown>>('SELECT * FROM connections');
        const dump = JSON.stringify(rows);
        assert.ok(!dump.includes(c.body.key), 'the key is not stored');
        assert.ok(!dump.includes(adminKey), 'the admin key is not stored');
        const listed = await s.call('GET', '/v1/instances/default/connections');
        assert.ok(!JSON.stringify(listed.body).includes(c.body.key), 'the key is never listed');
        assert.equal(
          (await s.call('GET', '/v1/instances/default/manage/datasources', { key: c.body.key })).status,
          200,
        );
        assert.equal((await s.call('DELETE', `/v1/instances/default/connections/${c.body.id}`)).status, 204);
        assert.equal(
          (await s.call('GET', '/v1/instances/default/manage/datasources', { key: c.body.key })).status,
          401,
        );
      } finally {
        await s.stop();
      }
    });

    test('a revoked key is refused at once, also when another node revoked it', async () => {
      const s = await startTestServer({ engine });
      try {
        const make = async () =>
          (await s.call('POST', '/v1/instances/default/connections', { body: { name: 'Flow', role: 'viewer' } })).body;
        const use = async (key: string) => (await s.call('GET', '/v1/instances/default/jobs', { key })).status;
        const here = await make();
        for (let i = 0; i < 3; i++) assert.equal(await use(here.key), 200);
        assert.equal((await s.call('DELETE', `/v1/instances/default/connections/${here.id}`)).status, 204);
        assert.equal(await use(here.key), 401, 'revoked on this node');
        if (engine !== 'postgres') return;
        // Another node revokes by committing the same change to the shared control store; this node has the key cached.
        const there = await make();
        for (let i = 0; i < 3; i++) assert.equal(await use(there.key), 200);
        const db = s.runtime.services.db;
        const other = new pg.Client({ connectionString: postgresUrl });
        await other.connect();
        try {
          const schema = (await db.get<{ s: string }>('SELECT current_schema() AS s'))?.s as string;
          await other.query(`UPDATE ${schema}.connections SET revoked_at = $1 WHERE id = $2`, [
            new Date().toISOString(),
            there.id,
          ]);
        } finally {
          await other.end();
        }
        const r = await s.call('GET', '/v1/instances/default/jobs', { key: there.key });
        assert.equal(r.status, 401, 'revoked by another node');
        assert.equal(r.body.error.code, 'Unauthorized');
      } finally {
        await s.stop();
      }
    });

    test('a connection shows when its key was last used, written at most once a minute', async () => {
      const clock = manualClock('2026-03-01T10:00:00.000Z');
      const s = await startTestServer({ engine, clock });
      try {
        const c = await s.call('POST', '/v1/instances/default/connections', { body: { name: 'Flow', role: 'viewer' } });
        const lastUsed = async () =>
          (await s.call('GET', '/v1/instances/default/connections')).body.value.find((x: any) => x.id === c.body.id)
            .lastUsedAt;
        assert.equal(await lastUsed(), null);
        const use = async () =>
          assert.equal((await s.call('GET', '/v1/instances/default/jobs', { key: c.body.key })).status, 200);
        await use();
        assert.equal(await lastUsed(), '2026-03-01T10:00:00.000Z');
        clock.advance(59_000);
        await use();
        assert.equal(await lastUsed(), '2026-03-01T10:00:00.000Z', 'not written again within the minute');
        clock.advance(1_000);
        await use();
        assert.equal(await lastUsed(), '2026-03-01T10:01:00.000Z');
      } finally {
        await s.stop();
      }
    });

    test('roles: viewer reads, contributor changes, admin manages connections', async () => {
      const s = await startTestServer({ engine });
      try {
        const key = async (role: string) =>
          (await s.call('POST', '/v1/instances/default/connections', { body: { name: role, role } })).body
            .key as string;
        const viewer = await key('viewer');
        const contributor = await key('contributor');
        const admin = await key('admin');
        const ds = { name: 'A', kind: 'csv', location: 'a.csv' };
        const denied = await s.call('POST', '/v1/instances/default/manage/datasources', { key: viewer, body: ds });
        assert.equal(denied.status, 403);
        assert.equal(denied.body.error.code, 'Forbidden');
        assert.equal((await s.call('GET', '/v1/instances/default/manage/datasources', { key: viewer })).status, 200);
        assert.equal(
          (await s.call('POST', '/v1/instances/default/manage/datasources', { key: contributor, body: ds })).status,
          201,
        );
        assert.equal(
          (
            await s.call('POST', '/v1/instances/default/connections', {
              key: contributor,
              body: { name: 'x', role: 'viewer' },
            })
          ).status,
          403,
        );
        assert.equal(
          (
            await s.call('POST', '/v1/instances/default/connections', {
              key: admin,
              body: { name: 'x', role: 'viewer' },
            })
          ).status,
          201,
        );
        assert.equal(
          (await s.call('POST', '/v1/instances', { key: admin, body: { name: 'Other' } })).status,
          403,
          'only the system administrator creates instances',
        );
      } finally {
        await s.stop();
      }
    });

    test('a connection of one instance cannot see another instance', async () => {
      const s = await startTestServer({ engine });
      try {
        const created = await s.call('POST', '/v1/instances', { body: { name: 'Contoso EU' } });
        assert.equal(created.status, 201);
        assert.equal(created.body.id, 'contoso-eu');
        assert.equal((await s.call('POST', '/v1/instances', { body: { name: 'Contoso EU' } })).status, 409);
        const other = (
          await s.call('POST', '/v1/instances/contoso-eu/connections', { body: { name: 'o', role: 'admin' } })
        ).body.key as string;
        const mine = (await s.call('POST', '/v1/instances/default/connections', { body: { name: 'm', role: 'admin' } }))
          .body.key as string;
        const ds = await s.call('POST', '/v1/instances/default/manage/datasources', {
          key: mine,
          body: { name: 'Secret', kind: 'csv', location: 'a.csv' },
        });
        for (const p of [
          '/v1/instances/default',
          '/v1/instances/default/manage/datasources',
          `/v1/instances/default/manage/datasources/${ds.body.id}`,
          '/v1/instances/default/jobs',
        ]) {
          const r = await s.call('GET', p, { key: other });
          assert.equal(r.status, 404, p);
          assert.equal(r.body.error.code, 'NotFound');
        }
        assert.equal(
          (await s.call('GET', `/v1/instances/contoso-eu/manage/datasources/${ds.body.id}`, { key: other })).status,
          404,
        );
        const seen = await s.call('GET', '/v1/instances', { key: other });
        assert.deepEqual(
          seen.body.value.map((i: { id: string }) => i.id),
          ['contoso-eu'],
        );
        assert.equal((await s.call('GET', '/v1/instances/nowhere/jobs')).status, 404);
      } finally {
        await s.stop();
      }
    });

    test('bad request bodies are 400 with a code, never 500', async () => {
      const s = await startTestServer({ engine });
      try {
        const cases: Array<[string, string, unknown]> = [
          ['POST', '/v1/instances/default/connections', '{not json'],
          ['POST', '/v1/instances/default/connections', { name: 'x', role: 'owner' }],
          ['POST', '/v1/instances/default/connections', { name: 'x', role: 'viewer', extra: true }],
          ['POST', '/v1/instances/default/connections', { name: 42, role: 'viewer' }],
          ['POST', '/v1/instances/default/connections', [1, 2]],
          ['POST', '/v1/instances/default/connections', 'null'],
          ['POST', '/v1/instances/default/jobs', { operationType: 'everything' }],
          ['POST', '/v1/instances', {}],
        ];
        for (const [method, p, body] of cases) {
          const r = await s.call(method, p, { body });
          assert.equal(r.status, 400, `${p} ${JSON.stringify(body)}`);
          assert.match(r.body.error.code, /^(BadRequest|ValidationFailed)$/);
          assert.ok(r.body.error.message.length > 5);
        }
        const unknownField = await s.call('POST', '/v1/instances/default/connections', {
          body: { name: 'x', role: 'viewer', colour: 'red' },
        });
        assert.match(unknownField.body.error.message, /unknown field\(s\) "colour"/);
        const wrongType = await s.call('POST', '/v1/instances/default/connections', {
          body: { name: 'x', role: 'viewer', rateLimit: 'many' },
        });
        assert.match(wrongType.body.error.message, /body\.rateLimit/);
        const unknownRoute = await s.call('GET', '/v1/nothing-here');
        assert.equal(unknownRoute.status, 404);
      } finally {
        await s.stop();
      }
    });
  });
}
