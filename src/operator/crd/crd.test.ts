import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { withDefaults } from './defaults.ts';
import { buildCrd, PRINTER_COLUMNS } from './definition.ts';
import { CREDENTIAL_KEYS } from './identity.ts';
import { nodeConfigLeaf } from './node-keys.ts';
import { CRD_FILE, GENERATE_COMMAND, renderCrdYaml } from './render.ts';
import { FORBIDDEN_CONFIG_KEYS, SpecSchema } from './schema.ts';

type Schema = Record<string, unknown>;

function openApiSchema(): Schema {
  const crd = buildCrd() as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  return (crd.spec.versions[0] as { schema: { openAPIV3Schema: Schema } }).schema.openAPIV3Schema;
}

/** Every node of a schema with its path. */
function* walk(schema: Schema, path = ''): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    yield* walk(child, `${path}.${name}`);
  }
  if (schema.items) yield* walk(schema.items as Schema, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') {
    yield* walk(schema.additionalProperties as Schema, `${path}{}`);
  }
}

test('deploy/crds holds the CRD generated from the schema', () => {
  let onDisk = '';
  try {
    onDisk = readFileSync(CRD_FILE, 'utf8');
  } catch {}
  assert.ok(
    onDisk === renderCrdYaml(),
    `${CRD_FILE} is out of date with src/operator/crd/schema.ts: run \`${GENERATE_COMMAND}\``,
  );
  assert.deepEqual(parse(onDisk), buildCrd());
});

test('the schema is structural: every node typed, anyOf only for int-or-string', () => {
  for (const [path, node] of walk(openApiSchema())) {
    const opaque =
      node['x-kubernetes-int-or-string'] === true ||
      node['x-kubernetes-preserve-unknown-fields'] === true;
    assert.ok(typeof node.type === 'string' || opaque, `${path || '<root>'} has no type`);
    if (node.anyOf) assert.equal(node['x-kubernetes-int-or-string'], true, `${path} anyOf`);
    for (const key of Object.keys(node)) {
      assert.ok(!key.startsWith('$') && key !== 'oneOf' && key !== 'allOf', `${path}: ${key}`);
    }
    if (node.type === 'array' && path.startsWith('.spec')) {
      assert.equal(typeof node.maxItems, 'number', `${path}: CEL cost needs maxItems`);
    }
  }
});

test('every field has a description, for kubectl explain', () => {
  // (Items of a list of strings and values of a map are described by their list or map;
  // metadata may carry nothing but name restrictions, and kubectl shows ObjectMeta's text.)
  const missing = [...walk(openApiSchema())]
    .filter(([path]) => !['', '.metadata'].includes(path) && !/(\[\]|\{\})$/.test(path))
    .filter(([, node]) => !node.description)
    .map(([path]) => path);
  assert.deepEqual(missing, []);
});

test('sizes are bounded: strings, maps, lists and the replica counts', () => {
  const spec = (openApiSchema().properties as Record<string, Schema>).spec as Schema;
  for (const [path, node] of walk(spec, '.spec')) {
    if (node.type === 'string' && !node.enum) {
      assert.equal(typeof node.maxLength, 'number', `${path}: maxLength`);
    }
    const opaque = node['x-kubernetes-preserve-unknown-fields'] === true;
    if (node.type === 'object' && !node.properties && !opaque) {
      assert.equal(typeof node.maxProperties, 'number', `${path}: maxProperties`);
    }
  }
  const props = spec.properties as Record<string, Schema>;
  assert.equal(props.replicas?.maximum, 1000);
  const autoscaling = (props.autoscaling as Schema).properties as Record<string, Schema>;
  assert.equal(autoscaling.minReplicas?.maximum, 1000);
  assert.equal(autoscaling.maxReplicas?.maximum, 1000);
});

