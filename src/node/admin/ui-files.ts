// The admin web UI's files: the built-in UI (src/node/admin-ui/, plain HTML, CSS and ES
// modules, no build step) or the directory in admin.web_path. Read from disk per request:
// a handful of small files for an admin's browser, so a changed file needs no restart.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILT_IN_UI = fileURLToPath(new URL('../admin-ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Larger files are not served (a web_path pointed at the wrong directory). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface UiFile {
  body: Buffer;
  type: string;
  etag: string;
}

export class UiFiles {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * The file at a URL path below the UI's prefix ('' and directories: their index.html), or
   * undefined when there is none. Paths that climb out of the root (`..`), hold NUL or
   * backslashes, or name dot files are never looked up.
   */
  async find(urlPath: string): Promise<UiFile | undefined> {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (rel.includes('\0') || rel.includes('\\')) return undefined;
    const segments = rel.split('/').filter((s) => s !== '');
    if (segments.some((s) => s.startsWith('.'))) return undefined;
    let path = join(this.root, ...segments);
    if (path !== this.root && !path.startsWith(this.root + sep)) return undefined;
    try {
      let info = await stat(path);
      if (info.isDirectory()) {
        path = join(path, 'index.html');
        info = await stat(path);
      }
      if (!info.isFile() || info.size > MAX_FILE_BYTES) return undefined;
      const body = await readFile(path);
      const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
      return { body, type, etag: `"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"` };
    } catch {
      return undefined;
    }
  }
}
