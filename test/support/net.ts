// Small helpers for tests that start real server processes on loopback.
import { createServer, type AddressInfo } from 'node:net';

/** A free loopback port (for a server whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Polls `check` every 20 ms until it holds; throws naming `what` after `polls` tries (3,000: a minute). */
export async function until(what: string, check: () => Promise<boolean> | boolean, polls = 3000): Promise<void> {
  for (let i = 0; i < polls; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}
