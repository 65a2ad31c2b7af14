// Small helpers for tests that start real server processes on loopback.
import { createServer, type AddressInfo } from 'node:net';

const handedOut = new Set<number>();

/** A free loopback port (for a server whose URL must be known before it starts), never the same one twice in a test
 * process: the servers of one test (several nodes) must not be given one port between its release and its use. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as AddressInfo;
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no loopback port that this test process has not used yet');
}

/** Polls `check` every 20 ms until it holds; throws naming `what` after `polls` tries (3,000: a minute). */
export async function until(what: string, check: () => Promise<boolean> | boolean, polls = 3000): Promise<void> {
  for (let i = 0; i < polls; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}
