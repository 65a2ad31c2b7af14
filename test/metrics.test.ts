// GET /metrics: Prometheus text behind a bearer token (or the system administrator's key), parsed line by line; its
// counters move when deliveries are sent, jobs end and calls are refused with 429. Request ids are echoed, and every
// answer carries one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { startReceiver } from './support/receiver.ts';
import { adminKey, startTestServer, type TestServer } from './support/runtime.ts';

const U = '/v1/instances/default';
const token = 'metrics-token-0123456789abcdef';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition format; throws on any line that is not a comment or a sample. */
function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[4]) });
  }
  return out;
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

async function scrape(s: TestServer): Promise<Sample[]> {
  const r = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
  return parsePrometheus(await r.text());
}

describe('metrics', () => {
  test('/metrics needs the metrics token or the system administrator key', async () => {
    const s = await startTestServer({ env: { INSIGHTFLOW_METRICS_TOKEN: token } });
    try {
      assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
      const wrong = await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer nope-nope-nope-nope' } });
      assert.equal(wrong.status, 401);
      const viewer = await s.call('POST', `${U}/connections`, { body: { name: 'v', role: 'admin' } });
      const asInstanceAdmin = await fetch(`${s.url}/metrics`, {
        headers: { authorization: `Bearer ${viewer.body.key}` },
      });
      assert.equal(asInstanceAdmin.status, 401);
      const byKey = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
      assert.equal(byKey.status, 200);
      assert.ok(parsePrometheus(await byKey.text()).some((x) => x.name === 'insightflow_up'));
    } finally {
      await s.stop();
    }
  });

  test('no token configured: only the system administrator key scrapes', async () => {
    const s = await startTestServer();
    try {
      assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
      const r = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } });
      assert.equal(r.status, 200);
    } finally {
      await s.stop();
    }
  });

  test('every answer carries its request id, also one its handler built and an error; rate-limit headers too', async () => {
    const s = await startTestServer();
    try {
      const id = (r: Response) => r.headers.get('x-request-id') ?? '';
      const definition = await fetch(`${s.url}/v1/connector/swagger.json`, { headers: { 'x-request-id': 'def-1' } });
      assert.equal(definition.status, 200);
      assert.equal(id(definition), 'def-1');
      const unknown = await fetch(`${s.url}/v1/nothing-here`);
      assert.equal(unknown.status, 404);
      assert.match(id(unknown), /^req_/);
      const refused = await fetch(`${s.url}/v1/instances`, { headers: { authorization: 'Bearer not-a-key' } });
      assert.equal(refused.status, 401);
      assert.match(id(refused), /^req_/);
      const read = await fetch(`${s.url}/v1/instances`, {
        headers: { authorization: `Bearer ${adminKey}`, 'x-request-id': 'read-1' },
      });
      assert.equal(read.status, 200);
      assert.equal(id(read), 'read-1');
      assert.match(read.headers.get('ratelimit') ?? '', /^"default";r=\d+;t=\d+$/);
      assert.match(read.headers.get('ratelimit-policy') ?? '', /^"default";q=\d+;w=60$/);
      assert.equal(read.headers.get('content-type'), 'application/json');
      // Two X-Request-Id fields read as one joined value, as the fetch API joins them: not a valid id, so a new one.
      const twice = await new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(`${s.url}/v1/health`, { headers: { 'x-request-id': ['a', 'b'] } }, resolve).on('error', reject),
      );
      twice.resume();
      assert.match(String(twice.headers['x-request-id']), /^req_/);
    } finally {
      await s.stop();
    }
  });

  test('counters move with requests, jobs, deliveries and 429s; request ids are echoed', async () => {
    const rx = await startReceiver();
    const s = await startTestServer({
      env: {
        INSIGHTFLOW_METRICS_TOKEN: token,
        INSIGHTFLOW_ALLOWED_TARGETS: '127.0.0.0/8',
        INSIGHTFLOW_RETRY_SCHEDULE: '20ms',
      },
    });
    try {
      const before = await scrape(s);
      assert.equal(sum(before, 'insightflow_deliveries_total'), 0);
      assert.equal(sum(before, 'insightflow_deliveries_pending'), 0);

      const echoed = await s.call('GET', '/v1/health', { headers: { 'x-request-id': 'trace-abc.1' } });
      assert.equal(echoed.headers.get('x-request-id'), 'trace-abc.1');
      assert.match((await s.call('GET', '/v1/health')).headers.get('x-request-id') ?? '', /^req_/);

      const sub = await s.call('POST', `${U}/subscriptions`, {
        body: { url: `${rx.url}/hook`, eventTypes: ['datasource.refresh.succeeded', 'datasource.refresh.failed'] },
      });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      s.importFile('crm.csv', 'id,name\n1,Ann\n');
      const ds = await s.call('POST', `${U}/manage/datasources`, {
        body: { name: 'CRM', kind: 'csv', location: 'crm.csv' },
      });
      assert.equal(ds.status, 201);
      const missing = await s.call('POST', `${U}/manage/datasources`, {
        body: { name: 'Missing', kind: 'csv', location: 'missing.csv' },
      });
      const job = await s.call('POST', `${U}/jobs`, { body: { operationType: 'ingestion' } });
      assert.equal(job.status, 202);
      await s.waitForJob('default', job.body.id as string);
      assert.ok(missing.status === 201);
      await rx.waitFor(2);
      let after: Sample[] = [];
      for (let i = 0; i < 500; i++) {
        after = await scrape(s);
        if (sum(after, 'insightflow_deliveries_total', { outcome: 'succeeded' }) >= 2) break;
        await s.runtime.services.deliveryWorker.drain();
      }
      assert.equal(sum(after, 'insightflow_deliveries_total', { outcome: 'succeeded' }), 2);
      assert.equal(sum(after, 'insightflow_delivery_duration_seconds_count', { outcome: 'succeeded' }), 2);
      assert.equal(sum(after, 'insightflow_jobs_total', { operation: 'ingestion', status: 'failed' }), 1);
      assert.equal(sum(after, 'insightflow_tasks_total', { operation: 'ingestion', status: 'succeeded' }), 1);
      assert.equal(sum(after, 'insightflow_tasks_total', { operation: 'ingestion', status: 'failed' }), 1);
      assert.equal(sum(after, 'insightflow_job_duration_seconds_count'), 1);
      assert.equal(sum(after, 'insightflow_deliveries_pending'), 0);
      assert.equal(sum(after, 'insightflow_deliveries_oldest_pending_age_seconds'), 0);
      assert.ok(
        sum(after, 'insightflow_http_requests_total', { route: '/v1/health', method: 'GET', status: '200' }) >= 2,
      );
      assert.ok(
        sum(after, 'insightflow_http_request_duration_seconds_count', {
          route: `${U}/jobs`.replace('default', '{instanceId}'),
        }) >= 1,
      );

      // A receiver that fails: the delivery retries, stays pending, and the age of the oldest pending one shows.
      rx.respond = () => ({ status: 503 });
      const again = await s.call('POST', `${U}/jobs`, { body: { operationType: 'ingestion' } });
      await s.waitForJob('default', again.body.id as string);
      await rx.waitFor(3);
      let pending: Sample[] = [];
      for (let i = 0; i < 500; i++) {
        pending = await scrape(s);
        if (sum(pending, 'insightflow_deliveries_total', { outcome: 'retry' }) >= 1) break;
        await s.runtime.services.deliveryWorker.drain();
      }
      assert.ok(sum(pending, 'insightflow_deliveries_total', { outcome: 'retry' }) >= 1);
      assert.ok(sum(pending, 'insightflow_deliveries_pending') >= 1);

      const limited = await s.call('POST', `${U}/connections`, {
        body: { name: 'slow', role: 'viewer', rateLimit: 1 },
      });
      assert.equal((await s.call('GET', `${U}/jobs`, { key: limited.body.key })).status, 200);
      assert.equal((await s.call('GET', `${U}/jobs`, { key: limited.body.key })).status, 429);
      assert.equal((await s.call('GET', `${U}/jobs`, { key: limited.body.key })).status, 429);
      const last = await scrape(s);
      assert.equal(sum(last, 'insightflow_rate_limit_rejections_total'), 2);
      assert.equal(
        sum(last, 'insightflow_http_requests_total', { route: '/v1/instances/{instanceId}/jobs', status: '429' }),
        2,
      );
      assert.ok(last.some((x) => x.name === 'insightflow_snapshot_version' && x.labels.instance === 'default'));
    } finally {
      await s.stop();
      await rx.close();
    }
  });

  test('the sample alert rules and Grafana dashboard of docs/operations.md parse and name only served metrics', async () => {
    const doc = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
    const blocks = (lang: string) =>
      [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
    const yamlDocs = blocks('yaml').flatMap((b) =>
      parseAllDocuments(b).map((d) => {
        assert.deepEqual(d.errors, [], 'every YAML block of docs/operations.md parses');
        return d.toJS() as { groups?: Array<{ rules: Array<{ alert: string; expr: string }> }> } | null;
      }),
    );
    const rules = yamlDocs.find((y) => y?.groups !== undefined);
    assert.ok(rules?.groups, 'a YAML block with alert rule groups');
    const alerts = rules.groups.flatMap((g) => g.rules);
    for (const name of ['InsightflowDeliveriesFailing', 'InsightflowDeliveryQueueOld', 'InsightflowJobsFailing'])
      assert.ok(
        alerts.some((a) => a.alert === name),
        `alert ${name}`,
      );
    const dashboards = blocks('json').map(
      (b) => JSON.parse(b) as { panels?: Array<{ targets: Array<{ expr: string }> }> },
    );
    const dashboard = dashboards.find((d) => Array.isArray(d.panels));
    assert.ok(dashboard?.panels && dashboard.panels.length >= 6, 'a Grafana dashboard with panels');
    const exprs = [...alerts.map((a) => a.expr), ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr))];

    const s = await startTestServer({ env: { INSIGHTFLOW_METRICS_TOKEN: token } });
    try {
      const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const served = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
      const named = new Set(exprs.flatMap((e) => [...e.matchAll(/insightflow_[a-z_]+/g)].map((m) => m[0])));
      assert.ok(named.size >= 8, [...named].join(', '));
      for (const name of named) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        const type = served.get(name) ?? served.get(base);
        assert.ok(type, `${name} is served by /metrics`);
        if (name !== base && !served.has(name)) assert.equal(type, 'histogram', name);
      }
    } finally {
      await s.stop();
    }
  });
});
