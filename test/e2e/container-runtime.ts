// The container runtime of the e2e's kubelet stand-in, through the `testcontainers` package:
// a pod's container from a local image (never pulled: the image is built here), on the host
// network, with the pod's security context, its volumes bind-mounted read-only, its logs
// streamed, and started once its liveness probe answers (a wait strategy of ours, since
// testcontainers' HTTP wait reads mapped ports and host networking maps none).
//
// Ryuk, testcontainers' reaper, is an image that cannot be pulled here, so it is off
// (TESTCONTAINERS_RYUK_DISABLED=true, unless set otherwise) and cleanup is explicit: every pod's container is
// removed when the pod stops, and containers a crashed test process left behind (labelled
// with its pid) are removed when the next one starts.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import {
  type BoundPorts,
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
  type WaitStrategy,
} from 'testcontainers';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// Containers share this machine's network, so they are reached on its loopback. Without
// this, testcontainers run inside a container (as here) looks for the gateway of Docker's
// bridge network, which a daemon started with --bridge=none does not have.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export const OWNER_LABEL = 'centrifugo-ts.e2e/owner-pid';

export interface ContainerSpec {
  name: string;
  image: string;
  args: string[];
  env: Record<string, string>;
  binds: { source: string; target: string }[];
  user?: string;
  readOnlyRootFilesystem: boolean;
  dropCapabilities: string[];
  noNewPrivileges: boolean;
  /** What must answer 200 before the container counts as started. */
  started?: { url: string };
}

/** Whether a container engine answers, and which. */
export async function containerEngine(): Promise<{ ok: boolean; why: string }> {
  try {
    const client = await getContainerRuntimeClient();
    const info = client.info.containerRuntime;
    return {
      ok: true,
      why: `engine ${info.serverVersion} at ${info.remoteSocketPath}, through testcontainers`,
    };
  } catch (err) {
    return { ok: false, why: (err as Error).message.split('\n')[0] ?? 'no answer' };
  }
}

/** Removes images with this label that no container uses (old builds of the test image). */
export async function pruneImages(label: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  const prune = () => client.container.dockerode.pruneImages({ filters: { label: [label] } });
  try {
    await prune();
  } catch (err) {
    // The client's keep-alive socket to the daemon sat idle through the image build (minutes
    // on a cold machine) and the daemon closed it: the first write meets EPIPE or a reset.
    // Once, on a fresh socket.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPIPE' && code !== 'ECONNRESET') throw err;
    await prune();
  }
}

/** Polls an HTTP URL until it answers 200: a probe passing on the host network. */
class HttpProbeWait implements WaitStrategy {
  #timeoutMs = 60_000;
  #set = false;
  readonly #url: string;
  constructor(url: string) {
    this.#url = url;
  }
  async waitUntilReady(container: Dockerode.Container, _ports: BoundPorts): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      const state = (await container.inspect()).State;
      if (!state.Running)
        throw new Error(`exited with ${state.ExitCode} before ${this.#url} answered`);
      try {
        const res = await fetch(this.#url, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
        last = `status ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(200);
    }
    throw new Error(`${this.#url} failed after ${this.#timeoutMs} ms (${last})`);
  }
  withStartupTimeout(ms: number): this {
    this.#timeoutMs = ms;
    this.#set = true;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.#set;
  }
  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}

/** GenericContainer plus a read-only root filesystem (its host config is for subclasses). */
class PodContainer extends GenericContainer {
  withReadOnlyRootFilesystem(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

let swept: Promise<void> | undefined;

/** Containers of test processes that are gone: their cleanup never ran. */
function sweepStale(): Promise<void> {
  swept ??= (async () => {
    const client = await getContainerRuntimeClient();
    for (const info of await client.container.list()) {
      const owner = Number(info.Labels?.[OWNER_LABEL]);
      if (!owner || owner === process.pid) continue;
      try {
        process.kill(owner, 0);
      } catch {
        await client.container.dockerode.getContainer(info.Id).remove({ force: true });
      }
    }
  })();
  return swept;
}

export interface RunningContainer {
  /** Resolves with the exit code when this run of the container stops. */
  exited: Promise<number | null>;
  /** SIGTERM, SIGKILL after graceMs. */
  terminate(graceMs: number): void;
}

/** One pod's container: started (and restarted) in place, removed by remove(). */
export class PodContainerRun {
  readonly #spec: ContainerSpec;
  #started: StartedTestContainer | undefined;
  #output = '';

  constructor(spec: ContainerSpec) {
    this.#spec = spec;
  }

  #record = (stream: Readable) => {
    stream.on('data', (chunk: Buffer | string) => {
      this.#output += chunk.toString();
      if (this.#output.length > 400_000) this.#output = this.#output.slice(-200_000);
    });
    stream.on('error', () => {});
  };

  /** Starts the container the first time, restarts it after an exit. */
  async run(): Promise<RunningContainer> {
    await sweepStale();
    const s = this.#spec;
    if (!this.#started) {
      const container = new PodContainer(s.image)
        .withName(s.name)
        .withLabels({ [OWNER_LABEL]: String(process.pid) })
        .withNetworkMode('host')
        .withEnvironment(s.env)
        .withCommand(s.args)
        .withBindMounts(s.binds.map((b) => ({ ...b, mode: 'ro' as const })))
        .withDroppedCapabilities(...s.dropCapabilities)
        .withLogConsumer(this.#record)
        .withStartupTimeout(60_000);
      if (s.user) container.withUser(s.user);
      if (s.readOnlyRootFilesystem) container.withReadOnlyRootFilesystem();
      if (s.noNewPrivileges) container.withSecurityOpt('no-new-privileges');
      if (s.started) container.withWaitStrategy(new HttpProbeWait(s.started.url));
      this.#started = await container.start();
    } else {
      // Logs are asked for by the second: lines of the previous run's last second may repeat.
      const since = Math.floor(Date.now() / 1000);
      await this.#started.restart();
      this.#output += '\n--- restarted ---\n';
      this.#record(await this.#started.logs({ since }));
    }
    const started = this.#started;
    const client = await getContainerRuntimeClient();
    const handle = client.container.getById(started.getId());
    const exited = handle
      .wait()
      .then((r: { StatusCode?: number }) => r.StatusCode ?? null)
      .catch(() => null);
    return {
      exited,
      terminate(graceMs) {
        void handle.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => {});
      },
    };
  }

  logs(): string {
    return this.#output;
  }

  async remove(): Promise<void> {
    const started = this.#started;
    this.#started = undefined;
    await started?.stop({ remove: true, timeout: 0 });
  }
}
