// Channel patterns of the `channels` API in gobwas/glob syntax (Centrifugo's library):
// `*` any run of characters, `?` one character, `[abc]` `[a-z]` `[!abc]` classes,
// `{a,b}` alternatives, `\` escapes. Compiled to one anchored RegExp. Malformed patterns
// read as gobwas/glob reads them (checked against Centrifugo v6.9.1's `channels`): an
// unclosed `{` closes at the end, a `}` outside alternatives and a trailing `\` are plain,
// an unclosed or empty `[` is an error.

export class GlobError extends Error {
  override name = 'GlobError';
}

const SPECIAL = /[.*+?^${}()|[\]\\/]/g;

export function compileGlob(pattern: string): RegExp {
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    switch (c) {
      case '\\': {
        // A trailing escape escapes nothing and is dropped, as gobwas/glob's lexer does.
        const next = pattern[++i];
        if (next !== undefined) out += next.replace(SPECIAL, '\\$&');
        break;
      }
      case '*':
        out += '[\\s\\S]*';
        break;
      case '?':
        out += '[\\s\\S]';
        break;
      case '[': {
        const end = pattern.indexOf(']', i + 1);
        if (end < 0) throw new GlobError('unclosed [ in pattern');
        let body = pattern.slice(i + 1, end);
        if (body === '' || body === '!') throw new GlobError('empty [] in pattern');
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
        break;
      }
      case '{':
        braceDepth++;
        out += '(?:';
        break;
      case '}':
        // Outside alternatives a } is a plain character (gobwas/glob).
        if (braceDepth === 0) {
          out += '\\}';
          break;
        }
        braceDepth--;
        out += ')';
        break;
      case ',':
        out += braceDepth > 0 ? '|' : ',';
        break;
      default:
        out += c.replace(SPECIAL, '\\$&');
    }
  }
  // Alternatives still open at the end close there (gobwas/glob: `chat:a{b` is `chat:ab`).
  out += ')'.repeat(braceDepth);
  return new RegExp(`^${out}$`);
}
