// Control-store queries for webhook deliveries and their attempt log. Claims and completions are batched: one
// statement claims many due rows (skipping rows other nodes hold on PostgreSQL), one transaction records many outcomes.
import type { SweepScope } from '../cluster/index.ts';
import { lostHolder } from '../cluster/index.ts';
import { decryptText } from '../core/secrets.ts';
import type { DeliveryFormat, EventEnvelope, EventType } from '../events/index.ts';
import type { Db, SqlValue } from '../store/index.ts';
import { fromJson, skipLocked } from '../store/index.ts';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** A delivery as the worker needs it: the row plus the envelope it carries. */
export interface ClaimedDelivery {
  id: string;
  instanceId: string;
  subscriptionId: string;
  eventId: string;
  envelope: EventEnvelope;
  attemptCount: number;
  roundAttempts: number;
  firstAttemptAt: string | null;
  /** The lease this worker holds; a completion only lands while it still holds it. */
  leaseUntil: string;
  /** The node whose claim expired before this one took the delivery over ('unknown' if unnamed); that claim's attempt
   * may have been sent without its outcome being recorded, so the log gets an attempt for it. */
  lostClaim: string | null;
}

export interface DeliveryTarget {
  url: string;
  format: DeliveryFormat;
  enabled: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: string | null;
}

export interface AttemptView {
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** Only in one delivery's view: the first 4 KiB of the response body (UTF-8), '' when none arrived. */
  response?: string;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: EventType;
  sequence: number;
  status: DeliveryStatus;
  createdAt: string;
  nextAttemptAt: string | null;
  attempts: AttemptView[];
}

/** What one attempt ended in, ready to be written. */
export interface Completion {
  delivery: ClaimedDelivery;
  at: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** First 4 KiB of the response body. */
  response: string;
  status: DeliveryStatus;
  nextAttemptAt: string | null;
}

interface Row {
  id: string;
  instance_id: string;
  subscription_id: string;
  event_id: string;
  event_type: EventType;
  sequence: number;
  payload: string;
  status: DeliveryStatus;
  attempt_count: number;
  round_attempts: number;
  first_attempt_at: string | null;
  next_attempt_at: string | null;
  lease_until: string | null;
  lost_claim: string | null;
  created_at: string;
}

export async function insertDelivery(db: Db, d: { id: string; envelope: EventEnvelope; now: string }): Promise<void> {
  await insertDeliveries(db, [d]);
}

/** Rows per multi-row INSERT: well under the bind-parameter limits of SQLite and PostgreSQL. */
const insertBatch = 500;

/** Inserts pending deliveries, due at once, a few hundred rows per statement. */
export async function insertDeliveries(
  db: Db,
  rows: Array<{ id: string; envelope: EventEnvelope; now: string }>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += insertBatch) {
    const batch = rows.slice(i, i + insertBatch);
    await db.run(
      `INSERT INTO deliveries (id, instance_id, subscription_id, event_id, event_type, sequence, payload, status,
         attempt_count, round_attempts, first_attempt_at, next_attempt_at, lease_until, created_at, updated_at)
       VALUES ${batch.map(() => "(?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, NULL, ?, NULL, ?, ?)").join(', ')}`,
      batch.flatMap((d) => {
        const e = d.envelope;
        return [d.id, e.instanceId, e.subscriptionId, e.id, e.type, e.sequence, JSON.stringify(e), d.now, d.now, d.now];
      }),
    );
  }
}

/** Leases up to `limit` due deliveries (pending, due, not leased or lease expired) for `leaseMs` to node `nodeId`.
 * Taking over an expired lease remembers whose it was (the SET expressions read the row before the update). */
export async function claimDeliveries(
  db: Db,
  opts: { now: Date; leaseMs: number; limit: number; nodeId: string },
): Promise<ClaimedDelivery[]> {
  const now = opts.now.toISOString();
  const lease = new Date(opts.now.getTime() + opts.leaseMs).toISOString();
  const rows = await db.all<Row>(
    `UPDATE deliveries SET lease_until = ?, claimed_by = ?,
       lost_claim = CASE WHEN lease_until IS NULL THEN NULL ELSE COALESCE(claimed_by, 'unknown') END
     WHERE id IN (
       SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
         AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?${skipLocked(db)})
     RETURNING *`,
    [lease, opts.nodeId, now, now, opts.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    instanceId: r.instance_id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    envelope: fromJson<EventEnvelope>(r.payload),
    attemptCount: Number(r.attempt_count),
    roundAttempts: Number(r.round_attempts),
    firstAttemptAt: r.first_attempt_at,
    leaseUntil: lease,
    lostClaim: r.lost_claim,
  }));
}

