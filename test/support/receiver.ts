// A real HTTP receiver on loopback for webhook and flow tests: records every request; answers with a status chosen
// per request by the test.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides the answer to each request; default 200. */
  respond: (r: Received) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
  /** Resolves once `n` requests have arrived (bounded by `polls` × 10 ms). */
  waitFor(n: number, polls?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    received: [],
    respond: () => ({ status: 200 }),
    waitFor: async (n, polls = 1000) => {
      for (let i = 0; i < polls && r.received.length < n; i++) await new Promise((res) => setTimeout(res, 10));
      if (r.received.length < n) throw new Error(`expected ${n} requests, got ${r.received.length}`);
      return r.received;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const rec: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json };
      r.received.push(rec);
      const answer = r.respond(rec);
      const send = () => res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}
