// Two `centrifugo-ts operator` processes against a real API server, each running as a user
// bound to nothing but deploy/rbac's roles: one leads (and reconciles, proving the RBAC is
// enough, with the OwnerReferencesPermissionEnforcement admission plugin on, as the harness
// runs it), the other waits; a graceful stop hands the Lease over at once, a crash after the
// lease expires, and a leader that cannot renew exits with an error.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parse as parseYaml, stringify } from 'yaml';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { fromKubeconfigFiles } from '../../src/operator/kube/kubeconfig.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { Reconciler } from '../../src/operator/reconciler.ts';
import { freePorts } from '../nats/harness.ts';
import {
  centrifugo,
  condition,
  create,
  events,
  getOptional,
  paths,
  startCluster,
  waitFor,
} from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/centrifugo-ts.js', import.meta.url));
const RBAC_DIR = fileURLToPath(new URL('../../deploy/rbac', import.meta.url));
const OPERATOR_NS = 'centrifugo-ts-system';
const USER = 'centrifugo-operator';
const T = { timeout: 60_000 };

interface Proc {
  child: ChildProcess;
  identity: string;
  healthPort: number;
  output: () => string;
  exited: Promise<number | null>;
}

function startOperator(kubeconfig: string, identity: string, healthPort: number): Proc {
  let output = '';
  const child = spawn(
    process.execPath,
    [
      BIN,
      'operator',
      '--kubeconfig',
      kubeconfig,
      '--leader-election-namespace',
      OPERATOR_NS,
      '--identity',
      identity,
      '--lease-duration',
      '4',
      '--renew-deadline',
      '3',
      '--retry-period',
      '1',
      '--health-port',
      String(healthPort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
  );
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, identity, healthPort, output: () => output, exited };
}

async function readyz(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(1000),
    });
    return (await res.text()).trim();
  } catch {
    return undefined;
  }
}

