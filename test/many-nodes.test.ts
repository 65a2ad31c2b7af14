// Three real nodes (SPEC §10): three server processes on one PostgreSQL database and one shared directory, each with
// its own port and data directory. Checked: every node gives the same answers after a refresh ran on another, a
// nextLink from one node works on another, the changes of segment membership (SegmentMembershipChanges) of jobs run
// on different nodes are one history on every node and each event's changesLink works on any node, `kill -9` of the
// nodes holding a flow run and a delivery in flight hands both over to a survivor (the delivery with the same
// webhook-id, its lost attempt in the log), a job started on one node is read from the others, `kill -9` of the node
// running a job (no restart) ends the job within the lease and a new refresh succeeds on a survivor, a node restarted
// within its lease ends its own interrupted job, no delivery is lost across nodes and kills, and the rate limit is
// one count across nodes. A short lease (2 s) keeps the test quick; nothing waits on the clock, only on conditions.
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { postgresUnavailable, postgresUrl } from './support/engines.ts';
import { until as pollUntil } from './support/net.ts';
import { startReceiver } from './support/receiver.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

const adminKey = 'many-nodes-admin-key-0123456789';
const U = '/v1/instances/default';
/** Two minutes: the many-node steps wait for leases and sweeps. */
const until = (what: string, check: () => Promise<boolean> | boolean) => pollUntil(what, check, 6000);

/** A CSV of `rows` contacts, written as a stream (large files make a job that runs for a while). */
async function writeContacts(file: string, rows: number, tag: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('ContactId,Name,Email,City\n');
  const chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    chunk.push(`C${String(i).padStart(8, '0')},Name ${i} ${tag},n${i}@example.com,City ${i % 97}\n`);
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join(''))) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk.length = 0;
    }
  }
  out.end(chunk.join(''));
  await new Promise<void>((r) => out.once('finish', () => r()));
}

interface Node {
  name: string;
  /** 0 until the node has first started. */
  port: number;
  dataDir: string;
  base: string;
  server: ServerProcess | null;
}

