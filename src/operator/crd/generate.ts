// Writes deploy/crds/centrifugos.centrifugo-ts.dev.yaml from the schema.
// Run: node src/operator/crd/generate.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CRD_FILE, renderCrdYaml } from './render.ts';

mkdirSync(dirname(CRD_FILE), { recursive: true });
writeFileSync(CRD_FILE, renderCrdYaml());
console.log(`wrote ${CRD_FILE}`);
