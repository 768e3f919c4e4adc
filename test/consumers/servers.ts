// Real PostgreSQL, Redis and Kafka servers for the consumer tests, each on free loopback
// ports with its data in a temporary folder, stopped (and the folder removed) by the test's
// after hook, and killed by an exit backstop if a test forgets. Binaries come from the
// cached installs of scripts/ensure-{postgres,redis,kafka}.sh (.ci/run sources them);
// without them a test skips with the reason, or fails under CENTRIFUGO_TS_REQUIRE_TOOLS=1.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../nats/harness.ts';

export interface Server {
  /** postgres://..., redis://..., or host:port of the Kafka broker. */
  readonly url: string;
  readonly port: number;
  logTail(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let backstop = false;
function installBackstop(): void {
  if (backstop) return;
  backstop = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

function missing(t: TestContext, what: string, how: string): undefined {
  const reason = `${what} not found: ${how}`;
  if (process.env.CENTRIFUGO_TS_REQUIRE_TOOLS === '1') throw new Error(reason);
  console.log(`skipping: ${reason}`);
  t.skip(reason);
  return undefined;
}

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path !== '' ? path : undefined;
}

interface Launch {
  bin: string;
  args: string[];
  dir: string;
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
}

function launch(l: Launch): { child: ChildProcess; log: string[]; exited: Promise<void> } {
  installBackstop();
  const child = spawn(l.bin, l.args, {
    cwd: l.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(l.uid !== undefined ? { uid: l.uid, gid: l.gid } : {}),
    env: l.env ?? process.env,
  });
  live.add(child);
  const log: string[] = [];
  const record = (chunk: Buffer) => {
    log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (log.length > 400) log.splice(0, log.length - 200);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      live.delete(child);
      log.push(`[spawn failed: ${err.message}]`);
      resolve();
    });
  });
  return { child, log, exited };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const escalate = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(escalate);
}

async function waitPort(port: number, ms: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && alive()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

// ---- PostgreSQL ------------------------------------------------------------------------

function pgBin(): string | undefined {
  const fromEnv = process.env.CENTRIFUGO_TS_PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
    for (const v of versions)
      if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  }
  const initdb = onPath('initdb');
  return initdb ? initdb.replace(/\/initdb$/, '') : undefined;
}

/** The account postgres runs as: PostgreSQL refuses root, so root hands it another user. */
function pgAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) {
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    }
  }
  return { uid: 65534, gid: 65534 };
}

export async function startPostgres(t: TestContext): Promise<Server | undefined> {
  const bin = pgBin();
  if (!bin) return missing(t, 'PostgreSQL (initdb, postgres)', 'source scripts/ensure-postgres.sh');
  const [port] = (await freePorts(1)) as [number];
  const dir = await mkdtemp(join(tmpdir(), 'centrifugo-ts-pg-'));
  dirs.add(dir);
  const data = join(dir, 'data');
  const account = pgAccount();
  if (account) chownSync(dir, account.uid, account.gid);
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    { cwd: dir, encoding: 'utf8', ...(account ?? {}) },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}${init.stdout}`);
  const proc = launch({
    bin: join(bin, 'postgres'),
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ],
    dir,
    ...(account ?? {}),
  });
  const server: Server = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    logTail: () => proc.log.slice(-30).join('\n'),
    async stop() {
      await stopChild(proc.child, proc.exited);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  t.after(() => server.stop());
  const up = await waitPort(port, 20_000, () => proc.child.exitCode === null);
  if (!up) throw new Error(`postgres did not start on ${port}:\n${server.logTail()}`);
  // The port opens before the server takes queries: wait for "ready to accept connections".
  const deadline = Date.now() + 20_000;
  while (!proc.log.some((l) => l.includes('ready to accept connections'))) {
    if (Date.now() > deadline) throw new Error(`postgres not ready:\n${server.logTail()}`);
    await sleep(50);
  }
  return server;
}

// ---- Redis ------------------------------------------------------------------------------

export async function startRedis(t: TestContext): Promise<Server | undefined> {
  const bin = process.env.CENTRIFUGO_TS_REDIS_SERVER || onPath('redis-server');
  if (!bin) return missing(t, 'redis-server', 'source scripts/ensure-redis.sh');
  const [port] = (await freePorts(1)) as [number];
  const dir = await mkdtemp(join(tmpdir(), 'centrifugo-ts-redis-'));
  dirs.add(dir);
  const proc = launch({
    bin,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    dir,
  });
  const server: Server = {
    url: `redis://127.0.0.1:${port}`,
    port,
    logTail: () => proc.log.slice(-30).join('\n'),
    async stop() {
      await stopChild(proc.child, proc.exited);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  t.after(() => server.stop());
  if (!(await waitPort(port, 10_000, () => proc.child.exitCode === null))) {
    throw new Error(`redis-server did not start:\n${server.logTail()}`);
  }
  return server;
}

