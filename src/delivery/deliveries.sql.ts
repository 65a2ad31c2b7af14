// Control-store queries for webhook deliveries and their attempt log. Claims and completions are batched: one
// statement claims many due rows (skipping rows other nodes hold on PostgreSQL), one statement logs a batch's attempts
// and one records its outcomes.
import type { SweepScope } from '../cluster/index.ts';
import { lostHolder } from '../cluster/index.ts';
import type { DeliveryFormat, EventEnvelope, EventType } from '../events/index.ts';
import type { Db, SqlValue } from '../store/index.ts';
import { inChunks, skipLocked } from '../store/index.ts';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** A delivery as the worker needs it. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  /** The webhook-id: the event's id. */
  eventId: string;
  /** The envelope's JSON as stored when the event was emitted (a standard body as it is sent). */
  payload: string;
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

type ClaimRow = Pick<
  Row,
  | 'id'
  | 'subscription_id'
  | 'event_id'
  | 'payload'
  | 'attempt_count'
  | 'round_attempts'
  | 'first_attempt_at'
  | 'lost_claim'
>;

export async function insertDelivery(db: Db, d: { id: string; envelope: EventEnvelope; now: string }): Promise<void> {
  await insertDeliveries(db, [d]);
}

/** Inserts pending deliveries, due at once, a few hundred rows per statement. */
export async function insertDeliveries(
  db: Db,
  rows: Array<{ id: string; envelope: EventEnvelope; now: string }>,
): Promise<void> {
  for (const batch of inChunks(rows)) {
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
  const rows = await db.tx(async (tx) => {
    // PostgreSQL plans the claim from the table's statistics, which lag behind a burst of new deliveries (autovacuum
    // analyzes about once a minute): believing few rows due, it reads and sorts every due row for each batch (4–6 ms
    // a claim of 32 with 10,000 due). Walking the due index in order reads only the rows a batch takes (ADR 0135).
    if (tx.dialect === 'postgres') await tx.run('SET LOCAL enable_bitmapscan = off');
    return tx.all<ClaimRow>(
      `UPDATE deliveries SET lease_until = ?, claimed_by = ?,
       lost_claim = CASE WHEN lease_until IS NULL THEN NULL ELSE COALESCE(claimed_by, 'unknown') END
     WHERE id IN (
       SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
         AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?${skipLocked(db)})
     RETURNING id, subscription_id, event_id, payload, attempt_count, round_attempts, first_attempt_at, lost_claim`,
      [lease, opts.nodeId, now, now, opts.limit],
    );
  });
  return rows.map((r) => ({
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    payload: r.payload,
    attemptCount: Number(r.attempt_count),
    roundAttempts: Number(r.round_attempts),
    firstAttemptAt: r.first_attempt_at,
    leaseUntil: lease,
    lostClaim: r.lost_claim,
  }));
}

/** Records attempts and their outcomes in one transaction, a few statements per batch whatever its size. An outcome
 * whose lease was lost (expired and taken by another worker) is dropped; its attempt is still logged, in place of the
 * "outcome unknown" entry the taking-over worker wrote for it. A taken-over delivery logs that unknown attempt first,
 * then its own. */
export async function completeDeliveries(db: Db, done: Completion[]): Promise<void> {
  if (done.length === 0) return;
  const unknown: SqlValue[][] = [];
  // Keyed by (delivery, attempt): should one batch hold the same attempt twice, the later outcome wins, as it would
  // one statement after the other (and PostgreSQL refuses to upsert a row twice in one statement).
  const attempts = new Map<string, SqlValue[]>();
  const outcomes: SqlValue[][] = [];
  for (const c of done) {
    const d = c.delivery;
    let attempt = d.attemptCount + 1;
    if (d.lostClaim !== null) {
      unknown.push([
        d.id,
        attempt++,
        c.at,
        `outcome unknown: the claim of node ${d.lostClaim} expired (the node stopped or was too slow); ` +
          'sent again with the same webhook-id',
      ]);
    }
    attempts.set(`${d.id} ${attempt}`, [d.id, attempt, c.at, c.statusCode, c.latencyMs, c.error, c.response]);
    outcomes.push([
      d.id,
      d.leaseUntil,
      c.status,
      attempt,
      d.roundAttempts + 1,
      d.firstAttemptAt ?? c.at,
      c.nextAttemptAt,
      c.at,
    ]);
  }
  await db.tx(async (tx) => {
    for (const rows of inChunks(unknown)) {
      await tx.run(
        `INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, latency_ms, error, response)
         VALUES ${rows.map(() => "(?, ?, ?, NULL, 0, ?, '')").join(', ')} ON CONFLICT DO NOTHING`,
        rows.flat(),
      );
    }
    for (const rows of inChunks([...attempts.values()])) {
      await tx.run(
        `INSERT INTO delivery_attempts (delivery_id, attempt, at, status_code, latency_ms, error, response)
         VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, status_code = excluded.status_code,
           latency_ms = excluded.latency_ms, error = excluded.error, response = excluded.response`,
        rows.flat(),
      );
    }
    // VALUES columns are column1, column2 … in both engines; the casts type PostgreSQL's parameters.
    for (const rows of inChunks(outcomes)) {
      await tx.run(
        `UPDATE deliveries SET status = v.column3, attempt_count = v.column4, round_attempts = v.column5,
           first_attempt_at = v.column6, next_attempt_at = v.column7, lease_until = NULL, lost_claim = NULL,
           updated_at = v.column8
         FROM (VALUES ${rows.map(() => '(?, ?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER), ?, ?, ?)').join(', ')}) AS v
         WHERE deliveries.id = v.column1 AND deliveries.lease_until = v.column2`,
        rows.flat(),
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
 * a disable applies to the next attempt); `decrypt` opens the stored secrets. */
export async function deliveryTargets(
  db: Db,
  subscriptionIds: string[],
  decrypt: (sealed: string) => string,
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
        secret: decrypt(r.secret),
        previousSecret: r.previous_secret === null ? null : decrypt(r.previous_secret),
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
  for (const chunk of inChunks(eventIds)) {
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
  for (const chunk of inChunks(ids)) {
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
  render: (payload: string) => string,
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
  const body = Buffer.from(render(r.payload));
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
