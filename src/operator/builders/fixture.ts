// Test fixtures for the builders: a Centrifugo as read from the API and a context built from it.
import { API_VERSION, type CentrifugoResource, CREDENTIAL_KEYS, KIND } from '../crd/index.ts';
import { type BuildContext, type BuildInputs, buildContext, resolveSpec } from './context.ts';
import { GENERATED_KEYS } from './secret.ts';

export function resource(spec: Record<string, unknown> = {}, name = 'chat'): CentrifugoResource {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: 'apps', uid: 'uid-1', generation: 1, resourceVersion: '10' },
    spec,
  };
}

export function inputs(overrides: Partial<BuildInputs> = {}): BuildInputs {
  return {
    credentials: {
      secretName: 'chat-credentials',
      generated: true,
      keys: [...GENERATED_KEYS],
      hash: 'credhash',
    },
    serviceMonitorServed: false,
    ...overrides,
  };
}

export function context(
  spec: Record<string, unknown> = {},
  overrides: Partial<BuildInputs> = {},
): BuildContext {
  const r = resource(spec);
  return buildContext(r, resolveSpec(r, '0.1.0'), inputs(overrides));
}

export { CREDENTIAL_KEYS };