test('three nodes on one PostgreSQL and one shared directory', async (t) => {
  const reason = await postgresUnavailable();
  if (reason) {
    if (process.env.CI === 'true') throw new Error(`CI must run the many-node test: ${reason}`);
    t.skip(reason);
    return;
  }
  const dbName = `if_nodes_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${dbName}`;
  const control = new pg.Client({ connectionString: url.toString() });
  const work = mkdtempSync(path.join(os.tmpdir(), 'insightflow-nodes-'));
  const shared = path.join(work, 'shared');
  mkdirSync(path.join(shared, 'imports'), { recursive: true });
  const rx = await startReceiver();
  const nodes: Node[] = ['n1', 'n2', 'n3'].map((name) => ({
    name,
    port: 0,
    dataDir: path.join(work, name),
    base: '',
    server: null,
  }));
  /** Starts a node; restarted, on the port it had. */
  const start = async (n: Node) => {
    const s = await startServerProcess({
      env: {
        INSIGHTFLOW_DATA_DIR: n.dataDir,
        INSIGHTFLOW_DATABASE_URL: url.toString(),
        INSIGHTFLOW_SHARED_DIR: shared,
        INSIGHTFLOW_SECRET_KEY: 'many-nodes-secret-key-shared-by-all-nodes',
        INSIGHTFLOW_ADMIN_KEY: adminKey,
        INSIGHTFLOW_NODE_LEASE: '2s',
        INSIGHTFLOW_DEMO: '0',
        INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
        INSIGHTFLOW_LOG_LEVEL: 'error',
        INSIGHTFLOW_RATE_LIMIT: '1000000',
        INSIGHTFLOW_DUCKDB_MEMORY: '512MB',
      },
      echoStderr: true,
      ...(n.port ? { port: n.port } : {}),
    });
    Object.assign(n, { port: s.port, base: s.base, server: s });
  };
  const kill9 = async (n: Node) => {
    const s = n.server as ServerProcess;
    s.child.kill('SIGKILL');
    await s.exited;
    n.server = null;
  };
  const call = async (n: Node, method: string, p: string, body?: unknown, key = adminKey) => {
    const res = await fetch(p.startsWith('http') ? p : n.base + p, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const job = async (n: Node, id: string) => (await call(n, 'GET', `${U}/jobs/${id}`)).body;
  const ended = (j: { status: string }) => !['queued', 'running'].includes(j.status);
  const live = () => nodes.filter((n) => n.server);
  const runnerOf = async (jobId: string): Promise<Node> => {
    let holder: string | undefined;
    await until('a task of the job runs on some node', async () => {
      const r = await control.query<{ claimed_by: string }>(
        `SELECT j.claimed_by FROM jobs j JOIN tasks t ON t.job_id = j.id
         WHERE j.id = $1 AND j.status = 'running' AND t.status = 'running'`,
        [jobId],
      );
      holder = r.rows[0]?.claimed_by;
      return holder !== undefined;
    });
    for (const n of live()) if ((await call(n, 'GET', '/v1/health')).body.node.id === holder) return n;
    throw new Error(`no live node is ${holder}`);
  };

  try {
    await start(nodes[0]!);
    await Promise.all([start(nodes[1]!), start(nodes[2]!)]);
    await control.connect();
    const ids = await Promise.all(nodes.map(async (n) => (await call(n, 'GET', '/v1/health')).body.node.id));
    assert.equal(new Set(ids).size, 3, 'three nodes, three ids');

    // Deliveries from every node to one receiver; checked at the end against the events table.
    const sub = await call(nodes[0]!, 'POST', `${U}/subscriptions`, {
      url: `${rx.url}/hook`,
      eventTypes: ['datasource.refresh.succeeded', 'datasource.refresh.failed'],
    });
    assert.equal(sub.status, 201);

    // A refresh submitted to node 2 is read on every node, with the same answers.
    await writeContacts(path.join(shared, 'imports', 'contacts.csv'), 1000, 'a');
    const ds = await call(nodes[1]!, 'POST', `${U}/manage/datasources`, {
      name: 'Contacts',
      kind: 'csv',
      location: 'contacts.csv',
      primaryKey: 'ContactId',
      owners: ['o@x.io'],
    });
    assert.equal(ds.status, 201, JSON.stringify(ds.body));
    const first = (await call(nodes[1]!, 'POST', `${U}/manage/datasources/${ds.body.id}/refresh`)).body;
    await until('the first refresh ended, seen from node 3', async () => ended(await job(nodes[2]!, first.id)));
    assert.equal((await job(nodes[0]!, first.id)).status, 'succeeded', 'node 1 reads the job too');
    const q = `${U}/data/Contacts?$top=3&$count=true&$filter=${encodeURIComponent("City eq 'City 5'")}`;
    const answers = await Promise.all(nodes.map((n) => call(n, 'GET', q)));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(answers[0]!.body['@odata.count'], 11);
    for (const a of answers.slice(1))
      assert.deepEqual(a.body.value, answers[0]!.body.value, 'same answer on every node');
    const next = answers[0]!.body['@odata.nextLink'] as string;
    const onOther = await call(nodes[2]!, 'GET', next.replace(nodes[0]!.base, nodes[2]!.base));
    assert.equal(onOther.status, 200, 'a nextLink of node 1 works on node 3');
    assert.deepEqual(onOther.body.value, (await call(nodes[0]!, 'GET', next)).body.value);

    // SegmentMembershipChanges is published like every entity: each job's changes are read from every node, through
    // the changesLink of its event, and the history stays whole whichever node ran which job.
    const crm = (rows: string[]) => ['contact_id,first_name,points', ...rows].join('\n');
    const crmData = [
      crm(['1,Ann,100', '2,Bob,500', '3,Cy,300']),
      crm(['1,Ann,900', '2,Bob,10', '3,Cy,300', '4,Dee,700', '5,Eve,800']),
    ];
    writeFileSync(path.join(shared, 'imports', 'crm.csv'), crmData[0]!);
    const crmSource = await call(nodes[0]!, 'POST', `${U}/manage/datasources`, {
      name: 'CRM',
      kind: 'csv',
      location: 'crm.csv',
      entity: 'CrmContacts',
      primaryKey: 'contact_id',
    });
    assert.equal(crmSource.status, 201, JSON.stringify(crmSource.body));
    const unified = await call(nodes[0]!, 'PUT', `${U}/manage/unification`, {
      map: [
        { entity: 'CrmContacts', primaryKey: 'contact_id', attributes: { first_name: 'FirstName', points: 'Points' } },
      ],
      match: { order: ['CrmContacts'], deduplicate: false, rules: [] },
      merge: { default: { policy: 'importance' }, attributes: {} },
    });
    assert.equal(unified.status, 200, JSON.stringify(unified.body));
    const fullRefresh = async (n: Node) => {
      const j = (await call(n, 'POST', `${U}/jobs`, { operationType: 'all' })).body;
      await until(`full refresh ${j.id} ended`, async () => ended(await job(n, j.id)));
      assert.equal((await job(n, j.id)).status, 'succeeded');
      const r = await control.query<{ claimed_by: string }>('SELECT claimed_by FROM jobs WHERE id = $1', [j.id]);
      return { id: j.id as string, node: r.rows[0]!.claimed_by };
    };
    await fullRefresh(nodes[0]!); // Customer, for the segment query to be checked against
    const vip = await call(nodes[0]!, 'POST', `${U}/manage/segments`, {
      name: 'VIP',
      query: 'Points ge 300',
      owners: [],
    });
    const changesSub = await call(nodes[0]!, 'POST', `${U}/triggers/segment-membership-changed/subscriptions`, {
      callbackUrl: `${rx.url}/changes`,
      segmentId: vip.body.id,
    });
    assert.equal(changesSub.status, 201, JSON.stringify(changesSub.body));
    await fullRefresh(nodes[0]!); // the baseline: nothing recorded
    // Jobs that change members, each submitted to another node (the node a job is submitted to wakes first), until
    // two of them ran on different nodes.
    const changeJobs: Array<{ id: string; node: string }> = [];
    for (let i = 0; i < 6 && new Set(changeJobs.map((j) => j.node)).size < 2; i++) {
      writeFileSync(path.join(shared, 'imports', 'crm.csv'), crmData[(i + 1) % 2]!);
      changeJobs.push(await fullRefresh(nodes[(i + 1) % 3]!));
    }
    assert.ok(new Set(changeJobs.map((j) => j.node)).size >= 2, 'jobs with changes ran on two nodes');
    const changeEvents = () =>
      rx.received.filter((r) => r.path === '/changes').map((r) => r.json as { data: Record<string, any> });
    await until('every job with changes sent its summary', () => changeEvents().length === changeJobs.length);
    for (const e of changeEvents()) {
      const link = new URL(e.data.changesLink as string);
      const perNode = await Promise.all(nodes.map((n) => call(n, 'GET', n.base + link.pathname + link.search)));
      for (const r of perNode) {
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.value.length, e.data.entered + e.data.exited, 'the changes of the job, on every node');
        assert.ok(r.body.value.every((c: { JobId: string }) => c.JobId === e.data.jobId));
        assert.deepEqual(r.body.value, perNode[0]!.body.value, 'the same changes on every node');
      }
    }
    const history = await Promise.all(
      nodes.map((n) => call(n, 'GET', `${U}/data/SegmentMembershipChanges?$count=true&$top=1000`)),
    );
    const total = changeEvents().reduce((sum, e) => sum + e.data.entered + e.data.exited, 0);
    for (const h of history) {
      assert.equal(h.body['@odata.count'], total, 'the whole history on every node');
      assert.deepEqual(
        new Set(h.body.value.map((c: { JobId: string }) => c.JobId)),
        new Set(changeJobs.map((j) => j.id)),
      );
    }

    // kill -9 of the nodes holding a flow run and a delivery while their requests are in flight: a survivor's sweeper
    // hands both over within the lease — the flow's step is sent again and the run succeeds; the delivery is sent again
    // with the same webhook-id and its log shows the lost attempt.
    const slowSeen = new Map<string, number>();
    rx.respond = (r) => {
      if (!r.path.startsWith('/slow')) return { status: 200 };
      slowSeen.set(r.path, (slowSeen.get(r.path) ?? 0) + 1);
      // The first request of each path hangs (below the senders' 15 s response timeout) until its node is killed.
      return { status: 200, ...(slowSeen.get(r.path) === 1 ? { delayMs: 12_000 } : {}) };
    };
    const flow = await call(nodes[0]!, 'POST', `${U}/flows`, {
      name: 'Tell the CRM team',
      trigger: { type: 'datasource-refresh-succeeded', dataSourceId: crmSource.body.id },
      steps: [
        { name: 'post', type: 'http.request', method: 'POST', url: `${rx.url}/slow-flow`, body: '{{ event.id }}' },
      ],
    });
    assert.equal(flow.status, 201, JSON.stringify(flow.body));
    const slowSub = await call(nodes[0]!, 'POST', `${U}/subscriptions`, {
      url: `${rx.url}/slow-hook`,
      eventTypes: ['datasource.refresh.succeeded'],
    });
    assert.equal(slowSub.status, 201, JSON.stringify(slowSub.body));
    const crmRefresh = (await call(nodes[2]!, 'POST', `${U}/manage/datasources/${crmSource.body.id}/refresh`)).body;
    await until('the refresh that fires the flow ended', async () => ended(await job(nodes[2]!, crmRefresh.id)));
    await until('both slow requests are in flight', () => slowSeen.size === 2);
    const holders = await control.query<{ claimed_by: string }>(
      `SELECT claimed_by FROM flow_runs WHERE flow_id = $1 UNION
       SELECT claimed_by FROM deliveries WHERE subscription_id = $2`,
      [flow.body.id, slowSub.body.id],
    );
    const holding = holders.rows.map((h) => nodes[ids.indexOf(h.claimed_by)]!);
    assert.ok(holding.length >= 1 && holding.length <= 2, JSON.stringify(holders.rows));
    for (const n of holding) await kill9(n);
    const alive = live()[0]!;
    const runsOf = async () => (await call(alive, 'GET', `${U}/flows/${flow.body.id}/runs`)).body.value;
    await until('a survivor ran the flow of the killed node', async () => (await runsOf())[0]?.status === 'succeeded');
    assert.equal(slowSeen.get('/slow-flow'), 2, 'the step was sent again by the survivor');
    const slowDelivery = async () =>
      (await call(alive, 'GET', `${U}/subscriptions/${slowSub.body.id}/deliveries`)).body.value[0];
    await until(
      'a survivor delivered the event of the killed node',
      async () => (await slowDelivery())?.status === 'succeeded',
    );
    const taken = await slowDelivery();
    assert.equal(taken.attempts.length, 2, 'the lost attempt is in the log');
    assert.match(taken.attempts[0].error, /outcome unknown/);
    const hookIds = rx.received.filter((r) => r.path === '/slow-hook').map((r) => String(r.headers['webhook-id']));
    assert.equal(hookIds.length, 2);
    assert.equal(hookIds[0], hookIds[1], 'sent again with the same webhook-id');
    for (const n of holding) await start(n);

    // The rate limit is one count across nodes.
    const limited = await call(nodes[0]!, 'POST', `${U}/connections`, {
      name: 'limited',
      role: 'viewer',
      rateLimit: 5,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await call(nodes[i % 3]!, 'GET', `${U}/jobs`, undefined, limited.body.key)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);

    // kill -9 of the node running a long job, no restart: a survivor ends the job; the instance takes new jobs.
    await writeContacts(path.join(shared, 'imports', 'contacts.csv'), 2_000_000, 'b');
    const long = (await call(nodes[0]!, 'POST', `${U}/manage/datasources/${ds.body.id}/refresh`)).body;
    const victim = await runnerOf(long.id);
    await kill9(victim);
    const survivor = live()[0]!;
    await until('a survivor ended the job of the killed node', async () => ended(await job(survivor, long.id)));
    const killed = await job(survivor, long.id);
    assert.equal(killed.status, 'failed');
    assert.equal(killed.tasks[0].error.code, 'Interrupted');
    await writeContacts(path.join(shared, 'imports', 'contacts.csv'), 500, 'c');
    const after = (await call(survivor, 'POST', `${U}/manage/datasources/${ds.body.id}/refresh`)).body;
    await until('the refresh after the kill ended', async () => ended(await job(survivor, after.id)));
    assert.equal((await job(survivor, after.id)).status, 'succeeded');
    const fresh = await Promise.all(live().map((n) => call(n, 'GET', `${U}/data/Contacts?$count=true&$top=1`)));
    for (const f of fresh) assert.equal(f.body['@odata.count'], 500, 'every live node serves the newest snapshot');
    const served = async () =>
      new Set(await Promise.all(live().map(async (n) => (await call(n, 'GET', '/v1/health')).body.snapshots.default)));
    await until('every live node reports the same snapshot version', async () => (await served()).size === 1);

    // A node restarted within its lease ends its own interrupted job.
    await start(victim);
    await writeContacts(path.join(shared, 'imports', 'contacts.csv'), 2_000_000, 'd');
    const again = (await call(victim, 'POST', `${U}/manage/datasources/${ds.body.id}/refresh`)).body;
    const runner2 = await runnerOf(again.id);
    await kill9(runner2);
    await start(runner2);
    await until('the restarted node ended its interrupted job', async () => ended(await job(runner2, again.id)));
    const restarted = await job(runner2, again.id);
    assert.equal(restarted.status, 'failed');
    assert.equal(restarted.tasks[0].error.code, 'Interrupted');

    // No delivery lost: every subscribed event reached the receiver (duplicates after a kill carry the same id).
    const events = await control.query<{ id: string }>(
      `SELECT id FROM events WHERE type IN ('datasource.refresh.succeeded', 'datasource.refresh.failed')`,
    );
    assert.ok(events.rows.length >= 4);
    const want = new Set(events.rows.map((e) => e.id));
    const got = () => new Set(rx.received.map((r) => String(r.headers['webhook-id'])));
    await until('every event was delivered', () => [...want].every((id) => got().has(id)));

    // The files of the replaced version go once every live node has synced past it (grace: two leases).
    const published = await control.query<{ version: number }>("SELECT version FROM entities WHERE name = 'Contacts'");
    const dir = (version: number) => path.join(shared, 'snapshots', 'default', `Contacts__v${version}`);
    const newest = Number(published.rows[0]!.version);
    assert.ok(existsSync(dir(newest)));
    await until('the replaced version was removed from the shared directory', () => !existsSync(dir(newest - 1)));
  } finally {
    await Promise.all(live().map((n) => kill9(n)));
    await rx.close();
    await control.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
});
