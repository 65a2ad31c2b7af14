// CPU time by process group while a benchmark runs (Linux /proc): which of the processes that share the machine's
// cores — server nodes, PostgreSQL backends and background processes, the benchmark process itself — spent it.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';

const ticksPerSecond = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system, all threads) a process has used so far, in ms; 0 if it is gone or /proc is missing. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th, stime the 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** The parent of a process (0 if unknown). */
function parentPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine (all cores, every process) so far, in ms, and the total including idle. */
export function machineCpuMs(): { busy: number; total: number } {
  return os.cpus().reduce(
    (a, c) => {
      const busy = c.times.user + c.times.nice + c.times.sys + c.times.irq;
      return { busy: a.busy + busy, total: a.total + busy + c.times.idle };
    },
    { busy: 0, total: 0 },
  );
}

/** CPU per group over a window, ms: each named process, the PostgreSQL processes serving `database` (client backends
 * and autovacuum workers), PostgreSQL's shared processes (postmaster, WAL writer, checkpointer …), this process, and
 * the rest of the machine (other users of the cores). */
export interface CpuWindow {
  processes: number[];
  pgDatabase: number;
  pgShared: number;
  self: number;
  rest: number;
  machineBusy: number;
  /** Busy share of the machine's cores over the window, 0–1. */
  busyShare: number;
}

interface Sample {
  processes: number[];
  pg: Map<number, { cpu: number; ours: boolean }>;
  self: NodeJS.CpuUsage;
  machine: { busy: number; total: number };
}

async function sample(admin: pg.Client, database: string, pids: number[]): Promise<Sample> {
  const rows = (
    await admin.query<{ pid: number; ours: boolean }>(
      'SELECT pid, datname IS NOT DISTINCT FROM $1 AS ours FROM pg_stat_activity WHERE datname = $1 OR datname IS NULL',
      [database],
    )
  ).rows;
  const pgs = new Map<number, { cpu: number; ours: boolean }>();
  for (const r of rows) pgs.set(r.pid, { cpu: processCpuMs(r.pid), ours: r.ours });
  const postmaster = rows.length > 0 ? parentPid(rows[0]!.pid) : 0;
  if (postmaster > 1) pgs.set(postmaster, { cpu: processCpuMs(postmaster), ours: false });
  return {
    processes: pids.map(processCpuMs),
    pg: pgs,
    self: process.cpuUsage(),
    machine: machineCpuMs(),
  };
}

/** Starts measuring; the returned function ends the window and gives the CPU each group used in it. Processes that
 * start within the window count from zero; PostgreSQL backends that end within it are missed. */
export async function cpuWindow(admin: pg.Client, database: string, pids: number[]): Promise<() => Promise<CpuWindow>> {
  const a = await sample(admin, database, pids);
  return async () => {
    const b = await sample(admin, database, pids);
    let pgDatabase = 0;
    let pgShared = 0;
    for (const [pid, s] of b.pg) {
      const used = s.cpu - (a.pg.get(pid)?.cpu ?? 0);
      if (s.ours) pgDatabase += used;
      else pgShared += used;
    }
    const processes = b.processes.map((c, i) => c - (a.processes[i] ?? 0));
    const self = process.cpuUsage(a.self);
    const selfMs = (self.user + self.system) / 1000;
    const machineBusy = b.machine.busy - a.machine.busy;
    const known = processes.reduce((x, y) => x + y, 0) + pgDatabase + pgShared + selfMs;
    return {
      processes,
      pgDatabase,
      pgShared,
      self: selfMs,
      rest: Math.max(0, machineBusy - known),
      machineBusy,
      busyShare: machineBusy / Math.max(1, b.machine.total - a.machine.total),
    };
  };
}
