// Members of an instance ({email, role}): admins invite, change and remove; others are refused; bad input is a 400;
// every change is in the audit log; GET /v1/me tells a connection who it is. Both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { startTestServer } from './support/runtime.ts';

const U = '/v1/instances/default';

for (const engine of await engines()) {
  describe(`members (${engine})`, () => {
    test('admins invite, change and remove members; others are refused; changes are audited', async () => {
      const s = await startTestServer({ engine });
      try {
        const admin = await s.call('POST', `${U}/connections`, { body: { name: 'A', role: 'admin' } });
        const contributor = await s.call('POST', `${U}/connections`, { body: { name: 'C', role: 'contributor' } });
        const add = await s.call('POST', `${U}/members`, {
          body: { email: ' Ann@Example.com ', role: 'viewer' },
          key: admin.body.key,
        });
        assert.equal(add.status, 201, JSON.stringify(add.body));
        assert.equal(add.body.email, 'ann@example.com');
        assert.match(add.body.id, /^mbr_/);
        assert.match(add.headers.get('location') ?? '', new RegExp(`${U}/members/${add.body.id}$`));
        assert.equal(
          (await s.call('POST', `${U}/members`, { body: { email: 'ann@example.com', role: 'admin' } })).status,
          409,
        );
        for (const body of [
          { email: 'nobody', role: 'viewer' },
          { email: 'a@b.c', role: 'owner' },
          { email: 'a\u0000@b.c', role: 'viewer' },
          { email: 'a@b.c' },
          { email: 'a@b.c', role: 'viewer', extra: 1 },
        ])
          assert.equal((await s.call('POST', `${U}/members`, { body })).status, 400, JSON.stringify(body));
        assert.equal(
          (
            await s.call('POST', `${U}/members`, {
              body: { email: 'x@y.z', role: 'viewer' },
              key: contributor.body.key,
            })
          ).status,
          403,
        );
        assert.equal((await s.call('GET', `${U}/members`, { key: contributor.body.key })).status, 403);
        const patched = await s.call('PATCH', `${U}/members/${add.body.id}`, { body: { role: 'contributor' } });
        assert.equal(patched.status, 200);
        assert.equal(patched.body.role, 'contributor');
        const listed = await s.call('GET', `${U}/members`);
        assert.deepEqual(
          listed.body.value.map((m: any) => [m.email, m.role]),
          [['ann@example.com', 'contributor']],
        );
        assert.equal((await s.call('PATCH', `${U}/members/mbr_nope`, { body: { role: 'admin' } })).status, 404);
        assert.equal((await s.call('DELETE', `${U}/members/${add.body.id}`)).status, 204);
        assert.equal((await s.call('DELETE', `${U}/members/${add.body.id}`)).status, 404);
        const other = await s.call('POST', '/v1/instances', { body: { name: 'Other' } });
        assert.equal(
          (await s.call('GET', `/v1/instances/${other.body.id}/members`, { key: admin.body.key })).status,
          404,
          'an admin of one instance does not see another',
        );

        const audit = await s.call('GET', `${U}/audit?target=${add.body.id}`);
        assert.deepEqual(
          audit.body.value.map((e: any) => e.action),
          ['RemoveMember', 'UpdateMember', 'AddMember'],
        );
        assert.match(audit.body.value[2].summary, /email "ann@example.com", role "viewer"/);
        assert.deepEqual(audit.body.value[2].actor, { type: 'connection', id: admin.body.id });
      } finally {
        await s.stop();
      }
    });

    test('GET /v1/me for connections', async () => {
      const s = await startTestServer({ engine });
      try {
        const me = await s.call('GET', '/v1/me');
        assert.equal(me.status, 200);
        assert.equal(me.body.systemAdmin, true);
        assert.equal(me.body.email, null);
        assert.ok(me.body.instances.some((i: any) => i.id === 'default' && i.role === 'admin'));
        const viewer = await s.call('POST', `${U}/connections`, { body: { name: 'V', role: 'viewer' } });
        const vm = await s.call('GET', '/v1/me', { key: viewer.body.key });
        assert.deepEqual(vm.body, {
          email: null,
          name: null,
          systemAdmin: false,
          instances: [{ id: 'default', role: 'viewer' }],
          csrfToken: null,
        });
        assert.equal((await s.call('GET', '/v1/me', { key: null })).status, 401);
      } finally {
        await s.stop();
      }
    });
  });
}
