// A real TLS-terminating reverse proxy for tests: a self-signed certificate made here (an X.509 v3 certificate
// encoded by hand in DER and signed with a fresh P-256 key, for localhost and 127.0.0.1), an HTTPS server on
// loopback that forwards every request to an upstream HTTP server the way Caddy or nginx do (X-Forwarded-Proto,
// -Host, -For, -Prefix; the path prefix stripped), and a client that trusts only that certificate.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

const tlv = (tag: number, content: Buffer): Buffer => {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
};
const name = (cn: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));
const utcTime = (d: Date) => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));

/** A self-signed certificate (PEM) and its private key (PEM) for localhost and 127.0.0.1, valid for a day. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const now = Date.now();
  const san = seq(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1])));
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    ecdsaSha256,
    name('Insightflow test proxy'),
    seq(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 86_400_000))),
    name('Insightflow test proxy'),
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(seq(oid('2.5.29.17'), tlv(0x04, san)))),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, ecdsaSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const pem = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${pem}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

export interface TlsProxy {
  /** https://localhost:<port><prefix> */
  url: string;
  /** The certificate clients must trust. */
  cert: string;
  close(): Promise<void>;
}

/** An HTTPS proxy on 127.0.0.1 forwarding `<prefix>/…` to `upstream` (http://host:port), connecting from
 * `localAddress` (so a test can tell the proxy from a direct client by address). */
export async function startTlsProxy(opts: {
  upstream: string;
  prefix: string;
  localAddress: string;
}): Promise<TlsProxy> {
  const { cert, key } = selfSignedCertificate();
  const target = new URL(opts.upstream);
  const server = https.createServer({ cert, key }, (req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith(`${opts.prefix}/`)) {
      res.writeHead(404).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['x-forwarded-for'];
    delete headers['x-forwarded-host'];
    delete headers['x-forwarded-proto'];
    delete headers['x-forwarded-prefix'];
    delete headers.forwarded;
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: path.slice(opts.prefix.length),
        localAddress: opts.localAddress,
        headers: {
          ...headers,
          host: target.host,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': req.headers.host ?? '',
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-prefix': opts.prefix,
        },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://localhost:${port}${opts.prefix}`,
    cert,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface HttpsReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A request over HTTPS trusting only `ca`; the body is parsed as JSON when it is JSON. */
export function httpsCall(
  url: string,
  opts: { ca: string; method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<HttpsReply> {
  const text = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? 'GET',
        ca: opts.ca,
        agent: false,
        headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let body: unknown = raw;
          if (/json/.test(res.headers['content-type'] ?? '')) body = JSON.parse(raw);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
