// SegmentMembership published as a view over a flags table (CustomerId and one BOOLEAN per segment, ADR 0008): it
// reads through the API like the table it replaced (paging by nextLink, $filter, $count), segments not evaluated keep
// their members across a refresh that changes the Customer rows, and replaced versions leave no view or backing table
// behind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engines } from './support/engines.ts';
import { ok, runAll, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const unification = {
  map: [
    {
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
      attributes: { first_name: 'FirstName', country: 'Country', points: 'Points' },
    },
  ],
  match: { order: ['CrmContacts'], deduplicate: true, rules: [] },
  merge: { default: { policy: 'importance' }, attributes: {} },
};
const contacts = (rows: string[]) => ['contact_id,first_name,country,points', ...rows].join('\n');
const first = contacts(['c1,Ann,DE,100', 'c2,Bob,DE,200', 'c3,Cy,NL,300', 'c4,Dee,NL,400', 'c5,Eve,DE,500']);
// Bob leaves, two profiles come before the others: the Customer rows (and rowids) change.
const second = contacts([
  'a1,Aba,NL,10',
  'a2,Abe,DE,20',
  'c1,Ann,DE,100',
  'c3,Cy,NL,300',
  'c4,Dee,NL,400',
  'c5,Eve,DE,500',
]);

async function walk(s: TestServer, first: string): Promise<{ rows: any[]; pages: number }> {
  const rows: any[] = [];
  let url: string | undefined = s.url + first;
  let pages = 0;
  for (; url && pages < 100; pages++) {
    const r: any = await ok(s, 'GET', url.slice(s.url.length), undefined, 200);
    rows.push(...r.value);
    url = r['@odata.nextLink'];
  }
  return { rows, pages };
}

const customerIds = async (s: TestServer, filter: string): Promise<string[]> =>
  (await ok(s, 'GET', `${U}/data/Customer?$filter=${encodeURIComponent(filter)}`, undefined, 200)).value
    .map((c: any) => c.CustomerId as string)
    .sort();

const membersOf = async (s: TestServer, name: string): Promise<string[]> =>
  (await walk(s, `${U}/data/SegmentMembership?$filter=${encodeURIComponent(`SegmentName eq '${name}'`)}`)).rows
    .map((m) => m.CustomerId as string)
    .sort();

async function relations(s: TestServer): Promise<{ tables: string[]; views: string[] }> {
  const data = await s.runtime.services.dataStore.instance('default');
  return data.read(async (c) => {
    const names = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJS().map((r) => r.name as string);
    return {
      tables: await names(
        "SELECT table_name AS name FROM duckdb_tables() WHERE starts_with(table_name, 'SegmentMembership__') ORDER BY 1",
      ),
      views: await names(
        "SELECT view_name AS name FROM duckdb_views() WHERE starts_with(view_name, 'SegmentMembership__') ORDER BY 1",
      ),
    };
  });
}

for (const engine of await engines()) {
  describe(`SegmentMembership as a view over a flags table (${engine})`, () => {
    test('reads like a table, keeps members of segments not evaluated, drops replaced versions', async () => {
      const s = await startTestServer({ engine });
      try {
        s.importFile('crm.csv', first);
        const crm = { name: 'CRM', kind: 'csv', location: 'crm.csv', entity: 'CrmContacts', primaryKey: 'contact_id' };
        await ok(s, 'POST', `${U}/manage/datasources`, crm, 201);
        const ingestion = await ok(s, 'POST', `${U}/jobs`, { operationType: 'ingestion' }, 202);
        assert.equal((await s.waitForJob('default', ingestion.id)).status, 'succeeded');
        await ok(s, 'PUT', `${U}/manage/unification`, unification, 200);
        const de = await ok(s, 'POST', `${U}/manage/segments`, { name: 'DE', query: "Country eq 'DE'" }, 201);
        const nl = await ok(s, 'POST', `${U}/manage/segments`, { name: 'NL', query: "Country eq 'NL'" }, 201);
        const bob = await ok(s, 'POST', `${U}/manage/segments`, { name: 'Bob', query: "FirstName eq 'Bob'" }, 201);
        const either = "IsMemberOfSegment('NL') or IsMemberOfSegment('Bob')";
        await ok(s, 'POST', `${U}/manage/segments`, { name: 'NL or Bob', query: either }, 201);
        await runAll(s, { mustSucceed: true });

        const all = await walk(s, `${U}/data/SegmentMembership?$top=2`);
        assert.equal(all.rows.length, 3 + 2 + 1 + 3);
        assert.equal(all.pages, 5, 'pages of two, by nextLink');
        assert.deepEqual(Object.keys(all.rows[0]).sort(), ['CustomerId', 'SegmentId', 'SegmentName']);
        const keys = all.rows.map((m) => `${m.SegmentId}/${m.CustomerId}`);
        assert.deepEqual(keys, [...keys].sort(), 'in key order');
        assert.equal(new Set(keys).size, keys.length, 'no row twice');
        const counted = await ok(
          s,
          'GET',
          `${U}/data/SegmentMembership?$filter=SegmentName eq 'DE'&$count=true&$top=1`,
          undefined,
          200,
        );
        assert.equal(counted['@odata.count'], 3);
        assert.equal(counted.value[0].SegmentId, de.id);
        assert.deepEqual(await membersOf(s, 'NL'), await customerIds(s, "Country eq 'NL'"));
        const nlOrBob = await customerIds(s, "Country eq 'NL' or FirstName eq 'Bob'");
        assert.deepEqual(await membersOf(s, 'NL or Bob'), nlOrBob, 'IsMemberOfSegment in the job (one scan)');
        assert.deepEqual(await customerIds(s, either), nlOrBob, 'IsMemberOfSegment through the API (the view)');
        const v1 = await relations(s);
        assert.equal(v1.views.length, 1);
        assert.equal(v1.tables.length, 1);

        const nlBefore = await membersOf(s, 'NL');
        for (const seg of [nl, bob]) await ok(s, 'PATCH', `${U}/manage/segments/${seg.id}`, { state: 'inactive' }, 200);
        s.importFile('crm.csv', second);
        await runAll(s, { mustSucceed: true });
        const nlIds = await customerIds(s, "Country eq 'NL'");
        const kept = await membersOf(s, 'NL');
        assert.equal(kept.length, 2, 'the inactive segment keeps its members, not the new NL profile');
        assert.deepEqual(
          kept,
          nlBefore.filter((id) => nlIds.includes(id)),
        );
        assert.deepEqual(await membersOf(s, 'Bob'), [], 'members whose profile is gone are dropped');
        assert.deepEqual(await membersOf(s, 'DE'), await customerIds(s, "Country eq 'DE'"));
        assert.deepEqual(await membersOf(s, 'NL or Bob'), kept, 'IsMemberOfSegment sees the kept members');

        const published = await s.runtime.services.db.get<{ physical: string }>(
          "SELECT physical FROM entities WHERE instance_id = 'default' AND name = 'SegmentMembership'",
        );
        const view = (published?.physical ?? '').slice(1, -1);
        assert.deepEqual(await relations(s), {
          tables: [`${view}__flags`],
          views: [view],
        });
        const cm = await s.runtime.services.dataStore.instance('default');
        const leftovers = await cm.read(async (c) =>
          (
            await c.runAndReadAll(
              "SELECT table_name FROM duckdb_tables() WHERE regexp_matches(table_name, '__v[0-9]+__')",
            )
          ).getRowObjectsJS(),
        );
        assert.equal(leftovers.length, 1, 'only the published version has backing tables');
      } finally {
        await s.stop();
      }
    });
  });
}
