/**
 * The JSON of the query API, byte for byte as the Pushgateway's Go code marshals it: map keys sorted,
 * struct fields in declaration order, values as `fmt.Sprint` prints them (`"1.5838723477166057e+09"`),
 * times as RFC 3339 with nanoseconds in the local zone, HTML-sensitive characters escaped.
 *
 * `GET /api/v1/metrics`: one object per group (`labels`, `last_push_successful`, then one entry per
 * family name, `push_time_seconds` and `push_failure_time_seconds` included). Groups are ordered by their
 * labels (the Pushgateway's order is random).
 */
import { formatFloat } from '@vigil/model';
import { KIND_NAMES, Kind, type FamilyBlock } from './family.js';
import { goJsonObject, goJsonString, rfc3339Nano } from './go-format.js';
import { PUSH_FAILURE_TIME, PUSH_FAILURE_TIME_HELP, PUSH_TIME, PUSH_TIME_HELP, type Group, type MetricStore } from './store.js';

/** `fmt.Sprint` of a uint64 count held in a float. */
function countString(v: number): string {
  // 2^64 is no uint64: it is what a count of -1 wrapped to (2^64 - 1) becomes in a float.
  if (v === 18446744073709551616) return '18446744073709551615';
  if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) return String(v);
  if (Number.isInteger(v)) return BigInt(v).toString();
  return formatFloat(v);
}

function labelsJson(flat: readonly string[], start: number, end: number): string {
  const entries: Array<[string, string]> = [];
  for (let k = start; k < end; k += 2) entries.push([flat[k], goJsonString(flat[k + 1])]);
  return goJsonObject(entries);
}

function familyJson(b: FamilyBlock): string {
  const metrics: string[] = [];
  for (let i = 0; i < b.size; i++) {
    const entries: Array<[string, string]> = [['labels', labelsJson(b.labels, b.labelStart(i), b.labelEnd[i])]];
    if (b.type === Kind.Summary || b.type === Kind.Histogram || b.type === Kind.GaugeHistogram) {
      const points: Array<[string, string]> = [];
      const pts = b.points!;
      for (let k = b.pointStart(i); k < b.pointEnd![i]; k += 2) {
        points.push([formatFloat(pts[k]), goJsonString(b.type === Kind.Summary ? formatFloat(pts[k + 1]) : countString(pts[k + 1]))]);
      }
      entries.push([b.type === Kind.Summary ? 'quantiles' : 'buckets', goJsonObject(points)]);
      entries.push(['count', goJsonString(countString(b.counts![i]))]);
      entries.push(['sum', goJsonString(formatFloat(b.values[i]))]);
    } else {
      entries.push(['value', goJsonString(formatFloat(b.values[i]))]);
    }
    metrics.push(goJsonObject(entries));
  }
  let s = '{"time_stamp":' + goJsonString(rfc3339Nano(b.pushedMs)) + ',"type":' + goJsonString(KIND_NAMES[b.type]);
  if (b.help !== undefined && b.help !== '') s += ',"help":' + goJsonString(b.help);
  return s + ',"metrics":[' + metrics.join(',') + ']}';
}

function pushTimeJson(stampMs: number, help: string, identity: readonly string[], value: number): string {
  const metric = goJsonObject([['labels', labelsJson(identity, 0, identity.length)], ['value', goJsonString(formatFloat(value))]]);
  return '{"time_stamp":' + goJsonString(rfc3339Nano(stampMs)) + ',"type":"GAUGE","help":' + goJsonString(help) + ',"metrics":[' + metric + ']}';
}

export function groupJson(g: Group): string {
  const entries: Array<[string, string]> = [
    ['labels', labelsJson(g.labels, 0, g.labels.length)],
    ['last_push_successful', String(g.lastPushSuccessful)],
    [PUSH_TIME, pushTimeJson(g.pushStampMs, PUSH_TIME_HELP, g.identity, g.pushTime)],
    [PUSH_FAILURE_TIME, pushTimeJson(g.failureStampMs, PUSH_FAILURE_TIME_HELP, g.identity, g.failureTime)],
  ];
  for (const b of g.families.values()) entries.push([b.name, familyJson(b)]);
  return goJsonObject(entries);
}

/** The body of `GET /api/v1/metrics`. */
export function metricsApiJson(store: MetricStore): string {
  const groups = store.sortedGroups().map(groupJson);
  return '{"status":"success","data":[' + groups.join(',') + ']}';
}

/** The body of `GET /api/v1/status`. */
export function statusApiJson(buildInfo: Readonly<Record<string, string>>, flags: Readonly<Record<string, string>>, startMs: number): string {
  const map = (r: Readonly<Record<string, string>>) => goJsonObject(Object.entries(r).map(([k, v]) => [k, goJsonString(v)]));
  return '{"status":"success","data":' + goJsonObject([
    ['build_information', map(buildInfo)],
    ['flags', map(flags)],
    ['start_time', goJsonString(rfc3339Nano(startMs))],
  ]) + '}';
}

/** A group as the groups API (a Vigil addition) shows it: labels, push times, series count. */
export function groupSummaryJson(g: Group): string {
  return goJsonObject([
    ['labels', labelsJson(g.labels, 0, g.labels.length)],
    ['push_time_seconds', formatFloat(g.pushTime)],
    ['push_failure_time_seconds', formatFloat(g.failureTime)],
    ['last_push_successful', String(g.lastPushSuccessful)],
    ['series', String(g.seriesCount)],
  ]);
}

/** An API error in the Prometheus API's shape. */
export function errorJson(errorType: string, error: string): string {
  return '{"status":"error","errorType":' + goJsonString(errorType) + ',"error":' + goJsonString(error) + '}';
}
