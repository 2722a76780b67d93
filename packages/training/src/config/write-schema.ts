/**
 * Writes configs/schema.json from the config schema. Run after changing the schema:
 * `npx tsx packages/training/src/config/write-schema.ts` (a test fails while the file is stale).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath } from './issues.ts';
import { configJsonSchemaText } from './json-schema.ts';

/** configs/schema.json of the repository, found from this file's location, not the cwd. */
export const SCHEMA_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../configs/schema.json',
);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const tmp = `${SCHEMA_FILE}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, configJsonSchemaText());
  fs.renameSync(tmp, SCHEMA_FILE);
  console.log(`wrote ${displayPath(SCHEMA_FILE)}`);
}
