// Insightflow as a child process (`node src/cli/main.ts serve`) on a loopback port, for tests and benchmarks that kill,
// restart or fuzz a real server process, or run several. A port from freePort can be taken by another process before
// the child binds it: then the child exits with EADDRINUSE while the other server answers the health check. So the
// server counts as up only when it accepts this test's admin key, and a child that lost its port is started again on
// another one.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, until } from './net.ts';

const root = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  base: string;
  /** The last 20,000 characters the child wrote to stderr. */
  stderr(): string;
  /** Resolves when the child has exited. */
  exited: Promise<unknown>;
}

export interface ServerProcessOptions {
  /** INSIGHTFLOW_* settings; INSIGHTFLOW_ADMIN_KEY is required (it tells this server from another on the port). */
  env: Record<string, string>;
  /** A port the server must use (a node restarted where it was); left out, a free one, retried when taken. */
  port?: number;
  /** Also write the child's stderr to this process's stderr. */
  echoStderr?: boolean;
}

/** Starts the server and resolves once it answers this test's admin key. */
export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const key = opts.env.INSIGHTFLOW_ADMIN_KEY;
  if (!key) throw new Error('startServerProcess needs INSIGHTFLOW_ADMIN_KEY');
  const attempts = opts.port === undefined ? 5 : 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = opts.port ?? (await freePort());
    const child = spawn(path.join(root, 'node_modules/.bin/node'), ['src/cli/main.ts', 'serve'], {
      cwd: root,
      env: { ...process.env, ...opts.env, INSIGHTFLOW_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
      if (opts.echoStderr) process.stderr.write(d);
    });
    const exited = new Promise((r) => child.once('exit', r));
    const base = `http://127.0.0.1:${port}`;
    let answer = 0;
    try {
      await until(
        `the server on port ${port} accepts the admin key, or exits`,
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) return true;
          try {
            const res = await fetch(`${base}/v1/instances`, { headers: { authorization: `Bearer ${key}` } });
            await res.arrayBuffer();
            answer = res.status;
          } catch {
            answer = 0;
          }
          return answer === 200;
        },
        6000,
      );
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${(err as Error).message}\n${stderr}`, { cause: err });
    }
    if (answer === 200) return { child, port, base, stderr: () => stderr, exited };
    await exited;
    if (!stderr.includes('EADDRINUSE') || attempt === attempts)
      throw new Error(`the server did not start on port ${port} (answer ${answer})\n${stderr}`);
  }
  throw new Error('unreachable: the last attempt returns or throws');
}
