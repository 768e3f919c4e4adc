// Where real Centrifugo and its own proto files are: the variables that
// scripts/ensure-centrifugo.sh exports (.ci/run sources it). Run outside CI without them, the
// script is asked for the paths when its cached binary exists (no build happens in a test).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CentrifugoTool {
  binary: string;
  /** internal/apiproto/api.proto of the Centrifugo module. */
  apiProto: string;
  /** client.proto of the protocol module Centrifugo's go.mod pins. */
  clientProto: string;
  /** internal/unigrpc/unistream/unistream.proto of the Centrifugo module (uni_grpc). */
  uniStreamProto: string;
}

const SCRIPT = new URL('../../scripts/ensure-centrifugo.sh', import.meta.url).pathname;
const CACHED_BINARY = `${homedir()}/.cache/centrifugo-ts/centrifugo-v6.9.1/centrifugo`;

/** The tool, or the reason it is not there. */
export function findCentrifugo(): CentrifugoTool | string {
  let env: Record<string, string | undefined> = process.env;
  if (env.CENTRIFUGO_TS_CENTRIFUGO === undefined) {
    if (!existsSync(CACHED_BINARY)) {
      return `Centrifugo v6.9.1 is not built: . scripts/ensure-centrifugo.sh (builds it once into ${CACHED_BINARY})`;
    }
    try {
      const out = execFileSync('bash', ['-c', `. "${SCRIPT}" && env -0`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      env = Object.fromEntries(
        out
          .split('\0')
          .filter((line) => line.startsWith('CENTRIFUGO_TS_'))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    } catch (err) {
      return `scripts/ensure-centrifugo.sh failed: ${(err as Error).message}`;
    }
  }
  const apiProto = env.CENTRIFUGO_TS_CENTRIFUGO_API_PROTO ?? '';
  const tool = {
    binary: env.CENTRIFUGO_TS_CENTRIFUGO ?? '',
    apiProto,
    clientProto: env.CENTRIFUGO_TS_CENTRIFUGO_CLIENT_PROTO ?? '',
    // The same module source as api.proto (internal/apiproto): its sibling package.
    uniStreamProto:
      apiProto === '' ? '' : join(dirname(apiProto), '../unigrpc/unistream/unistream.proto'),
  };
  for (const [name, path] of Object.entries(tool)) {
    if (path === '' || !existsSync(path)) {
      return `Centrifugo's ${name} not found (${path || 'unset'}): . scripts/ensure-centrifugo.sh`;
    }
  }
  return tool;
}
