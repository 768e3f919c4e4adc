// The project image for containerd (test/k8s/real-cluster.ts), built without Docker: the
// Dockerfile's runtime stage is read and done here, on the FROM-scratch Node base that
// scripts/docker-base-image.sh lays out (--rootfs), and written as a `docker save` archive
// that `ctr images import` reads.
//
// Why not `docker build` + `docker save`: a Docker engine is optional on these machines
// (scripts/ensure-docker.sh is best effort; several test runs here share one dockerd data root
// and pidfile), and its vfs storage copies every layer. Reading the Dockerfile keeps one
// source: an instruction this file does not know fails the build by name, so the two cannot
// drift apart silently. The Docker build itself is tested by test/e2e/deploy.test.ts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = process.env.CENTRIFUGO_TS_CACHE ?? join(homedir(), '.cache/centrifugo-ts');

export interface ProjectImage {
  /** As the chart and the operator name it: centrifugo-ts:<package.json version>. */
  tag: string;
  archive: string;
  ms: number;
}

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

interface Stage {
  name?: string;
  from: string;
  workdir: string;
  env: Record<string, string>;
  copies: Copy[];
  runs: string[][];
  /** The COPYs and RUNs in their order (a build stage runs its script after its COPYs). */
  steps: ({ copy: Copy } | { run: string[] })[];
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  exposed: string[];
}

/** The Dockerfile's stages, for the instructions it uses (others are refused by name). */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const stages: Stage[] = [];
  const args: Record<string, string> = {};
  const expand = (s: string) =>
    s.replace(
      /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
      (_, n: string) => stage()?.env[n] ?? args[n] ?? '',
    );
  const stage = () => stages[stages.length - 1];
  const json = (rest: string, what: string) => {
    if (!rest.startsWith('[')) throw new Error(`Dockerfile: ${what} must be exec form: ${rest}`);
    return JSON.parse(rest) as string[];
  };
  for (const line of lines) {
    const [, instr = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const current = stage();
    switch (instr.toUpperCase()) {
      case 'ARG': {
        const [k, v] = rest.split('=');
        if (k && !current) args[k] = v ?? '';
        break;
      }
      case 'FROM': {
        const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
        stages.push({
          name,
          from: expand(from),
          workdir: '/',
          env: {},
          copies: [],
          runs: [],
          steps: [],
          exposed: [],
        });
        break;
      }
      case 'WORKDIR':
        if (current) current.workdir = rest;
        break;
      case 'ENV':
        if (current) {
          for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) {
            current.env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
          }
        }
        break;
      case 'COPY': {
        const words = rest.split(/\s+/);
        const from = words[0]?.startsWith('--from=') ? words.shift()?.slice(7) : undefined;
        const dest = words.pop() ?? '';
        const copy = { from, sources: words, dest };
        current?.copies.push(copy);
        current?.steps.push({ copy });
        break;
      }
      case 'RUN': {
        const run = json(rest, 'RUN');
        current?.runs.push(run);
        current?.steps.push({ run });
        break;
      }
      case 'USER':
        if (current) current.user = rest;
        break;
      case 'ENTRYPOINT':
        if (current) current.entrypoint = json(rest, 'ENTRYPOINT');
        break;
      case 'CMD':
        if (current) current.cmd = json(rest, 'CMD');
        break;
      case 'EXPOSE':
        current?.exposed.push(...rest.split(/\s+/));
        break;
      case 'LABEL':
        break;
      default:
        throw new Error(`Dockerfile instruction not supported by test/k8s/image.ts: ${instr}`);
    }
  }
  return stages;
}

/** .dockerignore's rule: the last pattern that matches a path (or a parent of it) decides. */
export function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const glob = (negate ? l.slice(1) : l).replace(/\/+$/, '');
      const source = glob
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negate, re: new RegExp(`^${source}$`) };
    });
  return (path: string) => {
    const parts = path.split('/');
    let ignored = false;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (rule.re.test(parts.slice(0, i).join('/'))) {
          ignored = !rule.negate;
          break;
        }
      }
    }
    return ignored;
  };
}

function run(bin: string, args: string[], cwd?: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_BIN: process.execPath };
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
  const res = spawnSync(bin, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (res.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} exited ${res.status}: ${res.stderr || res.error}`);
  }
  return res.stdout;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const isNpm = (r: string[]) => r[0] === 'node' && r.some((a) => a.endsWith('/npm-cli.js'));

/** Where a stage's dependency part ends: after its last npm RUN before any other RUN. */
function depsEnd(stage: Stage): number {
  const other = stage.steps.findIndex((s) => 'run' in s && !isNpm(s.run));
  const upTo = other < 0 ? stage.steps : stage.steps.slice(0, other);
  const lastNpm = upTo.findLastIndex((s) => 'run' in s);
  return other < 0 ? stage.steps.length : lastNpm + 1;
}

/**
 * The dependencies of a stage: its COPYs of files and `npm ...` RUNs up to depsEnd,
 * done with this machine's Node and npm; cached by what goes in, since it changes only with
 * the lockfile.
 */
async function buildDepsStage(stage: Stage): Promise<string> {
  const steps = stage.steps.slice(0, depsEnd(stage));
  const files = steps.flatMap((s) => {
    if (!('copy' in s)) return [];
    if (s.copy.from)
      throw new Error(`Dockerfile: COPY --from in stage ${stage.name}: not supported`);
    return s.copy.sources;
  });
  const npmArgs = steps.flatMap((s) => {
    if (!('run' in s)) return [];
    const cli = s.run.findIndex((a) => a.endsWith('/npm-cli.js'));
    return [s.run.slice(cli + 1)];
  });
  const hash = createHash('sha256').update(JSON.stringify(npmArgs));
  for (const f of files) hash.update(readFileSync(join(ROOT, f)));
  const dir = join(CACHE, `image-deps-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'done'))) return dir;
  await mkdir(CACHE, { recursive: true });
  const tmp = await mkdtemp(join(CACHE, '.image-deps-'));
  for (const f of files) await cp(join(ROOT, f), join(tmp, f));
  const npm = join(dirname(process.execPath), 'npm');
  for (const args of npmArgs) run(existsSync(npm) ? npm : 'npm', args, tmp);
  await writeFile(join(tmp, 'done'), '');
  try {
    await rename(tmp, dir);
  } catch (err) {
    // Another run finished the same dir first: keep its.
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'done'))) throw err;
  }
  return dir;
}

