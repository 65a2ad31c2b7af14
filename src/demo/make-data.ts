// Makes the demo workspace's data files (src/demo/data/*.csv) from the seeded synthetic generator, adding the
// attributes a demo wants to segment and measure on (country, loyalty tier and points) and an orders source. Run with
// `npm run demo:data`; the output is deterministic and committed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../datastore/schema.ts';
import { generateCustomers } from '../unify/synthetic/customers.ts';

const out = path.join(import.meta.dirname, 'data');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'demo-data-'));
mkdirSync(out, { recursive: true });
const data = generateCustomers({ dir: tmp, records: 6000, seed: 2026 });
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const read = (f: string) => `read_csv(${sqlString(f)}, header=true, all_varchar=true)`;
const target = (name: string) => sqlString(path.join(out, name));
const pick = (list: string[], expr: string) =>
  `[${list.map((s) => `'${s}'`).join(', ')}][CAST(1 + (${expr}) % ${list.length} AS BIGINT)]`;

await c.run(`COPY (
  SELECT *, ${pick(['DE', 'DE', 'DE', 'AT', 'CH', 'NL', 'FR'], 'hash(contact_id)')} AS country
  FROM ${read(data.files.CrmContacts)} ORDER BY contact_id) TO ${target('crm_contacts.csv')} (HEADER)`);
await c.run(
  `COPY (SELECT * FROM ${read(data.files.ShopCustomers)} ORDER BY customer_no) TO ${target('shop_customers.csv')} (HEADER)`,
);
await c.run(`COPY (
  SELECT *, ${pick(['Bronze', 'Bronze', 'Bronze', 'Silver', 'Silver', 'Gold'], 'hash(member_id)')} AS tier,
         CAST(hash(member_id || 'points') % 5000 AS INTEGER) AS points
  FROM ${read(data.files.LoyaltyMembers)} ORDER BY member_id) TO ${target('loyalty_members.csv')} (HEADER)`);
await c.run(`COPY (
  SELECT 'o-' || lpad(CAST(row_number() OVER (ORDER BY customer_no, n) AS VARCHAR), 6, '0') AS order_id,
         customer_no,
         round(5 + (hash(customer_no || n) % 30000) / 100.0, 2) AS amount,
         ${pick(['web', 'web', 'app', 'store'], "hash(customer_no || n || 'c')")} AS channel,
         DATE '2026-01-01' + CAST(hash(customer_no || n || 'd') % 300 AS INTEGER) AS ordered_at
  FROM ${read(data.files.ShopCustomers)}, range(CAST(1 + hash(customer_no) % 4 AS BIGINT)) AS r(n)
  ORDER BY order_id) TO ${target('shop_orders.csv')} (HEADER)`);
c.closeSync();
db.closeSync();
rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`wrote ${out} (${data.records} customer records of ${data.persons} people)\n`);