test('conditions are a list-map keyed by type', () => {
  const status = (openApiSchema().properties as Record<string, Schema>).status as Schema;
  const conditions = (status.properties as Record<string, Schema>).conditions as Schema;
  assert.equal(conditions['x-kubernetes-list-type'], 'map');
  assert.deepEqual(conditions['x-kubernetes-list-map-keys'], ['type']);
  const items = conditions.items as Schema;
  assert.deepEqual(
    [...(items.required as string[])].sort(),
    ['lastTransitionTime', 'message', 'reason', 'status', 'type'].sort(),
  );
});

test('printer columns and the scale subresource point at fields of the schema', () => {
  const root = openApiSchema();
  const exists = (jsonPath: string) => {
    const parts = jsonPath
      .replace(/\[\?\(@\.type=="\w+"\)\]/, '[]')
      .split('.')
      .filter((p) => p !== '');
    let node: Schema | undefined = root;
    for (const part of parts) {
      const name = part.replace('[]', '');
      node = (node?.properties as Record<string, Schema> | undefined)?.[name];
      if (part.endsWith('[]')) node = node?.items as Schema | undefined;
      if (name === 'metadata') return true;
    }
    return node !== undefined;
  };
  for (const column of PRINTER_COLUMNS) assert.ok(exists(column.jsonPath), column.jsonPath);
  const crd = buildCrd() as {
    spec: { versions: { subresources: { scale: Record<string, string> } }[] };
  };
  const scale = crd.spec.versions[0]?.subresources.scale as Record<string, string>;
  for (const path of Object.values(scale)) assert.ok(exists(path), path);
  assert.deepEqual(
    PRINTER_COLUMNS.filter((c) => !('priority' in c)).map((c) => c.name),
    ['Ready', 'Replicas', 'Desired', 'Engine', 'Age'],
  );
});

test('defaults fill an empty spec with every section the builders read', () => {
  const spec = withDefaults({});
  const required = (SpecSchema.required ?? []) as string[];
  for (const key of required) assert.ok(key in spec, key);
  assert.equal(spec.replicas, 1);
  assert.equal(spec.engine.type, 'memory');
  assert.equal(spec.service.ports.client, 8000);
  assert.equal(spec.secrets.rotation.hmacGracePeriodSeconds, 86400);
  assert.equal(spec.autoscaling.enabled, false);
  // The user's values are kept and the input is not mutated.
  const input = { replicas: 3, engine: { type: 'nats', nats: { urls: ['nats://n:4222'] } } };
  const copy = structuredClone(input);
  assert.equal(withDefaults(input).replicas, 3);
  assert.deepEqual(input, copy);
});

test('every key spec.config may not set, and every credential key, is a node config key', () => {
  for (const { key } of FORBIDDEN_CONFIG_KEYS) assert.ok(nodeConfigLeaf(key), key);
  for (const key of Object.values(CREDENTIAL_KEYS)) assert.ok(nodeConfigLeaf(key), key);
});

test('CEL rules on spec.config: one per forbidden key, on its parent, naming it', () => {
  const spec = (openApiSchema().properties as Record<string, Schema>).spec as Schema;
  const config = (spec.properties as Record<string, Schema>).config as Schema;
  assert.equal(config['x-kubernetes-preserve-unknown-fields'], true);
  const found: string[] = [];
  for (const [path, node] of walk(config)) {
    for (const r of (node['x-kubernetes-validations'] ?? []) as {
      rule: string;
      message: string;
    }[]) {
      const leaf = /^!has\(self\.(\w+)\)$/.exec(r.rule)?.[1];
      assert.ok(leaf, r.rule);
      const key = `${path.slice(1)}${path === '' ? '' : '.'}${leaf}`;
      assert.match(
        r.message,
        new RegExp(`^spec\\.config must not set ${key.replace(/\./g, '\\.')} \\(`),
      );
      // The key is declared with a type, or CEL could not see it.
      const props = node.properties as Record<string, Schema>;
      assert.equal(typeof props[leaf]?.type, 'string', key);
      found.push(key);
    }
    if (path !== '') assert.equal(node['x-kubernetes-preserve-unknown-fields'] ?? true, true);
  }
  assert.deepEqual(found.sort(), FORBIDDEN_CONFIG_KEYS.map((k) => k.key).sort());
});
