// The CustomResourceDefinition object built from the schema: what deploy/crds/ holds and what
// tests install. Key order inside schemas is normalised so the generated YAML reads well and
// stays stable across TypeBox versions.
import { applyDefaults } from './defaults.ts';
import {
  CATEGORIES,
  CRD_NAME,
  GROUP,
  KIND,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from './identity.ts';
import { ResourceSchema } from './schema.ts';

const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'maxProperties',
  'anyOf',
  'required',
  'properties',
  'items',
  'additionalProperties',
];

/** A plain-JSON copy of a schema (TypeBox's symbol keys dropped) with keys in KEY_ORDER. */
export function tidySchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(tidySchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const entries = Object.entries(schema as Record<string, unknown>);
  const rank = (key: string) => {
    const i = KEY_ORDER.indexOf(key);
    return i >= 0 ? i : KEY_ORDER.length + (key.startsWith('x-') ? 1 : 0);
  };
  entries.sort(([a], [b]) => rank(a) - rank(b));
  const out: Record<string, unknown> = {};
  const properties = (schema as { properties?: Record<string, { default?: unknown }> }).properties;
  for (const [key, value] of entries) {
    if (key === 'required' && properties) {
      // A defaulted field is never missing after admission, and the API server validates a
      // parent's `default: {}` against `required` before filling it: so it is not listed.
      const required = (value as string[]).filter((k) => properties[k]?.default === undefined);
      if (required.length > 0) out[key] = required;
      continue;
    }
    if (key === 'default') out[key] = applyDefaults(schema as never, structuredClone(value));
    else if (key === 'enum') out[key] = value;
    else if (key === 'properties') {
      // Property names are data, not schema keywords: keep their order, tidy their schemas.
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, tidySchema(v)]),
      );
    } else out[key] = tidySchema(value);
  }
  return out;
}

export const PRINTER_COLUMNS = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Replicas', type: 'integer', jsonPath: '.status.readyReplicas' },
  { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Engine', type: 'string', jsonPath: '.spec.engine.type' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  {
    name: 'Reason',
    type: 'string',
    priority: 1,
    jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
  },
  { name: 'Image', type: 'string', priority: 1, jsonPath: '.status.image' },
  { name: 'Endpoint', type: 'string', priority: 1, jsonPath: '.status.endpoints.client' },
];

export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { 'app.kubernetes.io/part-of': 'centrifugo-ts' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: SHORT_NAMES,
        categories: CATEGORIES,
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: tidySchema(ResourceSchema) },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: PRINTER_COLUMNS,
        },
      ],
    },
  };
}
