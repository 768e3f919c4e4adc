// Channel patterns of the `channels` API in gobwas/glob syntax (Centrifugo's library):
// `*` any run of characters, `?` one character, `[abc]` `[a-z]` `[!abc]` classes,
// `{a,b}` alternatives, `\` escapes. Compiled to one anchored RegExp.

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
        const next = pattern[++i];
        if (next === undefined) throw new GlobError('pattern ends with an escape');
        out += next.replace(SPECIAL, '\\$&');
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
        if (braceDepth === 0) throw new GlobError('unbalanced } in pattern');
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
  if (braceDepth !== 0) throw new GlobError('unclosed { in pattern');
  return new RegExp(`^${out}$`);
}
