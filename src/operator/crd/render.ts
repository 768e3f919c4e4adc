// Renders the CRD as the YAML checked in at deploy/crds/. Both the generator and the test that
// keeps the file in sync call this, so they cannot disagree about the bytes.
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildCrd } from './definition.ts';
import { CRD_NAME } from './identity.ts';

export const CRD_FILE = fileURLToPath(
  new URL(`../../../deploy/crds/${CRD_NAME}.yaml`, import.meta.url),
);

export const GENERATE_COMMAND = 'node src/operator/crd/generate.ts';

export function renderCrdYaml(): string {
  const header = `# Generated from src/operator/crd/schema.ts by \`${GENERATE_COMMAND}\`: do not edit.\n`;
  return header + stringify(buildCrd(), { lineWidth: 0, aliasDuplicateObjects: false });
}
