// test/k8s/image.ts reads the Dockerfile and .dockerignore instead of repeating them: what it
// takes from them must be what Docker would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { dockerIgnore, parseDockerfile } from './image.ts';

const ROOT = new URL('../..', import.meta.url);

test("image: the Dockerfile's runtime stage, as Docker reads it", () => {
  const stages = parseDockerfile(readFileSync(new URL('Dockerfile', ROOT), 'utf8'));
  assert.deepEqual(
    stages.map((s) => s.name ?? '(runtime)'),
    ['deps', 'build', '(runtime)'],
  );
  const runtime = stages[2];
  assert.equal(runtime?.workdir, '/app');
  assert.equal(runtime?.user, '1000:1000');
  assert.deepEqual(runtime?.env, { NODE_ENV: 'production' });
  assert.deepEqual(runtime?.entrypoint?.slice(-1), ['/app/bin/centrifugo-ts.js']);
  assert.deepEqual(runtime?.cmd, ['serve']);
  assert.deepEqual(runtime?.copies[0], {
    from: 'deps',
    sources: ['/app/node_modules'],
    dest: './node_modules',
  });
  assert.deepEqual(stages[0]?.runs[0]?.slice(2, 4), ['ci', '--omit=dev']);
  // The image runs the compiled JavaScript of the build stage (scripts/build.ts), not src/.
  assert.deepEqual(stages[1]?.runs.at(-1), ['node', 'scripts/build.ts']);
  assert.ok(
    runtime?.copies.some((c) => c.from === 'build' && c.sources[0] === '/app/dist'),
    'the runtime stage copies dist/ from the build stage',
  );
  assert.ok(!runtime?.copies.some((c) => c.sources.includes('src')), 'no sources in the image');
});

test('image: an instruction it does not do is refused by name', () => {
  assert.throws(
    () => parseDockerfile('FROM scratch\nHEALTHCHECK CMD ["x"]\n'),
    /instruction not supported by test\/k8s\/image.ts: HEALTHCHECK/,
  );
  assert.throws(() => parseDockerfile('FROM scratch\nRUN echo hi\n'), /RUN must be exec form/);
});

test('image: .dockerignore, the last matching pattern decides (parents included)', () => {
  const ignored = dockerIgnore(readFileSync(new URL('.dockerignore', ROOT), 'utf8'));
  for (const path of [
    'src/main.ts',
    'bin/centrifugo-ts.js',
    'proto/api.proto',
    'package.json',
    'tsconfig.build.json',
    'scripts/build.ts',
  ]) {
    assert.equal(ignored(path), false, path);
  }
  for (const path of [
    'src/node/core/hub.test.ts',
    'src/operator/builders/fixture.ts',
    'test/e2e/deploy.test.ts',
    'node_modules/ws/index.js',
    'dist/main.js',
    'scripts/start.sh',
    'README.md',
  ]) {
    assert.equal(ignored(path), true, path);
  }
});