// ---- Kafka (KRaft: one process is broker and controller) --------------------------------

/** SASL users of the broker's SASL_PLAINTEXT listener (PLAIN and SCRAM-SHA-256 alike). */
export const KAFKA_SASL_USER = { name: 'alice', password: 'alice-secret' };

export interface KafkaServer extends Server {
  /** host:port of a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256) for KAFKA_SASL_USER. */
  readonly saslUrl: string;
}

export async function startKafka(t: TestContext, partitions = 2): Promise<KafkaServer | undefined> {
  const libs = process.env.CENTRIFUGO_TS_KAFKA_LIBS;
  const java = onPath('java');
  if (!libs || !existsSync(libs) || !java) {
    return missing(
      t,
      'Kafka jars (CENTRIFUGO_TS_KAFKA_LIBS) and java',
      'source scripts/ensure-kafka.sh',
    );
  }
  const [port, controllerPort, saslPort] = (await freePorts(3)) as [number, number, number];
  const { name, password } = KAFKA_SASL_USER;
  const dir = await mkdtemp(join(tmpdir(), 'centrifugo-ts-kafka-'));
  dirs.add(dir);
  const props = join(dir, 'server.properties');
  await writeFile(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL://127.0.0.1:${saslPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL://127.0.0.1:${saslPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256',
      `listener.name.sasl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${name}="${password}";`,
      'listener.name.sasl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      `num.partitions=${partitions}`,
      '',
    ].join('\n'),
  );
  const classpath = `${libs}/*`;
  const jvm = ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', classpath];
  const format = spawnSync(
    java,
    [
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      kafkaClusterId(),
      '-c',
      props,
      // SCRAM credentials live in the metadata log: written at format time in KRaft mode.
      '--add-scram',
      `SCRAM-SHA-256=[name=${name},password=${password}]`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr}`);
  const proc = launch({ bin: java, args: [...jvm, 'kafka.Kafka', props], dir });
  const server: KafkaServer = {
    url: `127.0.0.1:${port}`,
    saslUrl: `127.0.0.1:${saslPort}`,
    port,
    logTail: () => proc.log.slice(-30).join('\n'),
    async stop() {
      await stopChild(proc.child, proc.exited);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  t.after(() => server.stop());
  if (!(await waitPort(port, 60_000, () => proc.child.exitCode === null))) {
    throw new Error(`kafka did not start:\n${server.logTail()}`);
  }
  return server;
}

/**
 * A Kafka cluster ID: 16 random bytes in URL-safe base64 without padding, not starting with
 * '-' (one in 64 would: kafka-storage then reads it as an option and refuses to format, as
 * Kafka's own Uuid.randomUuid avoids for the same reason).
 */
function kafkaClusterId(): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 100; i++) {
    crypto.getRandomValues(bytes);
    const id = Buffer.from(bytes).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
  throw new Error('no Kafka cluster ID without a leading dash in 100 draws');
}
