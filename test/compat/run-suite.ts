// Runs cases group by group: for each config group, real Centrifugo twice (the reference
// and its twin, which checks the suite itself) and this node, started from the same config,
// then every case of the group against the three at once, in the list's order.
import type { CompatCase, Transcript } from './case.ts';
import type { CentrifugoTool } from './centrifugo-tool.ts';
import type { Group } from './configs.ts';
import { GrpcApiClient } from './grpc-client.ts';
import { normalize } from './normalize.ts';
import { CLIENT_PACKAGE, type Json, loadProto } from './proto.ts';
import { runCase, type Target } from './run-case.ts';
import { freePorts, type Server, type ServerKind, startServer } from './servers.ts';

export interface CaseResult {
  case: CompatCase;
  /** Normalized transcripts: Centrifugo, a second Centrifugo, this node. */
  reference: Json;
  twin: Json;
  node: Json;
}

const ROLES: Array<{ kind: ServerKind; label: string }> = [
  { kind: 'centrifugo', label: 'centrifugo' },
  { kind: 'centrifugo', label: 'centrifugo (twin)' },
  { kind: 'centrifugo-ts', label: 'centrifugo-ts' },
];

export class SuiteRunner {
  private readonly tool: CentrifugoTool;
  private readonly api;
  private readonly codec;

  constructor(tool: CentrifugoTool) {
    this.tool = tool;
    this.api = loadProto(tool.apiProto);
    const client = loadProto(tool.clientProto);
    this.codec = {
      command: client.lookupType(`${CLIENT_PACKAGE}.Command`),
      reply: client.lookupType(`${CLIENT_PACKAGE}.Reply`),
    };
  }

  async runGroup(group: Group, cases: CompatCase[]): Promise<CaseResult[]> {
    const spec = { config: group.config, ...(group.env ? { env: group.env } : {}) };
    const ports = await freePorts(ROLES.length * 2);
    const servers = await Promise.all(
      ROLES.map((r, i) =>
        startServer(r.kind, r.label, spec, this.tool.binary, {
          http: ports[2 * i] ?? 0,
          grpc: ports[2 * i + 1] ?? 0,
        }),
      ),
    );
    const targets: Target[] = servers.map((server) => ({
      server,
      grpc: new GrpcApiClient(server.grpcTarget, this.api),
      codec: this.codec,
    }));
    try {
      if (!group.startup) assertStarted(group, servers);
      const results: CaseResult[] = [];
      for (const c of cases) {
        const [reference, twin, node] = await Promise.all(
          targets.map((t) => runOn(c, t, group.startup === true)),
        );
        results.push({
          case: c,
          reference: normalize(reference as Transcript),
          twin: normalize(twin as Transcript),
          node: normalize(node as Transcript),
        });
      }
      return results;
    } finally {
      for (const t of targets) t.grpc.close();
      await Promise.all(servers.map((s) => s.stop()));
    }
  }
}

async function runOn(c: CompatCase, target: Target, startup: boolean): Promise<Transcript> {
  if (!startup) return runCase(c, target);
  if (!target.server.started) return { started: false, steps: [], conns: {} };
  return { started: true, ...(await runCase(c, target)) };
}

function assertStarted(group: Group, servers: Server[]): void {
  for (const s of servers) {
    if (!s.started) {
      throw new Error(
        `${s.label} refused the config of group ${group.name} (exit ${s.exitCode}):\n${s.logTail()}`,
      );
    }
  }
}