/** Records attempts and their outcomes in one transaction. An outcome whose lease was lost (expired and taken by
 * another worker) is dropped; its attempt is still logged, in place of the "outcome unknown" entry the taking-over
 * worker wrote for it. A taken-over delivery logs that unknown attempt first, then its own. */
export async function completeDeliveries(db: Db, done: Completion[]): Promise<void> {
  if (done.length === 0) return;
  await db.tx(async (tx) => {
    for (const c of done) {
      const d = c.delivery;
      let attempt = d.attemptCount + 1;
      if (d.lostClaim !== null) {
        await tx.run(
          `INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, latency_ms, error, response)
           VALUES (?, ?, ?, NULL, 0, ?, '') ON CONFLICT DO NOTHING`,
          [
            d.id,
            attempt++,
            c.at,
            `outcome unknown: the claim of node ${d.lostClaim} expired (the node stopped or was too slow); ` +
              'sent again with the same webhook-id',
          ],
        );
      }
      await tx.run(
        `INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, latency_ms, error, response)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at,
           status_code = excluded.status_code, latency_ms = excluded.latency_ms, error = excluded.error,
           response = excluded.response`,
        [d.id, attempt, c.at, c.statusCode, c.latencyMs, c.error, c.response],
      );
      await tx.run(
        `UPDATE deliveries SET status = ?, attempt_count = ?, round_attempts = ?, first_attempt_at = ?,
           next_attempt_at = ?, lease_until = NULL, lost_claim = NULL, updated_at = ? WHERE id = ? AND lease_until = ?`,
        [c.status, attempt, d.roundAttempts + 1, d.firstAttemptAt ?? c.at, c.nextAttemptAt, c.at, d.id, d.leaseUntil],
      );
    }
  });
}

/** Ends deliveries without an attempt (their subscription is disabled). */
export async function abandonDeliveries(db: Db, ids: Array<{ id: string; leaseUntil: string }>, now: string) {
  if (ids.length === 0) return;
  await db.tx(async (tx) => {
    for (const d of ids)
      await tx.run(
        `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, lease_until = NULL, updated_at = ?
         WHERE id = ? AND lease_until = ?`,
        [now, d.id, d.leaseUntil],
      );
  });
}

/** Ends the claims of nodes that lost their lease (sweeper): the lease is set to expire now, so that the next claim
 * takes the delivery over at once and logs the lost attempt. */
export async function expireLostClaims(db: Db, scope: SweepScope): Promise<number> {
  const lost = lostHolder('claimed_by', scope);
  return (
    await db.run(
      `UPDATE deliveries SET lease_until = ? WHERE status = 'pending' AND lease_until >= ? AND claimed_by IS NOT NULL
         AND ${lost.sql}`,
      [scope.now, scope.now, ...lost.params],
    )
  ).changes;
}

/** Where and how the deliveries of these subscriptions go, read afresh per claim (so a rotation, a change of URL or
 * a disable applies to the next attempt). */
export async function deliveryTargets(
  db: Db,
  subscriptionIds: string[],
  secretKey: Buffer,
): Promise<Map<string, DeliveryTarget>> {
  const rows = await db.all<{
    id: string;
    url: string;
    format: DeliveryFormat;
    enabled: number;
    secret: string;
    previous_secret: string | null;
    previous_secret_until: string | null;
  }>(
    `SELECT id, url, format, enabled, secret, previous_secret, previous_secret_until FROM subscriptions
     WHERE id IN (${subscriptionIds.map(() => '?').join(', ')})`,
    subscriptionIds,
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        url: r.url,
        format: r.format,
        enabled: Number(r.enabled) === 1,
        secret: decryptText(secretKey, r.secret),
        previousSecret: r.previous_secret === null ? null : decryptText(secretKey, r.previous_secret),
        previousSecretUntil: r.previous_secret_until,
      },
    ]),
  );
}

/** Makes a pending delivery due now, unless a worker holds it (its attempt is under way); returns the rows changed. */
export async function hurryDelivery(db: Db, subscriptionId: string, deliveryId: string, now: string) {
  return (
    await db.run(
      `UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE id = ? AND subscription_id = ?
         AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?)`,
      [now, now, deliveryId, subscriptionId, now],
    )
  ).changes;
}

