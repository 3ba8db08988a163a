/**
 * Generated data for the API comparison tests and the query benchmark: an OpenMetrics file (every sample
 * timestamped) that both `promtool tsdb create-blocks-from openmetrics` and `vigil tsdb import
 * openmetrics` turn into blocks, so both servers answer over the same samples.
 *
 * Families: `http_requests_total` (counters by job, instance, handler, code), `http_request_duration_seconds`
 * (classic histograms by job, instance, method), `app_memory_bytes` (gauges with decimals),
 * `app_build_info` (one series per instance with a `version`, for joins); with `edgeCases`, also values
 * and label values that test number formatting and JSON escaping.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { xorshift32 } from '@vigil/testkit';

export interface DatasetOptions {
  readonly jobs: number;
  readonly instancesPerJob: number;
  readonly handlers: number;
  readonly codes: readonly string[];
  /** Histograms per instance (one per method). */
  readonly methods: number;
  /** First sample time, seconds. */
  readonly start: number;
  /** Samples per series. */
  readonly samples: number;
  /** Seconds between samples. */
  readonly step: number;
  readonly seed?: number;
  readonly edgeCases?: boolean;
}

export const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '5.0', '10.0', '+Inf'];

/** The dataset of the query benchmark: 10,000 request counters, 1,000 histograms (14,000 series), gauges. */
export const BENCH_DATASET: DatasetOptions = {
  jobs: 10,
  instancesPerJob: 25,
  handlers: 8,
  codes: ['200', '201', '404', '500', '503'],
  methods: 4,
  start: 1_700_006_400,
  samples: 300,
  step: 15,
};

/** A small dataset for the comparison tests. */
export const SMALL_DATASET: DatasetOptions = {
  jobs: 2,
  instancesPerJob: 3,
  handlers: 2,
  codes: ['200', '500'],
  methods: 2,
  start: 1_700_006_400,
  samples: 160,
  step: 15,
  edgeCases: true,
};

function ts(o: DatasetOptions, k: number): string {
  return String(o.start + k * o.step);
}

/** Writes the dataset as OpenMetrics text to `path`; returns the number of series and samples. */
export function writeOpenMetrics(path: string, o: DatasetOptions): { series: number; samples: number } {
  const fd = openSync(path, 'w');
  let buf = '';
  let series = 0;
  const flush = (force = false) => {
    if (buf.length < 1 << 20 && !force) return;
    writeSync(fd, buf);
    buf = '';
  };
  const r = xorshift32(o.seed ?? 7);
  const instances: Array<{ job: string; instance: string }> = [];
  for (let j = 0; j < o.jobs; j++) {
    for (let i = 0; i < o.instancesPerJob; i++) instances.push({ job: `job-${j}`, instance: `host-${j}-${i}:8080` });
  }
  try {
    buf += '# TYPE http_requests counter\n# HELP http_requests Requests served.\n';
    for (const { job, instance } of instances) {
      for (let h = 0; h < o.handlers; h++) {
        for (const code of o.codes) {
          const lbl = `{job="${job}",instance="${instance}",handler="/api/h${h}",code="${code}"}`;
          let v = Math.floor(r() * 1000);
          const rate = (code === '200' ? 20 : 1) * (0.2 + r());
          const resetAt = series % 97 === 0 ? Math.floor(o.samples / 2) : -1;
          for (let k = 0; k < o.samples; k++) {
            if (k === resetAt) v = 0;
            v += Math.round(rate * o.step * (0.5 + r()) * 4) / 4;
            buf += `http_requests_total${lbl} ${v} ${ts(o, k)}\n`;
          }
          series++;
          flush();
        }
      }
    }
    buf += '# TYPE http_request_duration_seconds histogram\n# HELP http_request_duration_seconds Request latency.\n';
    for (const { job, instance } of instances) {
      for (let m = 0; m < o.methods; m++) {
        const base = `job="${job}",instance="${instance}",method="m${m}"`;
        const counts = new Float64Array(BUCKETS.length);
        let sum = 0;
        for (let k = 0; k < o.samples; k++) {
          const n = 1 + Math.floor(r() * 40);
          for (let x = 0; x < n; x++) {
            const lat = Math.exp(Math.log(0.002) + r() * Math.log(3000));
            sum += lat;
            for (let b = 0; b < BUCKETS.length; b++) if (b === BUCKETS.length - 1 || lat <= Number(BUCKETS[b])) counts[b]++;
          }
          const t = ts(o, k);
          for (let b = 0; b < BUCKETS.length; b++) buf += `http_request_duration_seconds_bucket{${base},le="${BUCKETS[b]}"} ${counts[b]} ${t}\n`;
          buf += `http_request_duration_seconds_count{${base}} ${counts[BUCKETS.length - 1]} ${t}\n`;
          buf += `http_request_duration_seconds_sum{${base}} ${sum.toFixed(6)} ${t}\n`;
          flush();
        }
        series += BUCKETS.length + 2;
      }
    }
    buf += '# TYPE app_memory_bytes gauge\n# HELP app_memory_bytes Memory in use.\n';
    for (const { job, instance } of instances) {
      let v = 1e8 + r() * 1e8;
      for (let k = 0; k < o.samples; k++) {
        v += (r() - 0.5) * 1e6;
        buf += `app_memory_bytes{job="${job}",instance="${instance}"} ${v.toFixed(3)} ${ts(o, k)}\n`;
      }
      series++;
      flush();
    }
    buf += '# TYPE app_build_info gauge\n# HELP app_build_info Build of the running application.\n';
    for (const { job, instance } of instances) {
      const version = `v1.${Math.floor(r() * 4)}.0`;
      for (let k = 0; k < o.samples; k++) buf += `app_build_info{job="${job}",instance="${instance}",version="${version}"} 1 ${ts(o, k)}\n`;
      series++;
      flush();
    }
    if (o.edgeCases) {
      buf += '# TYPE edge_values gauge\n# HELP edge_values Values that test number formatting.\n';
      const values: Array<[string, string]> = [
        ['nan', 'NaN'], ['inf', '+Inf'], ['neg_inf', '-Inf'], ['tiny', '1.5e-09'], ['huge', '1.25e+22'], ['negative', '-0.001'],
        ['big_int', '123456789012345'], ['third', '0.3333333333333333'], ['small', '0.000001'], ['e20', '1e+20'], ['e21', '1e+21'],
      ];
      for (const [kind, v] of values) {
        for (let k = 0; k < o.samples; k++) buf += `edge_values{kind="${kind}"} ${v} ${ts(o, k)}\n`;
        series++;
      }
      buf += '# TYPE edge_labels gauge\n# HELP edge_labels Label values that test escaping.\n';
      const labelValues = ['a<b>&c', 'quote\\"d', 'back\\\\slash', 'new\\nline', 'héllo ✓ 日本', 'tab\there'];
      labelValues.forEach((lv, i) => {
        for (let k = 0; k < o.samples; k++) buf += `edge_labels{value="${lv}"} ${i} ${ts(o, k)}\n`;
        series++;
      });
    }
    buf += '# EOF\n';
    flush(true);
  } finally {
    closeSync(fd);
  }
  return { series, samples: series * o.samples };
}
