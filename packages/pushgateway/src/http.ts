/** HTTP plumbing of the gateway: bodies with a limit, request sizes as promhttp counts them, content types, streaming. */
import type { IncomingMessage } from 'node:http';
import { parseAccept } from '@vigil/exposition';

export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        reject(new BodyError(413, `request body larger than the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      done = true;
    });
    req.on('error', (e) => {
      if (!done) reject(new BodyError(400, e.message));
      done = true;
    });
    req.on('aborted', () => {
      if (!done) reject(new BodyError(400, 'request aborted'));
      done = true;
    });
  });
}

/** The request size promhttp's `InstrumentHandlerRequestSize` reports: URL, method, protocol, headers, host, body. */
export function approximateRequestSize(req: IncomingMessage): number {
  let s = (req.url ?? '').length + (req.method ?? '').length + `HTTP/${req.httpVersion}`.length;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'host') continue;
    s += raw[i].length + raw[i + 1].length;
  }
  s += (req.headers.host ?? '').length;
  const cl = req.headers['content-length'];
  if (cl !== undefined && /^\d+$/.test(cl)) s += Number(cl);
  return s;
}

/** `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited`, as Go's mime parser reads it. */
export function isProtobufDelimited(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const parts = contentType.split(';');
  if (parts[0].trim().toLowerCase() !== 'application/vnd.google.protobuf') return false;
  const params = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0) {
      if (p.trim() === '') continue;
      return false;
    }
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    params.set(p.slice(0, eq).trim().toLowerCase(), v);
  }
  return params.get('encoding') === 'delimited' && params.get('proto') === 'io.prometheus.client.MetricFamily';
}

/** The exposition format a scrape asks for, as client_golang's `expfmt.Negotiate` (no OpenMetrics, as the Pushgateway). */
export function wantsProtobuf(accept: string | undefined): boolean {
  for (const ac of parseAccept(accept ?? '')) {
    if (ac.type === 'application' && ac.subType === 'vnd.google.protobuf' && ac.params.proto === 'io.prometheus.client.MetricFamily') {
      // Only the delimited encoding is served; the text encodings of protobuf get the text format.
      return ac.params.encoding === 'delimited';
    }
    if (ac.type === 'text' && ac.subType === 'plain' && ((ac.params.version ?? '') === '0.0.4' || (ac.params.version ?? '') === '')) return false;
  }
  return false;
}

/** Writes the chunks with back-pressure, then ends the stream; gives up when it closes early. */
export async function writeAll(out: NodeJS.WritableStream & { destroyed?: boolean }, chunks: readonly Uint8Array[]): Promise<void> {
  for (const c of chunks) {
    if (out.destroyed) return;
    if (!out.write(c)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          out.off('error', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
        out.on('error', done);
      });
    }
  }
  if (!out.destroyed) out.end();
}

export const CORS: Record<string, string> = {
  'Access-Control-Allow-Headers': 'Accept, Authorization, Content-Type, Origin',
  'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Date',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
};
