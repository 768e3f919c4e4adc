// Writes the cases of cases.ts to a directory as <name>.prev and <name>.next, for the Go
// program in centrifuge-encoder/ (README.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deltaCases } from './cases.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node write-cases.ts <dir>');
mkdirSync(dir, { recursive: true });
for (const c of deltaCases()) {
  writeFileSync(join(dir, `${c.name}.prev`), c.prev);
  writeFileSync(join(dir, `${c.name}.next`), c.next);
}
