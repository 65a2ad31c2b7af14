// This node's membership of the deployment: a stable node id, a lease renewed by heartbeat, and a sweeper that ends or
// hands over the work of nodes whose lease expired — on every node, every third of a lease, not only at start-up. At
// start the node first ends its own earlier work (it restarted: whatever it ran is interrupted), without waiting for
// its lease to expire. The kinds of work (jobs, delivery claims) come in as sweep functions, wired in http/runtime.ts.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { errorInfo } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Db } from '../store/index.ts';
import type { SweepScope } from './nodes.sql.ts';
import { forgetExpiredNodes, forgetNode, registerNode, renewLease } from './nodes.sql.ts';

/** Ends or hands over one kind of lost work; returns how many items it took care of. */
export type Sweep = (scope: SweepScope) => Promise<number>;

export interface NodeMembershipDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** This node's id (nodeIdOf). */
  id: string;
  /** How long a heartbeat keeps the node alive, ms; renewed every third of it. */
  leaseMs: number;
  /** Where the node listens, for operators (shown in the nodes table). */
  address: string | null;
  sweeps: Sweep[];
}

export interface NodeMembership {
  readonly id: string;
  readonly leaseMs: number;
  /** End of this node's current lease (ISO 8601), null before start. */
  leaseUntil(): string | null;
  /** Registers the node, ends its own interrupted work, then heartbeats and sweeps until stop. */
  start(): Promise<void>;
  /** One sweep now; returns how many items of lost work were taken care of. */
  sweep(): Promise<number>;
  /** Stops heartbeating and removes the node's row, so that anything it left is swept at once. */
  stop(): Promise<void>;
}

/** The node id kept in the data directory, created on first start: a restart is recognised as the same node. */
export function nodeIdOf(dataDir: string): string {
  const file = path.join(dataDir, 'node-id');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `node_${randomBytes(8).toString('hex')}`, { flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

export function createNodeMembership(deps: NodeMembershipDeps): NodeMembership {
  let leaseUntil: string | null = null;
  let stopped = true;
  let beatTimer: NodeJS.Timeout | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  let beating: Promise<void> = Promise.resolve();
  let sweeping: Promise<number> = Promise.resolve(0);
  const every = Math.max(50, Math.floor(deps.leaseMs / 3));

  const runSweeps = async (scope: SweepScope): Promise<number> => {
    let n = 0;
    for (const sweep of deps.sweeps) n += await sweep(scope);
    return n;
  };

  const beat = async () => {
    const now = deps.clock.now();
    const until = await renewLease(deps.db, { id: deps.id, now, leaseMs: deps.leaseMs });
    if (until) {
      leaseUntil = until;
      return;
    }
    deps.log.warn('this node had lost its lease (its heartbeat came late); its work was ended by another node', {
      node: deps.id,
    });
    leaseUntil = await registerNode(deps.db, { id: deps.id, address: deps.address, now, leaseMs: deps.leaseMs });
  };

  /** One node at a time sweeps (a cluster-wide lock); the others skip this round. */
  const sweepOnce = async (): Promise<number> => {
    const out = await deps.db.withLock('sweep', async () => {
      const now = deps.clock.now().toISOString();
      const n = await runSweeps({ now, node: deps.id, restarting: false, everyone: false });
      const gone = await forgetExpiredNodes(deps.db, { now, node: deps.id });
      if (gone.length) deps.log.warn('nodes whose lease expired were swept', { nodes: gone, items: n });
      return n;
    });
    return out ?? 0;
  };

  const scheduleBeat = () => {
    if (stopped) return;
    beatTimer = setTimeout(() => {
      beating = beat()
        .catch((err: unknown) => deps.log.error('heartbeat failed', errorInfo(err)))
        .finally(scheduleBeat);
    }, every);
  };
  const scheduleSweep = () => {
    if (stopped) return;
    sweepTimer = setTimeout(() => {
      sweeping = sweepOnce()
        .catch((err: unknown) => {
          deps.log.error('sweeping lost work failed', errorInfo(err));
          return 0;
        })
        .finally(scheduleSweep);
    }, every);
  };

  return {
    id: deps.id,
    leaseMs: deps.leaseMs,
    leaseUntil: () => leaseUntil,
    start: async () => {
      if (!stopped) return;
      const now = deps.clock.now();
      leaseUntil = await registerNode(deps.db, { id: deps.id, address: deps.address, now, leaseMs: deps.leaseMs });
      const ended = await runSweeps({
        now: now.toISOString(),
        node: deps.id,
        restarting: true,
        everyone: deps.db.dialect === 'sqlite',
      });
      if (ended) deps.log.warn('work interrupted by this node stopping was ended', { node: deps.id, items: ended });
      stopped = false;
      scheduleBeat();
      scheduleSweep();
    },
    sweep: () => sweepOnce(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (beatTimer) clearTimeout(beatTimer);
      if (sweepTimer) clearTimeout(sweepTimer);
      await Promise.all([beating, sweeping]);
      await forgetNode(deps.db, deps.id);
      leaseUntil = null;
    },
  };
}