/** Docker's COPY from the build context: into dest when it ends with / (or several sources). */
async function copyFromContext(copy: Copy, workdir: string, ignored: (p: string) => boolean) {
  const into = copy.dest.endsWith('/') || copy.sources.length > 1;
  for (const src of copy.sources) {
    const target = into ? join(workdir, copy.dest, basename(src)) : join(workdir, copy.dest);
    await cp(join(ROOT, src), target, {
      recursive: true,
      filter: (path) => {
        const rel = relative(ROOT, path);
        return rel === '' || !ignored(rel);
      },
    });
  }
}

/**
 * A stage's working directory once done: its dependencies (buildDepsStage, cached), then its
 * other COPYs and its `node <script>` RUNs (the build stage: scripts/build.ts), in `outDir`.
 */
async function buildStage(
  stage: Stage,
  outDir: string,
  ignored: (p: string) => boolean,
): Promise<string> {
  const deps = await buildDepsStage(stage);
  const first = depsEnd(stage);
  if (first === stage.steps.length) return deps;
  const dir = await mkdtemp(join(outDir, `stage-${stage.name ?? 'unnamed'}-`));
  // The installed files as they are (package*.json), node_modules linked, not copied.
  for (const entry of readdirSync(deps)) {
    if (entry === 'node_modules') await symlink(join(deps, entry), join(dir, entry));
    else if (entry !== 'done') await cp(join(deps, entry), join(dir, entry), { recursive: true });
  }
  for (const step of stage.steps.slice(first)) {
    if ('copy' in step) {
      if (step.copy.from) throw new Error(`Dockerfile: COPY --from in stage ${stage.name}`);
      await copyFromContext(step.copy, dir, ignored);
    } else if (step.run[0] === 'node' && !isNpm(step.run)) {
      run(process.execPath, step.run.slice(1), dir);
    } else {
      throw new Error(`Dockerfile: RUN ${JSON.stringify(step.run)}: only npm and node`);
    }
  }
  return dir;
}

/** Builds the project image into `outDir`/image.tar. */
export async function buildProjectImage(outDir: string): Promise<ProjectImage> {
  const t0 = Date.now();
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages[stages.length - 1];
  if (!runtime) throw new Error('Dockerfile has no stage');
  if (runtime.runs.length > 0)
    throw new Error('Dockerfile: RUN in the runtime stage: not supported');
  const ignored = dockerIgnore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const version = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;

  const rootfs = join(outDir, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  run('bash', [join(ROOT, 'scripts/docker-base-image.sh'), '--rootfs', rootfs]);
  const workdir = join(rootfs, runtime.workdir);
  await mkdir(workdir, { recursive: true });
  for (const copy of runtime.copies) {
    const dest = join(runtime.workdir, copy.dest);
    if (copy.from) {
      const from = stages.find((s) => s.name === copy.from);
      if (!from) throw new Error(`Dockerfile: COPY --from=${copy.from}: no such stage`);
      const built = await buildStage(from, outDir, ignored);
      for (const src of copy.sources) {
        const local = join(built, relative(from.workdir, src));
        await cp(local, join(rootfs, dest), { recursive: true });
      }
      continue;
    }
    await copyFromContext(copy, join(rootfs, runtime.workdir), ignored);
  }

  // The image config: the runtime stage's, over the base's (scripts/docker-base-image.sh).
  const env = { PATH: '/usr/local/bin', NODE_VERSION: process.versions.node, ...runtime.env };
  const layer = join(outDir, 'layer.tar');
  run('tar', ['--create', '--file', layer, '--directory', rootfs, ...readdirSync(rootfs)]);
  const layerSum = await sha256File(layer);
  const tag = `centrifugo-ts:${version}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: runtime.workdir,
      User: runtime.user,
      Entrypoint: runtime.entrypoint,
      Cmd: runtime.cmd,
      ExposedPorts: Object.fromEntries(runtime.exposed.map((p) => [`${p}/tcp`, {}])),
      Labels: {
        'org.opencontainers.image.title': 'centrifugo-ts',
        'org.opencontainers.image.version': version,
      },
    },
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerSum}`] },
  });
  const configSum = createHash('sha256').update(config).digest('hex');
  const archiveDir = join(outDir, 'archive');
  await mkdir(join(archiveDir, layerSum), { recursive: true });
  await rename(layer, join(archiveDir, layerSum, 'layer.tar'));
  await writeFile(join(archiveDir, `${configSum}.json`), config);
  await writeFile(
    join(archiveDir, 'manifest.json'),
    JSON.stringify([
      { Config: `${configSum}.json`, RepoTags: [tag], Layers: [`${layerSum}/layer.tar`] },
    ]),
  );
  const archive = join(outDir, 'image.tar');
  run('tar', [
    '--create',
    '--file',
    archive,
    '--directory',
    archiveDir,
    'manifest.json',
    `${configSum}.json`,
    `${layerSum}/layer.tar`,
  ]);
  await rm(archiveDir, { recursive: true, force: true });
  await rm(rootfs, { recursive: true, force: true });
  return { tag, archive, ms: Date.now() - t0 };
}
