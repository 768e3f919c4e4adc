// The node flags of src/node/runtime-flags.ts are the ones every launcher of a production
// node passes: the image's ENTRYPOINT, scripts/start.sh and `npm start`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { NODE_FLAGS } from '../../src/node/runtime-flags.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

it('the Dockerfile ENTRYPOINT runs node with the runtime flags', () => {
  const line = read('Dockerfile')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT'));
  assert.ok(line, 'the Dockerfile has an ENTRYPOINT');
  assert.deepEqual(JSON.parse(line.slice('ENTRYPOINT'.length)), [
    'node',
    ...NODE_FLAGS,
    '/app/bin/centrifugo-ts.js',
  ]);
});

it('scripts/start.sh and npm start pass the runtime flags', () => {
  const flags = NODE_FLAGS.join(' ');
  assert.match(read('scripts/start.sh'), new RegExp(`exec node ${flags} src/main\\.ts`));
  const pkg = JSON.parse(read('package.json')) as { scripts: { start: string } };
  assert.equal(pkg.scripts.start, `node ${flags} src/main.ts`);
});