test('leader election between two operator processes, under least-privilege RBAC', {
  timeout: 300_000,
}, async (t) => {
  const cluster = await startCluster(t, [{ name: USER }, { name: 'no-finalizers' }]);
  if (!cluster) return;
  const { api, client } = cluster;
  await api.kubectlOk(['apply', '-k', RBAC_DIR]);

  await t.test(
    'the admission plugin is on: without centrifugos/finalizers update, no child is made',
    T,
    async () => {
      // deploy/rbac's ClusterRole minus that one rule, for another user.
      const role = parseYaml(readFileSync(`${RBAC_DIR}/cluster-role.yaml`, 'utf8')) as {
        metadata: { name: string };
        rules: { resources: string[] }[];
      };
      role.metadata.name = 'no-finalizers';
      role.rules = role.rules.filter((r) => !r.resources.includes('centrifugos/finalizers'));
      await api.apply(stringify(role));
      await api.kubectlOk([
        'create',
        'clusterrolebinding',
        'no-finalizers',
        '--clusterrole=no-finalizers',
        '--user=no-finalizers',
      ]);
      await api.createNamespace('plugin');
      await create(client, centrifugo('plugin', 'chat'));
      const restricted = new KubeClient(fromKubeconfigFiles([api.kubeconfigFor('no-finalizers')]));
      t.after(() => restricted.close());
      const reconciler = new Reconciler({
        api: restricted,
        events: { record: () => {} },
        logger: pino({ level: 'silent' }),
        defaultTag: '0.0.0-test',
      });
      await assert.rejects(reconciler.reconcile('plugin/chat'), /cannot set blockOwnerDeletion/);
      const cr = await client.get(paths.centrifugo('plugin', 'chat'));
      assert.equal(condition(cr, 'Reconciling')?.reason, 'Retrying');
      assert.equal(await getOptional(client, paths.deployment('plugin', 'chat')), undefined);
    },
  );
  // Bind the roles to the test user the way deploy/rbac binds them to the service account.
  await api.kubectlOk([
    'create',
    'clusterrolebinding',
    'test-operator',
    '--clusterrole=centrifugo-ts-operator',
    `--user=${USER}`,
  ]);
  await api.kubectlOk([
    'create',
    'rolebinding',
    'test-operator-leases',
    '-n',
    OPERATOR_NS,
    '--role=centrifugo-ts-operator-leader-election',
    `--user=${USER}`,
  ]);
  await api.createNamespace('leader');
  const kubeconfig = api.kubeconfigFor(USER);
  const [portA, portB] = (await freePorts(2)) as [number, number];
  const procs: Proc[] = [];
  t.after(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
  });
  const start = (identity: string, port: number) => {
    const p = startOperator(kubeconfig, identity, port);
    procs.push(p);
    return p;
  };
  const holder = async () => {
    const lease = await getOptional<KubeObject & { spec: Record<string, unknown> }>(
      client,
      paths.lease(OPERATOR_NS, 'centrifugo-ts-operator'),
    );
    return lease?.spec;
  };
  const reconciled = (name: string) =>
    waitFor(
      `${name} reconciled`,
      () => getOptional(client, paths.deployment('leader', name)),
      30_000,
    );

  const a = start('op-a', portA);
  const first = await waitFor('a leader', async () => (await holder())?.holderIdentity, 30_000);
  assert.equal(first, 'op-a');
  const b = start('op-b', portB);
  await waitFor('b standing by', async () => (await readyz(portB)) === 'standby');
  assert.equal(await readyz(portA), 'leader');

  // Every kind of child, optional ones included, under the restricted user.
  await create(
    client,
    centrifugo('leader', 'one', {
      replicas: 2,
      engine: { type: 'nats', nats: { urls: ['nats://nats:4222'] } },
      pdb: { enabled: true },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 },
    }),
  );
  await reconciled('one');
  for (const path of [
    paths.service('leader', 'one'),
    paths.service('leader', 'one-internal'),
    paths.configMap('leader', 'one-config'),
    paths.secret('leader', 'one-credentials'),
    paths.pdb('leader', 'one'),
    paths.hpa('leader', 'one'),
  ]) {
    const child = await waitFor(path, () => getOptional(client, path));
    assert.equal(child.metadata.ownerReferences?.[0]?.blockOwnerDeletion, true, path);
  }
  const one = await waitFor('status written through /status', async () => {
    const cr = await client.get(paths.centrifugo('leader', 'one'));
    return (cr.status as { observedGeneration?: number } | undefined)?.observedGeneration === 1
      ? cr
      : undefined;
  });
  assert.ok(one);
  await waitFor('an Event recorded by the restricted user', async () =>
    (await events(client, 'leader', 'one')).find((e) => e.reason === 'CredentialsGenerated'),
  );
  assert.doesNotMatch(a.output(), /forbidden/i, 'the RBAC of deploy/rbac is enough');

  await t.test(
    'a graceful stop releases the Lease: the standby takes over at once',
    T,
    async () => {
      const transitions = Number((await holder())?.leaseTransitions ?? 0);
      const stoppedAt = Date.now();
      a.child.kill('SIGTERM');
      assert.equal(await a.exited, 0, a.output());
      const next = await waitFor('b leads', async () =>
        (await holder())?.holderIdentity === 'op-b' ? Date.now() : undefined,
      );
      assert.ok(next - stoppedAt < 3_500, `handover took ${next - stoppedAt} ms`);
      assert.equal(Number((await holder())?.leaseTransitions), transitions + 1);
      await create(client, centrifugo('leader', 'two'));
      await reconciled('two');
      assert.equal(await readyz(portB), 'leader');
    },
  );

  await t.test('a crashed leader is replaced once its lease expires', T, async () => {
    const c = start('op-c', portA);
    await waitFor('c standing by', async () => (await readyz(portA)) === 'standby');
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    const next = await waitFor(
      'c leads',
      async () => ((await holder())?.holderIdentity === 'op-c' ? Date.now() : undefined),
      30_000,
    );
    assert.ok(next - killedAt >= 3_000, `took over after ${next - killedAt} ms: before expiry`);
    await create(client, centrifugo('leader', 'three'));
    await reconciled('three');
    assert.match(c.output(), /"msg":"leading"/);
  });

  await t.test('a leader that cannot renew stops and exits non-zero', T, async () => {
    const c = procs.at(-1) as Proc;
    await api.kubectlOk(['delete', 'rolebinding', 'test-operator-leases', '-n', OPERATOR_NS]);
    assert.equal(await c.exited, 1);
    assert.match(c.output(), /leadership lost/);
  });
});
