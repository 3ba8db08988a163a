/**
 * Query results in the API's JSON: `{"resultType":...,"result":...}` with vectors as
 * `{"metric":{...},"value":[t,"v"]}` and matrices as `{"metric":{...},"values":[[t,"v"],...]}`,
 * written straight into a `JsonWriter` without building objects per sample. Native histograms come as
 * `"histogram":[t,{...}]` in vectors and `"histograms":[[t,{...}],...]` in matrices (after the float
 * `values`, each left out when empty), the histogram as `{"count":"c","sum":"s","buckets":[[rule,
 * "lower","upper","count"],...]}` with empty buckets left out (rule 0: open left, 1: open right, 2: open
 * both, 3: closed both), as Prometheus writes them.
 */
import type { Exemplar } from '@vigil/tsdb';
import type { FloatHistogram, Labels } from '@vigil/model';
import type { QueryValue } from '@vigil/promql';
import { allBuckets, formatApiFloat, formatFloatFixed, formatTimestampSeconds } from '@vigil/model';

/** A native histogram as Prometheus's API writes it (`jsonutil.MarshalHistogram`). */
export function histogramJSON(h: FloatHistogram): string {
  let s = '{"count":"' + formatApiFloat(h.count) + '","sum":"' + formatApiFloat(h.sum) + '"';
  let found = false;
  for (const b of allBuckets(h)) {
    if (b.count === 0) continue;
    const rule = b.lowerInclusive ? (b.upperInclusive ? 3 : 1) : b.upperInclusive ? 0 : 2;
    s += (found ? ',[' : ',"buckets":[[') + rule + ',"' + formatApiFloat(b.lower) + '","' + formatApiFloat(b.upper) + '","' + formatApiFloat(b.count) + '"]';
    found = true;
  }
  return s + (found ? ']}' : '}');
}
import { JsonWriter, goNumber, goString, labelsJSON } from './json.js';

/** Query statistics as `stats=true` shows them (times in seconds). */
export interface QueryStatsJSON {
  readonly evalTotalTime: number;
  readonly resultSortTime: number;
  readonly queryPreparationTime: number;
  readonly innerEvalTime: number;
  readonly execQueueTime: number;
  readonly execTotalTime: number;
  readonly peakSamples: number;
}

/** Truncates a vector or matrix to `limit` entries (0: no limit); returns whether it did. */
export function truncateValue(value: QueryValue, limit: number): { value: QueryValue; truncated: boolean } {
  if (limit <= 0) return { value, truncated: false };
  if (value.resultType === 'vector' && value.samples.length > limit) {
    return { value: { resultType: 'vector', samples: value.samples.slice(0, limit) }, truncated: true };
  }
  if (value.resultType === 'matrix' && value.series.length > limit) {
    return { value: { resultType: 'matrix', series: value.series.slice(0, limit) }, truncated: true };
  }
  return { value, truncated: false };
}

/** Writes `{"resultType":...,"result":...[,"stats":...]}`. */
export function writeQueryData(w: JsonWriter, value: QueryValue, stats?: QueryStatsJSON): void {
  w.write('{"resultType":"' + value.resultType + '","result":');
  switch (value.resultType) {
    case 'scalar':
      // promql.Scalar marshals with 'f' formatting and the time as a float64.
      w.write('[' + goNumber(value.t / 1000) + ',"' + formatFloatFixed(value.v) + '"]');
      break;
    case 'string':
      w.write('[' + goNumber(value.t / 1000) + ',' + goString(value.v) + ']');
      break;
    case 'vector': {
      w.write('[');
      const samples = value.samples;
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i];
        w.write((i === 0 ? '{"metric":' : ',{"metric":') + labelsJSON(s.labels));
        if (s.h !== undefined) w.writeAscii(',"histogram":[' + formatTimestampSeconds(s.t) + ',' + histogramJSON(s.h) + ']}');
        else w.writeAscii(',"value":[' + formatTimestampSeconds(s.t) + ',"' + formatApiFloat(s.v) + '"]}');
      }
      w.write(']');
      break;
    }
    case 'matrix': {
      w.write('[');
      let lastTs: Float64Array | undefined;
      let tsText: string[] = [];
      const series = value.series;
      for (let i = 0; i < series.length; i++) {
        const s = series[i];
        const ts = s.timestamps;
        const vs = s.values;
        // Dense series share the grid's timestamps: format them once.
        if (ts !== lastTs) {
          lastTs = ts;
          tsText = new Array<string>(ts.length);
          for (let k = 0; k < ts.length; k++) tsText[k] = formatTimestampSeconds(ts[k]);
        }
        w.write((i === 0 ? '{"metric":' : ',{"metric":') + labelsJSON(s.labels));
        let out = '';
        if (ts.length > 0) {
          out += ',"values":[';
          for (let k = 0; k < ts.length; k++) {
            out += (k === 0 ? '[' : ',[') + tsText[k] + ',"' + formatApiFloat(vs[k]) + '"]';
            if (out.length > 16384) {
              w.writeAscii(out);
              out = '';
            }
          }
          out += ']';
        }
        const hp = s.histograms;
        if (hp !== undefined && hp.timestamps.length > 0) {
          out += ',"histograms":[';
          for (let k = 0; k < hp.timestamps.length; k++) {
            out += (k === 0 ? '[' : ',[') + formatTimestampSeconds(hp.timestamps[k]) + ',' + histogramJSON(hp.values[k]) + ']';
            if (out.length > 16384) {
              w.writeAscii(out);
              out = '';
            }
          }
          out += ']';
        }
        w.writeAscii(out + '}');
      }
      w.write(']');
      break;
    }
  }
  if (stats) {
    w.write(
      ',"stats":{"timings":{"evalTotalTime":' + goNumber(stats.evalTotalTime) +
        ',"resultSortTime":' + goNumber(stats.resultSortTime) +
        ',"queryPreparationTime":' + goNumber(stats.queryPreparationTime) +
        ',"innerEvalTime":' + goNumber(stats.innerEvalTime) +
        ',"execQueueTime":' + goNumber(stats.execQueueTime) +
        ',"execTotalTime":' + goNumber(stats.execTotalTime) +
        '},"samples":{"peakSamples":' + stats.peakSamples + '}}',
    );
  }
  w.write('}');
}

/** `[{"seriesLabels":{...},"exemplars":[{"labels":{...},"value":"v","timestamp":t}]}]` */
export function exemplarsJSON(result: ReadonlyArray<{ seriesLabels: Labels; exemplars: readonly Exemplar[] }>): string {
  let s = '[';
  result.forEach((r, i) => {
    if (i > 0) s += ',';
    s += '{"seriesLabels":' + labelsJSON(r.seriesLabels) + ',"exemplars":[';
    r.exemplars.forEach((e, k) => {
      if (k > 0) s += ',';
      s += '{"labels":' + labelsJSON(e.labels) + ',"value":"' + formatApiFloat(e.value) + '","timestamp":' + formatTimestampSeconds(Number.isNaN(e.t) ? 0 : e.t) + '}';
    });
    s += ']}';
  });
  return s + ']';
}
