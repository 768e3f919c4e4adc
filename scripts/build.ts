// Compiles src/ to dist/ (tsconfig.build.json), the JavaScript the image and
// bin/centrifugo-ts.js run: a node started from compiled JavaScript never loads Node's
// TypeScript stripper, 25+ MiB less RSS at idle (bench/results/2026-12-02-idle-node.md).
// dist/ is written afresh each time, so no file of a removed source survives in it.
//
//   node scripts/build.ts        (npm run build; the Dockerfile's build stage)
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', new URL('tsconfig.build.json', root).pathname], {
  stdio: 'inherit',
});
// Files tsc does not emit: the admin UI's static files (src/node/admin/ui-files.ts serves
// them from beside the compiled code).
cpSync(new URL('src/node/admin-ui/', root), new URL('node/admin-ui/', dist), { recursive: true });
