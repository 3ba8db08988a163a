/**
 * Writing HTTP responses: the API's JSON envelope (`status`, `data`, `errorType`, `error`, `warnings`,
 * `infos`) with Prometheus's status codes per error type, gzip/deflate when the client accepts it, and
 * the CORS headers Prometheus sets for `--web.cors.origin`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDeflate, createGzip, deflate, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { VigilError, errorMessage, type ErrorCode } from '@vigil/model';
import { goString } from './json.js';

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/** Prometheus 3.x's HTTP status code for each error type (`getDefaultErrorCode`). */
export function statusCodeOf(code: ErrorCode): number {
  switch (code) {
    case 'bad_data':
      return 400;
    case 'execution':
      return 422;
    case 'canceled':
      // nginx's "client closed request": the client is gone anyway.
      return 499;
    case 'timeout':
      return 503;
    case 'internal':
      return 500;
    case 'not_found':
      return 404;
    case 'not_acceptable':
      return 406;
    default:
      return 500;
  }
}

/** The `errorType` of a thrown value: its VigilError code, `internal` for anything else. */
export function errorTypeOf(e: unknown): ErrorCode {
  if (e instanceof VigilError) return e.code === 'corruption' ? 'internal' : e.code;
  return 'internal';
}

/** `{"status":"error","errorType":...,"error":...}` */
export function errorBody(type: ErrorCode, message: string): string {
  return `{"status":"error","errorType":${goString(type)},"error":${goString(message)}}`;
}

/** Response bodies smaller than this are sent as they are. */
const MIN_COMPRESS_BYTES = 1024;
/** Larger bodies are compressed while they are sent (no Content-Length). */
const STREAM_COMPRESS_BYTES = 256 * 1024;

/** The encoding to use for the client's `Accept-Encoding` (gzip preferred, then deflate), or ''. */
export function chooseEncoding(acceptEncoding: string | undefined): '' | 'gzip' | 'deflate' {
  if (!acceptEncoding) return '';
  let gzipOk = false;
  let deflateOk = false;
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    if (name === 'gzip' || name === 'x-gzip') gzipOk = true;
    else if (name === 'deflate') deflateOk = true;
  }
  return gzipOk ? 'gzip' : deflateOk ? 'deflate' : '';
}

/** Sends a body, compressed when the client accepts it and it is worth it. */
export async function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer | readonly Buffer[],
  extraHeaders?: Readonly<Record<string, string>>,
): Promise<void> {
  const chunks: readonly Buffer[] = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : Buffer.isBuffer(body) ? [body] : body;
  let total = 0;
  for (const c of chunks) total += c.length;
  const headers: Record<string, string | number> = { 'Content-Type': contentType, ...extraHeaders };
  const enc = total >= MIN_COMPRESS_BYTES && req.method !== 'HEAD' ? chooseEncoding(req.headers['accept-encoding']) : '';
  if (res.destroyed) return;
  if (enc === '') {
    headers['Content-Length'] = total;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // Chunk by chunk: a large result is never copied into one buffer.
    for (const c of chunks) res.write(c);
    res.end();
    return;
  }
  headers['Content-Encoding'] = enc;
  const vary = res.getHeader('Vary');
  headers['Vary'] = vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding';
  if (total <= STREAM_COMPRESS_BYTES) {
    const one = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks as Buffer[]);
    const out = enc === 'gzip' ? await gzipAsync(one) : await deflateAsync(one);
    headers['Content-Length'] = out.length;
    if (res.destroyed) return;
    res.writeHead(status, headers);
    res.end(out);
    return;
  }
  // Large bodies are compressed as they are sent, at a level that favours speed (as Go's streaming
  // compression handler, no Content-Length).
  const z = enc === 'gzip' ? createGzip({ level: 1 }) : createDeflate({ level: 1 });
  res.writeHead(status, headers);
  const done = new Promise<void>((resolve) => {
    res.once('close', () => {
      z.destroy();
      resolve();
    });
    res.once('finish', () => resolve());
  });
  z.pipe(res);
  for (const c of chunks) {
    if (res.destroyed) break;
    if (!z.write(c)) await new Promise<void>((resolve) => z.once('drain', resolve));
  }
  z.end();
  await done;
}

/** Plain text, as Go's `http.Error` writes it. */
export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'Content-Type': contentType, 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendJSONError(req: IncomingMessage, res: ServerResponse, e: unknown): Promise<void> {
  const type = errorTypeOf(e);
  return sendBody(req, res, statusCodeOf(type), 'application/json', errorBody(type, errorMessage(e)));
}

/** CORS headers for an allowed `Origin` (Prometheus's `httputil.SetCORS`). */
export function setCORS(req: IncomingMessage, res: ServerResponse, origin: RegExp): void {
  const o = req.headers.origin;
  if (o === undefined || o === '') return;
  res.setHeader('Access-Control-Allow-Headers', 'Accept, Authorization, Content-Type, Origin');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Expose-Headers', 'Date');
  res.setHeader('Vary', 'Origin');
  if (origin.source === '^(?:.*)$') res.setHeader('Access-Control-Allow-Origin', '*');
  else if (origin.test(o)) res.setHeader('Access-Control-Allow-Origin', o);
}

/** Compiles `--web.cors.origin` anchored, as Prometheus does (`^(?:re)$`). */
export function compileCORSOrigin(pattern: string): RegExp {
  try {
    return new RegExp('^(?:' + pattern + ')$');
  } catch (e) {
    throw new VigilError('bad_data', `invalid --web.cors.origin ${JSON.stringify(pattern)}: ${errorMessage(e)}`);
  }
}
