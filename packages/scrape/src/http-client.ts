/**
 * The HTTP client behind scrapes and http_sd: keep-alive connections, TLS from `tls_config`, basic auth,
 * `authorization` (credentials files re-read on every request, as Prometheus does), `http_headers`, and
 * redirects followed up to 10 times when `follow_redirects` is set.
 *
 * Not supported: proxies (the proxy fields are accepted in the config, connections are always direct),
 * OAuth 2.0 (requests fail with a clear error), HTTP/2 (`enable_http2` is accepted; HTTP/1.1 is used).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';
import { errorMessage } from '@vigil/model';
import type { HTTPClientConfig } from './config-types.js';

export const USER_AGENT = 'Vigil/0.1.0';

/** An error whose message is already in Prometheus's words (`Get "url": ...`). */
export class ScrapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeError';
  }
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new ScrapeError(`unable to read ${what} file ${path}: ${errorMessage(e)}`);
  }
}

export class HTTPClient {
  private readonly cfg: HTTPClientConfig;
  private readonly httpAgent: http.Agent;
  private httpsAgent: https.Agent | undefined;
  private tlsError: string | undefined;

  constructor(cfg: HTTPClientConfig, maxSockets = 64) {
    this.cfg = cfg;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
    try {
      const t = cfg.tlsConfig;
      const file = (p: string, what: string) => {
        try {
          return readFileSync(p);
        } catch (e) {
          throw new Error(`unable to load specified ${what} ${JSON.stringify(p)}: ${errorMessage(e)}`);
        }
      };
      this.httpsAgent = new https.Agent({
        keepAlive: true,
        maxSockets,
        ca: t.caFile ? file(t.caFile, 'CA cert') : t.ca || undefined,
        cert: t.certFile ? file(t.certFile, 'client cert') : t.cert || undefined,
        key: t.keyFile ? file(t.keyFile, 'client key') : t.key || undefined,
        servername: t.serverName || undefined,
        rejectUnauthorized: !t.insecureSkipVerify,
        minVersion: t.minVersion ? TLS_VERSIONS[t.minVersion] : undefined,
        maxVersion: t.maxVersion ? TLS_VERSIONS[t.maxVersion] : undefined,
      });
    } catch (e) {
      this.tlsError = errorMessage(e);
    }
  }

  /** Headers every request carries: auth and `http_headers`. Files are read now, so edits take effect at once. */
  private authHeaders(): Record<string, string> {
    const h: Record<string, string> = {};
    const c = this.cfg;
    if (c.oauth2) throw new ScrapeError('oauth2 authentication is not supported by Vigil');
    if (c.basicAuth) {
      const b = c.basicAuth;
      const user = b.usernameFile ? readSecretFile(b.usernameFile, 'basic auth username') : b.username;
      const pass = b.passwordFile ? readSecretFile(b.passwordFile, 'basic auth password') : b.password;
      h.authorization = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
    } else if (c.authorization) {
      const a = c.authorization;
      const cred = a.credentialsFile ? readSecretFile(a.credentialsFile, 'authorization credentials') : a.credentials;
      h.authorization = `${a.type} ${cred}`;
    }
    if (c.httpHeaders) {
      for (const [name, spec] of Object.entries(c.httpHeaders)) {
        const values = [...spec.values, ...spec.secrets, ...spec.files.map((f) => readSecretFile(f, `header ${name}`))];
        if (values.length > 0) h[name.toLowerCase()] = values.join(', ');
      }
    }
    return h;
  }

  /**
   * GETs `url`; resolves with the response (status not checked) once headers arrive. Errors are
   * `ScrapeError`s worded as Prometheus words them. The caller must consume or destroy the response.
   */
  async get(url: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<IncomingMessage> {
    let current = url;
    const base = { ...headers, ...this.authHeaders(), 'user-agent': headers['user-agent'] ?? USER_AGENT };
    for (let redirects = 0; ; redirects++) {
      const res = await this.once(current, base, signal, url);
      const loc = res.headers.location;
      if (!this.cfg.followRedirects || loc === undefined || ![301, 302, 303, 307, 308].includes(res.statusCode ?? 0)) return res;
      res.resume();
      if (redirects >= 9) throw new ScrapeError(`Get ${JSON.stringify(url)}: stopped after 10 redirects`);
      const next = new URL(loc, current);
      if (next.host !== new URL(current).host) delete (base as Record<string, string>).authorization;
      current = next.toString();
    }
  }

  private once(url: string, headers: Record<string, string>, signal: AbortSignal, original: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        reject(new ScrapeError(`Get ${JSON.stringify(url)}: invalid URL`));
        return;
      }
      const isHttps = u.protocol === 'https:';
      if (!isHttps && u.protocol !== 'http:') {
        reject(new ScrapeError(`Get ${JSON.stringify(url)}: unsupported protocol scheme ${JSON.stringify(u.protocol.slice(0, -1))}`));
        return;
      }
      if (isHttps && this.tlsError) {
        reject(new ScrapeError(`Get ${JSON.stringify(url)}: ${this.tlsError}`));
        return;
      }
      if (signal.aborted) {
        reject(new ScrapeError(`Get ${JSON.stringify(original)}: context deadline exceeded`));
        return;
      }
      const req = (isHttps ? https : http).request(u, { method: 'GET', headers, agent: isHttps ? this.httpsAgent : this.httpAgent, signal });
      req.on('response', resolve);
      req.on('error', (e: NodeJS.ErrnoException) => reject(new ScrapeError(`Get ${JSON.stringify(original)}: ${describeError(e, u, signal)}`)));
      req.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
  }
}

/** Node's network errors in the words Go uses, so `lastError` reads as it does in Prometheus. */
export function describeError(e: NodeJS.ErrnoException, u: URL, signal?: AbortSignal): string {
  if (signal?.aborted || e.name === 'AbortError' || e.code === 'ABORT_ERR') return 'context deadline exceeded';
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const addr = `${u.hostname}:${port}`;
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND': return `dial tcp: lookup ${u.hostname}: no such host`;
    case 'EHOSTUNREACH': return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH': return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ECONNRESET': return 'read: connection reset by peer';
    case 'EPIPE': return 'write: broken pipe';
    case 'ETIMEDOUT': return `dial tcp ${addr}: i/o timeout`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return `tls: failed to verify certificate: x509: ${e.message}`;
    default: return e.message;
  }
}
