// The admin token a login hands out, in the format Centrifugo v6 uses (its admin handlers sign
// it with gorilla/securecookie, hash key = admin.secret, no encryption), so a token from either
// server works on the other when they share the secret:
//
//   base64url( "<unix seconds>|" + base64url(gob("authorized")) + "|" + HMAC-SHA256 )
//
// where the MAC covers "token|<unix seconds>|<base64url value>" and both base64url layers keep
// their `=` padding (Go's base64.URLEncoding). A token is valid for 30 days after issue
// (securecookie's default max age) and is at most 4096 characters long.
import { createHmac, timingSafeEqual } from 'node:crypto';

const NAME = 'token';
// encoding/gob of the Go string "authorized": message length 13, type id 6 (string, as
// gob writes it: 12), a zero field delta, the length 10, the bytes.
const VALUE = Buffer.concat([Buffer.from([0x0d, 0x0c, 0x00, 0x0a]), Buffer.from('authorized')]);
const MAX_AGE_S = 30 * 86_400;
const MAX_LENGTH = 4096;

export class AdminTokens {
  private readonly key: Buffer;
  private readonly nowMs: () => number;
  private readonly encodedValue = urlBase64(VALUE);

  /** An empty secret issues nothing and accepts nothing. */
  constructor(secret: string, nowMs: () => number = Date.now) {
    this.key = Buffer.from(secret, 'utf8');
    this.nowMs = nowMs;
  }

  issue(): string {
    if (this.key.length === 0) throw new Error('admin.secret is empty');
    const stamp = Math.floor(this.nowMs() / 1000);
    const signed = `${stamp}|${this.encodedValue}`;
    const mac = this.mac(signed);
    return urlBase64(Buffer.concat([Buffer.from(`${signed}|`), mac]));
  }

  /** Whether the token is one this secret signed, not older than 30 days. Constant-time MAC check. */
  valid(token: string): boolean {
    if (this.key.length === 0 || token.length > MAX_LENGTH) return false;
    const raw = fromUrlBase64(token);
    if (raw === undefined) return false;
    const first = raw.indexOf(0x7c);
    const second = first < 0 ? -1 : raw.indexOf(0x7c, first + 1);
    if (second < 0) return false;
    const signed = raw.subarray(0, second).toString('latin1');
    const mac = raw.subarray(second + 1);
    const want = this.mac(signed);
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return false;
    const stamp = signed.slice(0, first);
    if (!/^[+-]?\d{1,19}$/.test(stamp)) return false;
    if (Number(stamp) < Math.floor(this.nowMs() / 1000) - MAX_AGE_S) return false;
    const value = fromUrlBase64(signed.slice(first + 1));
    return value?.equals(VALUE) === true;
  }

  private mac(signed: string): Buffer {
    return createHmac('sha256', this.key).update(`${NAME}|${signed}`, 'latin1').digest();
  }
}

function urlBase64(bytes: Buffer): string {
  return bytes.toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

/** Strict: padded, URL alphabet, canonical (what urlBase64 would write back). */
function fromUrlBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  return urlBase64(bytes) === text ? bytes : undefined;
}
