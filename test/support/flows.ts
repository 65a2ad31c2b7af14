// Helpers of the flow tests: a flow's runs polled until a condition holds, and a real SMTP server on loopback.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { TestServer } from './runtime.ts';

const U = '/v1/instances/default';

/** Polls a flow's runs (draining the flow worker) until `until` holds; bounded: 500 polls. */
export async function runsOf(s: TestServer, flowId: string, until: (runs: any[]) => boolean): Promise<any[]> {
  for (let i = 0; i < 500; i++) {
    const runs = (await s.call('GET', `${U}/flows/${flowId}/runs`)).body.value as any[];
    if (until(runs)) return runs;
    await s.runtime.services.flowWorker.drain();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(
    `flow runs did not reach the expected state: ${JSON.stringify((await s.call('GET', `${U}/flows/${flowId}/runs`)).body)}`,
  );
}

/** A real SMTP server on loopback (smtp-server) that keeps every mail; login mailer / s3cret-pw, or none. */
export async function startSmtp(): Promise<{
  port: number;
  mails: Array<{ from: string; to: string[]; data: string }>;
  close: () => Promise<void>;
}> {
  const mails: Array<{ from: string; to: string[]; data: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 's3cret-pw') callback(null, { user: auth.username });
      else callback(new Error('bad credentials'));
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
