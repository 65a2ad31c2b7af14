// The backup file: a gzip stream of entries, each a 4-byte big-endian header length, a JSON header {name, size} and
// then `size` bytes; the first entry is manifest.json. Plain, streamable in both directions, no extra dependency.
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

export interface ArchiveFile {
  /** Relative path inside the archive (forward slashes). */
  name: string;
  /** Where the bytes are read from when packing. */
  source: string;
}

const header = (name: string, size: number): Buffer => {
  const json = Buffer.from(JSON.stringify({ name, size }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([len, json]);
};

/** A gzip stream of the manifest and the files, in order. */
export function packArchive(manifest: unknown, files: ArchiveFile[]): Readable {
  async function* entries(): AsyncGenerator<Buffer> {
    const m = Buffer.from(JSON.stringify(manifest), 'utf8');
    yield header('manifest.json', m.length);
    yield m;
    for (const f of files) {
      const size = statSync(f.source).size;
      yield header(f.name, size);
      // Exactly the size announced, even if the file grows meanwhile.
      if (size > 0) for await (const chunk of createReadStream(f.source, { end: size - 1 })) yield chunk as Buffer;
    }
  }
  return Readable.from(entries()).pipe(createGzip({ level: 1 }));
}

/** Safe relative names only: no absolute paths, no `..`. */
function checkedName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name.startsWith('/') ||
    name.split('/').some((p) => p === '..' || p === '')
  )
    throw new Error(`the backup holds an entry with an unsafe name: ${JSON.stringify(name)}`);
  return name;
}

/** Unpacks into `target`, mapping names through `place` (return undefined to skip an entry). Returns the manifest.
 * `progress` is told the compressed bytes read so far. */
export async function unpackArchive(
  file: string,
  place: (name: string) => string | undefined,
  progress: (bytesRead: number) => void,
): Promise<unknown> {
  let read = 0;
  const input = createReadStream(file);
  input.on('data', (c) => {
    read += (c as Buffer).length;
    progress(read);
  });
  const gunzip = createGunzip();
  const done = pipeline(input, gunzip);
  done.catch(() => undefined);
  try {
    return await readEntries(gunzip, place, done);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith('the backup') ? message : `the backup file is damaged: ${message}`, {
      cause: err,
    });
  }
}

async function readEntries(
  gunzip: AsyncIterable<unknown>,
  place: (name: string) => string | undefined,
  done: Promise<void>,
): Promise<unknown> {
  let manifest: unknown;
  let buf = Buffer.alloc(0);
  let current: { name: string; left: number; out?: ReturnType<typeof createWriteStream> } | undefined;
  const finish = (s: ReturnType<typeof createWriteStream>) =>
    new Promise<void>((r, j) => s.end((e?: Error) => (e ? j(e) : r())));
  let manifestBytes: Buffer[] = [];
  for await (const chunk of gunzip) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    for (;;) {
      if (!current) {
        if (buf.length < 4) break;
        const len = buf.readUInt32BE(0);
        if (len > 64 * 1024) throw new Error('the backup file is damaged: an entry header is too long');
        if (buf.length < 4 + len) break;
        const h = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as { name: unknown; size: unknown };
        buf = buf.subarray(4 + len);
        if (typeof h.size !== 'number' || !Number.isSafeInteger(h.size) || h.size < 0)
          throw new Error('the backup file is damaged: an entry has no size');
        const name = checkedName(h.name);
        const dest = name === 'manifest.json' ? undefined : place(name);
        current = { name, left: h.size };
        if (dest) {
          mkdirSync(path.dirname(dest), { recursive: true });
          current.out = createWriteStream(dest, { mode: 0o600 });
        }
        manifestBytes = [];
      }
      const take = buf.subarray(0, Math.min(buf.length, current.left));
      buf = buf.subarray(take.length);
      current.left -= take.length;
      if (current.name === 'manifest.json') manifestBytes.push(take);
      else if (current.out && take.length > 0 && !current.out.write(take)) {
        const out = current.out;
        await new Promise<void>((r) => out.once('drain', () => r()));
      }
      if (current.left > 0) break;
      if (current.name === 'manifest.json') manifest = JSON.parse(Buffer.concat(manifestBytes).toString('utf8'));
      if (current.out) await finish(current.out);
      current = undefined;
    }
  }
  await done;
  if (current || buf.length > 0) throw new Error('the backup file is damaged: it ends inside an entry');
  if (manifest === undefined) throw new Error('the backup file has no manifest: is it an Insightflow backup?');
  return manifest;
}
