/**
 * Pushing a registry to a Prometheus Pushgateway: `push` (PUT, replaces the group), `pushAdd` (POST,
 * replaces the metrics of the same names) and `delete` (DELETE, removes the group).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { gzipSync } from 'node:zlib';
import { PROMETHEUS_CONTENT_TYPE, globalRegistry, type Registry, type RegistryContentType } from './registry.js';
import { badInput } from './validation.js';

export namespace Pushgateway {
  export interface Parameters {
    /** The `job` of the group. */
    jobName?: string;
    /** Further grouping labels, in the URL after the job. */
    groupings?: Record<string, string>;
  }
}

export interface PushgatewayOptions extends http.RequestOptions {
  /** Whether `jobName` is required (default true); false for gateways that take a plain `/metrics`. */
  requireJobName?: boolean;
}

/**
 * One path segment of the grouping key, as the Pushgateway reads it: plain (URL-escaped) when possible,
 * base64url with the `@base64` suffix when the value holds a `/` or is empty.
 */
function groupingSegment(name: string, value: string): string {
  if (value === '' || value.includes('/')) {
    const b64 = Buffer.from(value, 'utf8').toString('base64url');
    return `/${encodeURIComponent(name)}@base64/${b64 === '' ? '=' : b64}`;
  }
  return `/${encodeURIComponent(name)}/${encodeURIComponent(value)}`;
}

export class Pushgateway<T extends RegistryContentType = RegistryContentType> {
  readonly gatewayUrl: string;
  readonly registry: Registry<T>;
  readonly requireJobName: boolean;
  readonly requestOptions: http.RequestOptions;

  constructor(gatewayUrl: string, options?: PushgatewayOptions, registry?: Registry<T>) {
    this.gatewayUrl = gatewayUrl;
    this.registry = registry ?? (globalRegistry as unknown as Registry<T>);
    const { requireJobName = true, ...requestOptions } = options ?? {};
    this.requireJobName = requireJobName;
    this.requestOptions = requestOptions;
  }

  /** POST: adds the registry's metrics to the group, replacing those of the same names. */
  pushAdd(params: Pushgateway.Parameters = {}): Promise<{ resp?: unknown; body?: unknown }> {
    return this.send('POST', params);
  }

  /** PUT: replaces the whole group with the registry's metrics. */
  push(params: Pushgateway.Parameters = {}): Promise<{ resp?: unknown; body?: unknown }> {
    return this.send('PUT', params);
  }

  /** DELETE: removes the group. */
  delete(params: Pushgateway.Parameters = {}): Promise<{ resp?: unknown; body?: unknown }> {
    return this.send('DELETE', params);
  }

  private send(method: 'POST' | 'PUT' | 'DELETE', params: Pushgateway.Parameters): Promise<{ resp?: unknown; body?: unknown }> {
    if (this.requireJobName && !params.jobName) throw badInput('pushgateway: missing jobName parameter');
    const base = new URL(this.gatewayUrl);
    const prefix = base.pathname && base.pathname !== '/' ? base.pathname.replace(/\/+$/, '') : '';
    let path = `${prefix}/metrics`;
    if (params.jobName) {
      path += groupingSegment('job', params.jobName);
      for (const [k, v] of Object.entries(params.groupings ?? {})) path += groupingSegment(k, String(v));
    }
    const target = new URL(path, base);
    const client = target.protocol === 'https:' ? https : http;
    const headers: http.OutgoingHttpHeaders = { ...(this.requestOptions.headers as http.OutgoingHttpHeaders | undefined) };
    const gzip = String(headers['Content-Encoding'] ?? headers['content-encoding'] ?? '') === 'gzip';
    if (method === 'DELETE') {
      delete headers['Content-Encoding'];
      delete headers['content-encoding'];
    } else if (headers['Content-Type'] === undefined && headers['content-type'] === undefined) {
      headers['Content-Type'] = PROMETHEUS_CONTENT_TYPE;
    }
    const options: http.RequestOptions = {
      ...this.requestOptions,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method,
      headers,
    };
    if (target.username || target.password) options.auth = `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`;
    return new Promise((resolve, reject) => {
      const req = client.request(options, (resp) => {
        let body = '';
        resp.setEncoding('utf8');
        resp.on('data', (chunk: string) => {
          body += chunk;
        });
        resp.on('end', () => {
          if ((resp.statusCode ?? 0) >= 400) reject(new Error(`push failed with status ${resp.statusCode}, ${body}`));
          else resolve({ resp, body });
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('Pushgateway request timed out')));
      if (method === 'DELETE') {
        req.end();
        return;
      }
      // The Pushgateway reads the text format (not OpenMetrics), whatever the registry's content type.
      this.registry.metricsAs('text').then(
        (text) => req.end(gzip ? gzipSync(text) : text),
        (e: unknown) => {
          req.destroy();
          reject(e);
        },
      );
    });
  }
}
