// gentoken, gensubtoken, checktoken, checksubtoken: HS256 tokens from the config's
// secrets, with Centrifugo's wording so scripts that parse its output keep working.
import {
  InvalidTokenError,
  signHs256,
  subscriptionTokenSection,
  TokenExpiredError,
  TokenKeysUnavailableError,
  TokenVerifier,
  tokenKeysOf,
} from '../node/auth/index.ts';
import type { Config } from '../node/config/index.ts';
import { integerOption, type ParsedArgs, stringOption, UsageError } from './args.ts';
import type { CliIo } from './io.ts';

const DEFAULT_TTL_SECONDS = 604_800;

/** Seconds as Go prints a time.Duration ("168h0m0s"), the text Centrifugo's CLI shows. */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

type TokenSection = Config['client']['token'];

function hmacSecret(section: TokenSection, key: string): string {
  if (section.hmac_secret_key === '') {
    throw new UsageError(
      `no HMAC secret: set ${key}.hmac_secret_key in the config, or run \`centrifugo-ts genconfig\``,
    );
  }
  return section.hmac_secret_key;
}

export async function generateToken(
  args: ParsedArgs,
  config: Config,
  io: CliIo,
  kind: 'connection' | 'subscription',
): Promise<void> {
  const user = stringOption(args, 'user') ?? '';
  const ttl = integerOption(args, 'ttl', DEFAULT_TTL_SECONDS);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: user, iat: now };
  if (ttl >= 0) claims.exp = now + ttl;
  const section = kind === 'subscription' ? subscriptionTokenSection(config) : config.client.token;
  if (kind === 'subscription') {
    const channel = stringOption(args, 'channel');
    if (!channel) throw new UsageError('gensubtoken needs a channel: -s CHANNEL');
    claims.channel = channel;
  }
  const secret = hmacSecret(
    section,
    kind === 'subscription' && config.client.subscription_token.enabled
      ? 'client.subscription_token'
      : 'client.token',
  );
  // As Centrifugo's gentoken: the user also goes into the custom user ID claim.
  if (section.user_id_claim !== '') claims[section.user_id_claim] = user;
  const token = await signHs256(claims, secret);
  if (args.options.get('quiet') === true) {
    io.out(token);
    return;
  }
  const ttlText = ttl >= 0 ? `with expiration TTL ${goDuration(ttl)}` : 'without expiration';
  const what = kind === 'subscription' ? `channel "${claims.channel}" and user` : 'user';
  io.out(`HMACSHA256 token for ${what} "${user}" ${ttlText}:`);
  io.out(token);
}

/** Returns the exit code: 0 for a valid token, 1 otherwise (the reason goes to stderr). */
export async function checkToken(
  args: ParsedArgs,
  config: Config,
  io: CliIo,
  kind: 'connection' | 'subscription',
): Promise<number> {
  const token = args.positionals[0];
  if (!token)
    throw new UsageError(
      `usage: centrifugo-ts check${kind === 'subscription' ? 'sub' : ''}token TOKEN`,
    );
  const section = kind === 'subscription' ? subscriptionTokenSection(config) : config.client.token;
  const verifier = new TokenVerifier(tokenKeysOf(section));
  try {
    const claims =
      kind === 'subscription'
        ? await verifier.verifySubscribeToken(token)
        : await verifier.verifyConnectToken(token);
    const exp = claims.exp;
    const expiry =
      exp === undefined
        ? 'without expiration'
        : `with expiration TTL ${goDuration(Math.max(0, exp - Math.floor(Date.now() / 1000)))}`;
    const channel = 'channel' in claims ? ` and channel "${claims.channel}"` : '';
    io.out(`valid token for user "${claims.sub}"${channel} ${expiry}`);
    return 0;
  } catch (err) {
    if (err instanceof TokenKeysUnavailableError) {
      io.err(`error: cannot check the token: JWKS endpoint unavailable: ${err.message}`);
      return 1;
    }
    if (err instanceof TokenExpiredError || err instanceof InvalidTokenError) {
      const what = err instanceof TokenExpiredError ? 'token expired' : 'invalid token';
      io.err(`error: ${what}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