/** Puts a failed delivery back in the queue, due now, starting a new round of the retry schedule. */
export async function requeueDelivery(db: Db, subscriptionId: string, deliveryId: string, now: string) {
  return (
    await db.run(
      `UPDATE deliveries SET status = 'pending', round_attempts = 0, first_attempt_at = NULL, next_attempt_at = ?,
         lease_until = NULL, updated_at = ? WHERE id = ? AND subscription_id = ? AND status = 'failed'`,
      [now, now, deliveryId, subscriptionId],
    )
  ).changes;
}

/** The sequence numbers a subscription's earlier deliveries gave these events (a replay reuses them). */
export async function sequencesOf(db: Db, subscriptionId: string, eventIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    const rows = await db.all<{ event_id: string; sequence: number }>(
      `SELECT event_id, MIN(sequence) AS sequence FROM deliveries WHERE subscription_id = ?
         AND event_id IN (${chunk.map(() => '?').join(', ')}) GROUP BY event_id`,
      [subscriptionId, ...chunk],
    );
    for (const r of rows) out.set(r.event_id, Number(r.sequence));
  }
  return out;
}

export async function getDeliveryStatus(
  db: Db,
  subscriptionId: string,
  deliveryId: string,
): Promise<DeliveryStatus | undefined> {
  const r = await db.get<{ status: DeliveryStatus }>(
    'SELECT status FROM deliveries WHERE id = ? AND subscription_id = ?',
    [deliveryId, subscriptionId],
  );
  return r?.status;
}

/** A subscription's deliveries, newest first, each with its attempts (oldest first). */
export async function listDeliveries(
  db: Db,
  subscriptionId: string,
  opts: { limit: number; status?: DeliveryStatus | undefined },
): Promise<DeliveryView[]> {
  const params: SqlValue[] = [subscriptionId];
  if (opts.status) params.push(opts.status);
  params.push(opts.limit);
  const rows = await db.all<Row>(
    `SELECT * FROM deliveries WHERE subscription_id = ?${opts.status ? ' AND status = ?' : ''}
     ORDER BY created_at DESC, id DESC LIMIT ?`,
    params,
  );
  const attempts = new Map<string, AttemptView[]>();
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const found = await db.all<AttemptRow & { delivery_id: string }>(
      `SELECT delivery_id, at, status_code, latency_ms, error FROM delivery_attempts
       WHERE delivery_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY delivery_id, attempt`,
      chunk,
    );
    for (const a of found) {
      const list = attempts.get(a.delivery_id) ?? [];
      list.push(attemptView(a));
      attempts.set(a.delivery_id, list);
    }
  }
  return rows.map((r) => deliveryView(r, attempts.get(r.id) ?? []));
}

interface AttemptRow {
  at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

function attemptView(a: AttemptRow): AttemptView {
  return {
    at: a.at,
    statusCode: a.status_code === null ? null : Number(a.status_code),
    latencyMs: Number(a.latency_ms),
    error: a.error,
  };
}

function deliveryView(r: Row, attempts: AttemptView[]): DeliveryView {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    sequence: Number(r.sequence),
    status: r.status,
    createdAt: r.created_at,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    attempts,
  };
}

/** Bytes of a request body a delivery's view shows; the response is kept to the same size when it is received. */
export const bodyViewLimit = 4096;

/** One delivery with its request body (as sent, first 4 KiB) and each attempt's response body (first 4 KiB). */
export async function getDeliveryDetail(
  db: Db,
  subscriptionId: string,
  deliveryId: string,
  render: (envelope: EventEnvelope) => string,
): Promise<(DeliveryView & { request: { body: string; bytes: number; truncated: boolean } }) | undefined> {
  const r = await db.get<Row>('SELECT * FROM deliveries WHERE id = ? AND subscription_id = ?', [
    deliveryId,
    subscriptionId,
  ]);
  if (!r) return undefined;
  const attempts = await db.all<AttemptRow & { response: string | null }>(
    'SELECT at, status_code, latency_ms, error, response FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt',
    [r.id],
  );
  const body = Buffer.from(render(fromJson<EventEnvelope>(r.payload)));
  return {
    ...deliveryView(
      r,
      attempts.map((a) => ({ ...attemptView(a), response: a.response ?? '' })),
    ),
    request: {
      body: cutUtf8(body, bodyViewLimit),
      bytes: body.length,
      truncated: body.length > bodyViewLimit,
    },
  };
}

/** The first `limit` bytes of UTF-8 text, never splitting a character. */
function cutUtf8(buf: Buffer, limit: number): string {
  if (buf.length <= limit) return buf.toString('utf8');
  let end = limit;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}
