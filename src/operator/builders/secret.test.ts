import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CREDENTIAL_KEYS, ROTATED_FOR_ANNOTATION } from '../crd/index.ts';
import { context, resource } from './fixture.ts';
import {
  buildCredentialsSecretMetadata,
  buildNewCredentialsSecret,
  fromB64,
  GENERATED_KEYS,
  generatedKeysFor,
  missingGeneratedKeys,
  randomCredential,
  rotationPatch,
} from './secret.ts';

test('a new Secret holds three distinct 256-bit values under the config key names', () => {
  const secret = buildNewCredentialsSecret(resource(), '0.1.0', undefined);
  assert.equal(secret.metadata.name, 'chat-credentials');
  assert.equal(secret.metadata.namespace, 'apps');
  assert.equal(secret.type, 'Opaque');
  assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [...GENERATED_KEYS].sort());
  const values = Object.values(secret.data ?? {}).map((v) => fromB64(v) as string);
  for (const v of values) {
    assert.match(v, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(v, 'base64url').length, 32);
  }
  assert.equal(new Set(values).size, 3);
  assert.equal(secret.metadata.ownerReferences?.[0]?.controller, true);
  assert.equal(secret.metadata.annotations, undefined);
});

test('two Secrets never share a value (crypto randomness, not a seed)', () => {
  const a = buildNewCredentialsSecret(resource(), '0.1.0', undefined).data ?? {};
  const b = buildNewCredentialsSecret(resource(), '0.1.0', undefined).data ?? {};
  for (const key of GENERATED_KEYS) assert.notEqual(a[key], b[key]);
});

test('the random source is the only input of a value', () => {
  const zeros = (n: number) => Buffer.alloc(n);
  assert.equal(randomCredential(zeros), Buffer.alloc(32).toString('base64url'));
});

test('a Secret created for a rotate-credentials value records it', () => {
  const secret = buildNewCredentialsSecret(resource(), '0.1.0', '2026-01-01');
  assert.deepEqual(secret.metadata.annotations, { [ROTATED_FOR_ANNOTATION]: '2026-01-01' });
});

test('the apply intent of an existing Secret has metadata only: never data', () => {
  const intent = buildCredentialsSecretMetadata(context());
  assert.deepEqual(Object.keys(intent).sort(), ['apiVersion', 'kind', 'metadata']);
  assert.equal(intent.metadata.labels?.['app.kubernetes.io/component'], 'credentials');
});

test('rotation: new keys, the old HMAC secret kept as previous until now + grace', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const current = {
    [CREDENTIAL_KEYS.httpApiKey]: b64('old-api'),
    [CREDENTIAL_KEYS.grpcApiKey]: b64('old-grpc'),
    [CREDENTIAL_KEYS.hmacSecretKey]: b64('old-hmac'),
  };
  const patch = rotationPatch(current, 1_700_000_000_500, 3600);
  for (const key of GENERATED_KEYS) {
    assert.ok(patch[key]);
    assert.notEqual(patch[key], current[key]);
  }
  assert.equal(fromB64(patch[CREDENTIAL_KEYS.hmacPreviousSecretKey]), 'old-hmac');
  assert.equal(fromB64(patch[CREDENTIAL_KEYS.hmacPreviousSecretKeyValidUntil]), '1700003600');
  const noGrace = rotationPatch(current, 0, 0);
  assert.equal(noGrace[CREDENTIAL_KEYS.hmacPreviousSecretKey], undefined);
});

test('missing keys are found, present ones never reported', () => {
  assert.deepEqual(missingGeneratedKeys(undefined), [...GENERATED_KEYS]);
  const data = { [CREDENTIAL_KEYS.httpApiKey]: 'eA==', [CREDENTIAL_KEYS.hmacSecretKey]: '' };
  assert.deepEqual(missingGeneratedKeys(data), [
    CREDENTIAL_KEYS.grpcApiKey,
    CREDENTIAL_KEYS.hmacSecretKey,
  ]);
});

test('spec.admin.enabled adds the admin password and secret to the generated keys', () => {
  assert.deepEqual(generatedKeysFor({ admin: { enabled: false } }), [...GENERATED_KEYS]);
  const keys = generatedKeysFor({ admin: { enabled: true } });
  assert.deepEqual(keys, [...GENERATED_KEYS, 'admin.password', 'admin.secret']);
  const secret = buildNewCredentialsSecret(resource(), '0.1.0', undefined, undefined, keys);
  assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [...keys].sort());
  const existing = Object.fromEntries(GENERATED_KEYS.map((k) => [k, 'eA==']));
  assert.deepEqual(missingGeneratedKeys(existing, keys), ['admin.password', 'admin.secret']);
});
