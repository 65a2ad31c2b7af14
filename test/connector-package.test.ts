// The connector package and the CLI's connector commands, run as real child processes: `insightflow connector
// package <dir>` writes four files valid against Microsoft's schemas (apiDefinition.swagger.schema.json,
// paconn-apiProperties.schema.json) with the updatenextlink policy and a 230 × 230 PNG icon; the server offers the
// same files as a ZIP; `insightflow connector swagger` piped through another process prints exactly the bytes the
// server serves at /v1/connector/swagger.json.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';
import { Ajv } from 'ajv';
import AjvDraft04Export from 'ajv-draft-04';
import { parse } from 'jsonc-parser';
import { startTestServer, type TestServer } from './support/runtime.ts';

const AjvDraft04 = (AjvDraft04Export as unknown as { default: typeof Ajv }).default;
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'insightflow.js');
const schemas = path.resolve(root, '../shared/schemas');
const env = { ...process.env, INSIGHTFLOW_LOG_LEVEL: 'silent' };

/** A schema check (a plain predicate, so that asserting it does not narrow the checked value). */
function validator(file: string, draft: '04' | '07'): ((d: unknown) => boolean) & { errors?: unknown[] | null } {
  const schema = parse(readFileSync(path.join(schemas, file), 'utf8'));
  if (draft === '07') {
    schema.$id = schema.id;
    delete schema.id;
    delete schema.$schema;
  }
  const ajv =
    draft === '04'
      ? new AjvDraft04({ allErrors: true, strict: false, validateFormats: false })
      : new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return ajv.compile(schema);
}

/** The entries of a ZIP archive, read from its local headers with their CRC-32 checked. */
function unzip(archive: Buffer): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  let at = 0;
  while (archive.readUInt32LE(at) === 0x04034b50) {
    const packedSize = archive.readUInt32LE(at + 18);
    const nameLength = archive.readUInt16LE(at + 26);
    const extra = archive.readUInt16LE(at + 28);
    const name = archive.subarray(at + 30, at + 30 + nameLength).toString('utf8');
    const start = at + 30 + nameLength + extra;
    const data = inflateRawSync(archive.subarray(start, start + packedSize));
    assert.equal(crc32(data) >>> 0, archive.readUInt32LE(at + 14), `CRC of ${name}`);
    assert.equal(data.length, archive.readUInt32LE(at + 22), `size of ${name}`);
    out[name] = data;
    at = start + packedSize;
  }
  assert.equal(archive.readUInt32LE(at), 0x02014b50, 'central directory follows the entries');
  return out;
}

describe('connector package and CLI', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'insightflow-package-'));
  });
  after(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('connector package writes four files valid against both Microsoft schemas', async () => {
    const out = path.join(dir, 'pkg');
    const r = await run(
      process.execPath,
      [bin, 'connector', 'package', out, '--public-url', 'https://insights.example.com/cx'],
      { env, cwd: root },
    );
    assert.match(r.stdout, /wrote .*apiDefinition\.swagger\.json/);
    const definition = JSON.parse(readFileSync(path.join(out, 'apiDefinition.swagger.json'), 'utf8'));
    const validDefinition = validator('apiDefinition.swagger.schema.json', '04');
    assert.ok(validDefinition(definition), JSON.stringify(validDefinition.errors?.slice(0, 3)));
    assert.equal(definition.host, 'insights.example.com');
    assert.equal(definition.basePath, '/cx');
    assert.deepEqual(definition.schemes, ['https']);
    const properties = JSON.parse(readFileSync(path.join(out, 'apiProperties.json'), 'utf8'));
    const validProperties = validator('paconn-apiProperties.schema.json', '07');
    assert.ok(validProperties(properties), JSON.stringify(validProperties.errors?.slice(0, 3)));
    assert.match(properties.properties.iconBrandColor, /^#[0-9a-f]{6}$/);
    const nextLink = properties.properties.policyTemplateInstances.find((p: any) => p.templateId === 'updatenextlink');
    assert.deepEqual(nextLink.parameters['x-ms-apimTemplate-operationName'], ['GetItems']);
    const icon = readFileSync(path.join(out, 'icon.png'));
    assert.deepEqual([...icon.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(icon.readUInt32BE(16), 230);
    assert.equal(icon.readUInt32BE(20), 230);
    const readme = readFileSync(path.join(out, 'readme.md'), 'utf8');
    assert.match(readme, /https:\/\/insights\.example\.com\/cx/);
    assert.match(readme, /Get items from an entity/);
    assert.match(readme, /When a segment crosses a threshold/);
  });

  test('the server offers the same package as a ZIP, pointing at itself', async () => {
    const res = await fetch(`${s.url}/v1/connector/package.zip`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    const files = unzip(Buffer.from(await res.arrayBuffer()));
    assert.deepEqual(Object.keys(files).sort(), [
      'apiDefinition.swagger.json',
      'apiProperties.json',
      'icon.png',
      'readme.md',
    ]);
    const served = await (await fetch(`${s.url}/v1/connector/swagger.json`)).text();
    assert.equal(files['apiDefinition.swagger.json']!.toString('utf8'), served);
    if (spawnSync('unzip', ['-v']).status === 0) {
      const file = path.join(dir, 'package.zip');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, Buffer.from(await (await fetch(`${s.url}/v1/connector/package.zip`)).arrayBuffer()));
      assert.equal(spawnSync('unzip', ['-t', file]).status, 0, 'unzip -t accepts the archive');
    }
  });

  test('connector swagger piped through another process equals the served definition byte for byte', async () => {
    const served = Buffer.from(await (await fetch(`${s.url}/v1/connector/swagger.json`)).arrayBuffer());
    assert.ok(served.length > 64 * 1024, `the definition is larger than a pipe buffer (${served.length} bytes)`);
    const piped = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${bin}" connector swagger --public-url "${s.url}" | cat`],
      {
        env,
        cwd: root,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    assert.equal(piped.status, 0, piped.stderr.toString());
    assert.equal(piped.stdout.length, served.length);
    assert.ok(piped.stdout.equals(served), 'same bytes');
  });
});
