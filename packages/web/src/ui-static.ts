/**
 * Serves the web UI's built files (`packages/ui/dist`: `index.html` and hashed `assets/*`). The app's
 * pages (`/`, `/query`, `/graph`, `/targets`, ...) all answer with index.html, which is never cached
 * without revalidation; hashed assets are cached for a year. Only index.html and files under assets/
 * are served, so nothing else in the folder (e.g. compiled tests) is reachable. Paths arrive without
 * the `--web.route-prefix` (the router strips it); the page links to its assets relatively, so the same
 * files work under any prefix or external URL path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chooseEncoding } from './http.js';

/** The app's pages; each answers with index.html. */
export const UI_ROUTES: readonly string[] = [
  '/',
  '/query',
  '/graph',
  '/targets',
  '/service-discovery',
  '/config',
  '/flags',
  '/status',
  '/tsdb-status',
  '/explorer',
];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

interface LoadedFile {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly etag: string;
  readonly contentType: string;
  readonly mtimeMs: number;
}

export interface UiHandlerOptions {
  /** The folder with index.html and assets/ (default: packages/ui/dist beside this package). */
  readonly dir?: string;
}

/** The default location of the built UI in this repository. */
export function defaultUiDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui', 'dist');
}

export type UiHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/**
 * A handler for WebServer's `ui` option: answers GET/HEAD for the app's pages and assets and returns
 * true, or returns false (the router answers 404 or its own page). When the UI is not built, pages
 * answer 503 with how to build it.
 */
export function createUiHandler(options: UiHandlerOptions = {}): UiHandler {
  const dir = resolve(options.dir ?? defaultUiDir());
  const assetsDir = join(dir, 'assets') + sep;
  const cache = new Map<string, LoadedFile>();

  const load = (file: string, revalidate: boolean): LoadedFile | undefined => {
    const hit = cache.get(file);
    if (hit && !revalidate) return hit;
    let mtimeMs: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return undefined;
      mtimeMs = st.mtimeMs;
    } catch {
      cache.delete(file);
      return undefined;
    }
    if (hit && hit.mtimeMs === mtimeMs) return hit;
    const body = readFileSync(file);
    const ext = file.slice(file.lastIndexOf('.'));
    const contentType = CONTENT_TYPES[ext] ?? 'application/octet-stream';
    const compressible = /^(text\/|application\/json|image\/svg)/.test(contentType) && body.length >= 1024;
    const loaded: LoadedFile = {
      body,
      gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      contentType,
      mtimeMs,
    };
    cache.set(file, loaded);
    return loaded;
  };

  const send = (req: IncomingMessage, res: ServerResponse, f: LoadedFile, cacheControl: string): void => {
    const headers: Record<string, string | number> = {
      'Content-Type': f.contentType,
      'Cache-Control': cacheControl,
      ETag: f.etag,
      'X-Content-Type-Options': 'nosniff',
    };
    if (f.gzip) headers['Vary'] = 'Accept-Encoding';
    const inm = req.headers['if-none-match'];
    if (inm !== undefined && inm.split(',').some((t) => t.trim() === f.etag || t.trim() === `W/${f.etag}`)) {
      res.writeHead(304, headers).end();
      return;
    }
    let body = f.body;
    if (f.gzip && chooseEncoding(req.headers['accept-encoding']) === 'gzip') {
      body = f.gzip;
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return (req, res, path) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return false;
    }
    if (decoded.startsWith('/assets/')) {
      const file = resolve(dir, '.' + decoded);
      // Only files inside assets/: no `..`, no other folder of dist/.
      if (!file.startsWith(assetsDir)) return false;
      const f = load(file, false);
      if (!f) return false;
      send(req, res, f, IMMUTABLE_CACHE);
      return true;
    }
    const page = decoded.length > 1 && decoded.endsWith('/') ? decoded.slice(0, -1) : decoded;
    if (!UI_ROUTES.includes(page) && page !== '') return false;
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    // Relative asset URLs need `/prefix/` (not `/prefix`) and `/targets` (not `/targets/`).
    if (page !== '/' && page !== '' && decoded.endsWith('/')) {
      res.writeHead(301, { Location: `..${page}${query}` }).end();
      return true;
    }
    if ((page === '/' || page === '') && !rawPath.endsWith('/')) {
      const last = rawPath.slice(rawPath.lastIndexOf('/') + 1);
      res.writeHead(302, { Location: `./${last}/${query}` }).end();
      return true;
    }
    const index = join(dir, 'index.html');
    const f = load(index, true);
    if (!f) {
      // Not built: `/` falls back to the router's own page, the app's pages say how to build it.
      if (page === '/' || page === '') return false;
      if (!existsSync(dir) || !existsSync(index)) {
        const text = `The web UI is not built (no ${index}). Build it with: npm run build:assets -w @vigil/ui\n`;
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return true;
      }
      return false;
    }
    send(req, res, f, 'no-cache');
    return true;
  };
}
