// The `.env` file a node reads at startup, as Centrifugo v6 does: when the working directory
// holds a `.env`, its variables join the environment before the config is read, never
// replacing a variable the environment already has (even an empty one). The syntax is
// godotenv 1.5's, the library Centrifugo uses:
// - `KEY=value`, `KEY: value`, `export KEY=value`; a key of letters, digits, `_` and `.`;
// - `#` starts a comment line, and ends an unquoted value when a space precedes it;
// - unquoted values are trimmed; `'single'` quotes keep their text as is; `"double"` quotes
//   turn `\n` and `\r` into line breaks and drop the backslash before any other character
//   but `$`;
// - in unquoted and double-quoted values `$VAR` and `${VAR}` take the value of a variable
//   defined earlier in the same file (not the environment's; unknown ones are empty), and
//   `\$` keeps a literal `$`.
// Config values themselves expand nothing: Centrifugo replaces ${CENTRIFUGO_VAR_*} only in
// string maps (proxy static headers and metadata, NATS broker channel replacements), keys
// this node refuses; env.ts leaves CENTRIFUGO_VAR_* variables unwarned, as it does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.ts';

export const DOTENV_FILE = '.env';

/** The variables of a `.env` text, in the order they are defined (later ones win). */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let rest = text.replaceAll('\r\n', '\n');
  for (;;) {
    const start = statementStart(rest);
    if (start === undefined) break;
    const { key, after } = keyName(start);
    const { value, left } = extractValue(after, out);
    out.set(key, value);
    rest = left;
  }
  return out;
}

/**
 * The environment a node runs with: `env`, plus the variables of `<dir>/.env` that `env`
 * lacks. `loaded` says whether a file was read.
 */
export function withDotEnv(
  env: Record<string, string | undefined>,
  dir: string,
): { env: Record<string, string | undefined>; loaded: boolean } {
  const path = join(dir, DOTENV_FILE);
  if (!existsSync(path)) return { env, loaded: false };
  let vars: Map<string, string>;
  try {
    vars = parseDotEnv(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`error loading .env file: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
  const merged = { ...env };
  for (const [key, value] of vars) {
    if (!(key in merged)) merged[key] = value;
  }
  return { env: merged, loaded: true };
}

// Go's unicode.IsSpace, and godotenv's isSpace (the same without line breaks).
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
const INLINE_SPACE = /[\t\v\f\r \u0085\u00a0]/;
const KEY_CHAR = /[\p{L}\p{N}._]/u;

/** The text from the next statement on, skipping blank space and comment lines. */
function statementStart(src: string): string | undefined {
  let text = src;
  for (;;) {
    let pos = 0;
    while (pos < text.length && GO_SPACE.test(text[pos] as string)) pos++;
    if (pos === text.length) return undefined;
    text = text.slice(pos);
    if (text[0] !== '#') return text;
    const eol = text.indexOf('\n');
    if (eol === -1) return undefined;
    text = text.slice(eol);
  }
}

function keyName(src: string): { key: string; after: string } {
  let text = trimStartInline(src);
  if (text.startsWith('export') && INLINE_SPACE.test(text[6] ?? '')) {
    text = trimStartInline(text.slice(6));
  }
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (INLINE_SPACE.test(char)) continue;
    if (char === '=' || char === ':') {
      return { key: text.slice(0, i).trimEnd(), after: trimStartInline(text.slice(i + 1)) };
    }
    if (!KEY_CHAR.test(char)) {
      throw new Error(
        `unexpected character ${JSON.stringify(char)} in variable name near ${JSON.stringify(text.split('\n')[0])}`,
      );
    }
  }
  throw new Error(`no "=" after variable name near ${JSON.stringify(text.split('\n')[0])}`);
}

function extractValue(src: string, vars: Map<string, string>): { value: string; left: string } {
  const quote = src[0];
  if (quote !== '"' && quote !== "'") {
    let eol = src.search(/[\n\r]/);
    if (eol === -1) eol = src.length;
    const line = [...src.slice(0, eol)];
    let end = line.length;
    for (let i = end - 1; i > 0; i--) {
      if (line[i] === '#' && INLINE_SPACE.test(line[i - 1] as string)) {
        end = i;
        break;
      }
    }
    const trimmed = trimInline(line.slice(0, end).join(''));
    return { value: expandVariables(trimmed, vars), left: src.slice(eol) };
  }
  for (let i = 1; i < src.length; i++) {
    if (src[i] !== quote || src[i - 1] === '\\') continue;
    let value = trimChar(src.slice(0, i), quote);
    if (quote === '"') value = expandVariables(expandEscapes(value), vars);
    return { value, left: src.slice(i + 1) };
  }
  throw new Error(`unterminated quoted value ${src.split('\n')[0]}`);
}

function expandEscapes(text: string): string {
  const out = text.replace(/\\[\s\S]/g, (m) => (m === '\\n' ? '\n' : m === '\\r' ? '\r' : m));
  return out.replace(/\\([^$])/g, '$1');
}

const EXPAND = /(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g;

function expandVariables(text: string, vars: Map<string, string>): string {
  // godotenv means `$(` to stay literal too, but tests the wrong group, so `$(A)` reads A
  // and keeps the `)`: kept as it does, the same file gives the same environment.
  return text.replace(EXPAND, (match, escaped, _dollar, _paren, name) => {
    if (escaped === '\\') return match.slice(1);
    if (name !== undefined) return vars.get(name) ?? '';
    return match;
  });
}

function trimStartInline(text: string): string {
  let i = 0;
  while (i < text.length && INLINE_SPACE.test(text[i] as string)) i++;
  return text.slice(i);
}

function trimInline(text: string): string {
  let end = text.length;
  while (end > 0 && INLINE_SPACE.test(text[end - 1] as string)) end--;
  return trimStartInline(text.slice(0, end));
}

/** godotenv trims every quote character from both ends of the quoted text. */
function trimChar(text: string, char: string): string {
  let start = 0;
  let end = text.length;
  while (end > start && text[end - 1] === char) end--;
  while (start < end && text[start] === char) start++;
  return text.slice(start, end);
}
