// Writes the generated API descriptions into docs/connector/ (run by `npm run generate`), formatted the way the
// repository's formatter keeps JSON, so that `prettier --check` and the staleness test agree with the files.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'prettier';
import { definitionFiles, definitionsDir } from '../connector/definitions.ts';
import { routes } from '../http/routes/index.ts';

/** The text of a generated JSON file, as committed. */
export const formatJson = (value: unknown): Promise<string> =>
  format(JSON.stringify(value), { parser: 'json', printWidth: 120 });

async function main(root: string): Promise<void> {
  const dir = path.join(root, definitionsDir);
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(definitionFiles(routes))) {
    writeFileSync(path.join(dir, name), await formatJson(value));
    process.stdout.write(`wrote ${path.join(definitionsDir, name)}\n`);
  }
}

if (import.meta.main) await main(process.cwd());
