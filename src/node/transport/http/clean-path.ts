// A request whose path is not canonical (`//`, `.` or `..` segments) gets, as from Go's
// ServeMux in front of every Centrifugo handler, a 307 to the cleaned path before any route
// sees it: `POST /api//publish` is redirected to `/api/publish`, never answered 404.

/** The path as Go's cleanPath makes it: path.Clean, with a trailing slash kept. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const rooted = p.startsWith('/') ? p : `/${p}`;
  const out: string[] = [];
  for (const segment of rooted.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const clean = `/${out.join('/')}`;
  return rooted.endsWith('/') && clean !== '/' ? `${clean}/` : clean;
}

export interface Redirect {
  location: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The 307 for a request target whose path is not canonical, or undefined when it is. As Go's
 * http.Redirect: GET and HEAD get a short HTML body naming the target, other methods none.
 */
export function canonicalRedirect(target: string, method: string): Redirect | undefined {
  if (!target.startsWith('/') || method === 'CONNECT') return undefined;
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  // Canonical without a split when no segment is empty or starts with '.' (every request
  // passes here: bench/results/2026-12-02-ab-api-one-pipeline.md).
  if (!path.includes('//') && !path.includes('/.')) return undefined;
  const clean = cleanPath(path);
  if (clean === path) return undefined;
  const location = q === -1 ? clean : `${clean}${target.slice(q)}`;
  if (method !== 'GET' && method !== 'HEAD') return { location, headers: {}, body: '' };
  return {
    location,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<a href="${escapeHtml(location)}">Temporary Redirect</a>.\n`,
  };
}

function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&#34;')
    .replaceAll("'", '&#39;');
}
