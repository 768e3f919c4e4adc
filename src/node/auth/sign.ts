// HS256 token minting for the CLI's gentoken/gensubtoken: the same tokens a backend would
// sign with `client.token.hmac_secret_key`.
import { loadJose } from './jose.ts';

/** Signs `claims` as-is (no iat/exp added: the caller decides them) with HS256. */
export async function signHs256(claims: Record<string, unknown>, secret: string): Promise<string> {
  const { SignJWT } = await loadJose();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}
