/** Debian's `prometheus` as a peer: started on a free loopback port with a config written for the test. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireProgram, startProcess, waitForHttp, type RunningProcess } from './index.js';

/** One element of an instant query's `result`. */
export interface PrometheusVectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PrometheusOptions {
  /** The TSDB directory (default: `data` in the test's directory). */
  readonly dataDir?: string;
  /** More flags (`--enable-feature=...`). */
  readonly args?: readonly string[];
  /** How long to wait for `/-/ready` (default 30 s). */
  readonly readyTimeoutMs?: number;
}

export interface PrometheusPeer {
  readonly proc: RunningProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** An instant query through the HTTP API; the vector it returns. */
  query(expr: string): Promise<PrometheusVectorSample[]>;
  stop(): Promise<void>;
}

/**
 * Writes `config` to `dir/prometheus-<port>.yml`, starts Prometheus on that port and waits until it is
 * ready. The caller stops it.
 */
export async function startPrometheus(dir: string, config: string, options: PrometheusOptions = {}): Promise<PrometheusPeer> {
  const bin = requireProgram('prometheus');
  const port = await freePort();
  const configFile = join(dir, `prometheus-${port}.yml`);
  writeFileSync(configFile, config);
  const proc = startProcess(bin, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${options.dataDir ?? join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    ...(options.args ?? []),
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, options.readyTimeoutMs ?? 30000, proc);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return {
    proc,
    url,
    stop: () => proc.stop(),
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await r.json()) as { data: { result: PrometheusVectorSample[] } };
      return body.data.result;
    },
  };
}
