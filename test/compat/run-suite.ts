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
import {
  freePorts,
  PORTS_PER_SERVER,
  type Server,
  type ServerKind,
  startServer,
} from './servers.ts';
import { UNISTREAM_PACKAGE, uniGrpcClient } from './uni-grpc-stream.ts';

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

export interface SuiteOptions {
  /**
   * The `engine` section this node runs an ordinary group's config with, made for each start
   * (a NATS prefix of its own, so no start sees another's streams); Centrifugo keeps its
   * memory engine. Undefined: the config as it is (the memory engine).
   */
  nodeEngine?: () => Record<string, unknown>;
}

export class SuiteRunner {
  private readonly tool: CentrifugoTool;
  private readonly options: SuiteOptions;
  private readonly api;
  private readonly codec;
  private readonly uniCodec;
  /**
   * Configs this node refused, by spec: refusing is decided from the config alone, so a
   * group with the same config (a feature group's other encoding) reuses the refusal
   * instead of starting the node again.
   */
  private readonly refusals = new Map<string, Server>();

  constructor(tool: CentrifugoTool, options: SuiteOptions = {}) {
    this.tool = tool;
    this.options = options;
    this.api = loadProto(tool.apiProto);
    const client = loadProto(tool.clientProto);
    this.codec = {
      command: client.lookupType(`${CLIENT_PACKAGE}.Command`),
      reply: client.lookupType(`${CLIENT_PACKAGE}.Reply`),
    };
    const uni = loadProto(tool.uniStreamProto);
    this.uniCodec = {
      request: uni.lookupType(`${UNISTREAM_PACKAGE}.ConnectRequest`),
      push: uni.lookupType(`${UNISTREAM_PACKAGE}.Push`),
    };
  }

  async runGroup(group: Group, cases: CompatCase[]): Promise<CaseResult[]> {
    const spec = { config: group.config, ...(group.env ? { env: group.env } : {}) };
    const ports = await freePorts(ROLES.length * PORTS_PER_SERVER);
    const key = JSON.stringify(spec);
    const starting = await Promise.allSettled(
      ROLES.map(async (r, i) => {
        const known = r.kind === 'centrifugo-ts' ? this.refusals.get(key) : undefined;
        if (known !== undefined) return known;
        const engine = this.options.nodeEngine;
        const own =
          r.kind === 'centrifugo-ts' && engine && !group.startup
            ? { ...spec, config: { ...spec.config, engine: engine() } }
            : spec;
        const [http = 0, grpc = 0, uniGrpc = 0] = ports.slice(
          PORTS_PER_SERVER * i,
          PORTS_PER_SERVER * (i + 1),
        );
        const server = await startServer(r.kind, r.label, own, this.tool.binary, {
          http,
          grpc,
          uniGrpc,
        });
        if (r.kind === 'centrifugo-ts' && !server.started) this.refusals.set(key, server);
        return server;
      }),
    );
    const servers = await allStartedOrStopped(starting);
    const targets: Target[] = servers.map((server) => ({
      server,
      grpc: new GrpcApiClient(server.grpcTarget, this.api),
      codec: this.codec,
      uniGrpc: uniGrpcClient(server.uniGrpcTarget),
      uniCodec: this.uniCodec,
    }));
    try {
      if (!group.startup) assertCentrifugoStarted(group, servers);
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
      for (const t of targets) {
        t.grpc.close();
        t.uniGrpc.close();
      }
      await Promise.all(servers.map((s) => s.stop()));
    }
  }
}

/** The servers, or (when one could not be started) the first error, the others stopped. */
async function allStartedOrStopped(starting: PromiseSettledResult<Server>[]): Promise<Server[]> {
  const failed = starting.find((s) => s.status === 'rejected');
  if (failed === undefined) return starting.map((s) => (s as PromiseFulfilledResult<Server>).value);
  await Promise.all(starting.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
  throw failed.reason;
}

async function runOn(c: CompatCase, target: Target, startup: boolean): Promise<Transcript> {
  // Whether this server took the group's config, the group's own servers asked (a feature
  // group's startup case): no servers of its own.
  if (c.probeStartup) return { started: target.server.started, steps: [], conns: {} };
  if (startup) {
    if (!target.server.started) return { started: false, steps: [], conns: {} };
    return { started: true, ...(await runCase(c, target)) };
  }
  // Centrifugo started (checked before), this node did not: in an ordinary group that is an
  // outcome of each case, a feature this node refuses by name (cases/features.ts), so the
  // case differs, and says why.
  if (!target.server.started) return { refused: refusal(target.server), steps: [], conns: {} };
  return runCase(c, target);
}

/** Why a server refused its config: the "not supported yet: ..." line, else its last line. */
export function refusal(server: Server): string {
  const log = server.logTail();
  const named = /not supported yet: [^\n"]*/.exec(log)?.[0];
  if (named !== undefined) return named;
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  return lines.at(-1) ?? `exit ${server.exitCode}`;
}

/** Centrifugo refusing an ordinary group's config is a broken suite, not an outcome. */
function assertCentrifugoStarted(group: Group, servers: Server[]): void {
  for (const s of servers) {
    if (!s.started && s.kind === 'centrifugo') {
      throw new Error(
        `${s.label} refused the config of group ${group.name} (exit ${s.exitCode}):\n${s.logTail()}`,
      );
    }
  }
}
