/**
 * The gateway's exposition: every group's families and push times, merged with the gateway's own metrics,
 * as client_golang's `Gatherers` and `expfmt` print them for the Pushgateway: families sorted by name,
 * metrics of a family sorted by (number of labels, then label values in name order), labels sorted by
 * name with `quantile`/`le` last, floats as Go's `%g`, a `+Inf` bucket from the count when a histogram
 * has none. HELP is the gateway's own for its own names (as the Pushgateway forces it), otherwise the
 * latest pushed one; no HELP line when the winning push had none.
 *
 * Also the protobuf exposition (the same families, for scrapers that ask for it).
 */
import { compareUtf8, escapeHelp, escapeLabelValue } from '@vigil/model';
import { encodeMetricFamilies, formatTextValue, type ProtoMetricFamily } from '@vigil/exposition';
import { FamilyBlock, KIND_NAMES, KIND_TEXT, Kind, protoMetricOf, type ParsedFamily, type ParsedMetric } from './family.js';
import { goQuote, protoTextMetric } from './go-format.js';
import { PUSH_FAILURE_TIME, PUSH_FAILURE_TIME_HELP, PUSH_TIME, PUSH_TIME_HELP, type MetricStore } from './store.js';

export interface MergedFamily {
  readonly name: string;
  readonly type: Kind;
  readonly help: string | undefined;
  readonly blocks: readonly FamilyBlock[];
  readonly size: number;
}

/** Problems a scrape finds when pushes were not checked (`--push.disable-consistency-check`). */
export class InconsistentExpositionError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} error(s) occurred:\n* ${problems.join('\n* ')}`);
    this.name = 'InconsistentExpositionError';
  }
}

function pushTimeBlock(store: MetricStore, name: string, help: string, value: 'pushTime' | 'failureTime'): FamilyBlock {
  const metrics: ParsedMetric[] = [];
  for (const g of store.groups.values()) {
    metrics.push({ labels: g.identity as string[], field: Kind.Gauge, value: g[value], count: 0, points: undefined, timestampMs: undefined, extra: undefined });
  }
  return new FamilyBlock(name, Kind.Gauge, help, 0, metrics);
}

/** The families to expose, sorted by name, without empty ones. */
export function mergeFamilies(store: MetricStore, own: readonly ParsedFamily[]): MergedFamily[] {
  const byName = new Map<string, { type: Kind; help: string | undefined; helpAt: number; blocks: FamilyBlock[]; own: boolean }>();
  for (const f of own) {
    byName.set(f.name, { type: f.type, help: f.help, helpAt: Infinity, blocks: [new FamilyBlock(f.name, f.type, f.help, 0, f.metrics)], own: true });
  }
  for (const name of store.familyNames()) {
    const fam = store.family(name)!;
    let e = byName.get(name);
    if (e === undefined) {
      e = { type: fam.type, help: undefined, helpAt: -Infinity, blocks: [], own: false };
      byName.set(name, e);
    }
    for (const b of fam.blocks) {
      e.blocks.push(b);
      if (!e.own && b.pushedMs >= e.helpAt) {
        e.help = b.help;
        e.helpAt = b.pushedMs;
      }
    }
  }
  if (store.groups.size > 0) {
    for (const [name, help, value] of [[PUSH_TIME, PUSH_TIME_HELP, 'pushTime'], [PUSH_FAILURE_TIME, PUSH_FAILURE_TIME_HELP, 'failureTime']] as const) {
      const block = pushTimeBlock(store, name, help, value);
      const e = byName.get(name);
      if (e === undefined) byName.set(name, { type: Kind.Gauge, help, helpAt: Infinity, blocks: [block], own: true });
      else e.blocks.push(block);
    }
  }
  const out: MergedFamily[] = [];
  for (const [name, e] of byName) {
    let size = 0;
    for (const b of e.blocks) size += b.size;
    if (size > 0) out.push({ name, type: e.type, help: e.help, blocks: e.blocks, size });
  }
  out.sort((a, b) => compareUtf8(a.name, b.name));
  return out;
}

/**
 * The metrics of a family in exposition order, as (block, index) pairs: `order[k]` indexes `blocks`/`index`.
 * With `problems`, duplicates and type mismatches are reported (for unchecked pushes).
 */
function sortedMetrics(f: MergedFamily, problems?: string[]): { blocks: FamilyBlock[]; index: Uint32Array; order: Uint32Array } {
  const blocks: FamilyBlock[] = new Array(f.size);
  const index = new Uint32Array(f.size);
  let n = 0;
  for (const b of f.blocks) {
    if (problems !== undefined && b.type !== f.type) {
      for (let i = 0; i < b.size; i++) problems.push(`collected metric ${goQuote(f.name)} { ${metricText(b, i)}} is not a ${KIND_NAMES[f.type]}`);
    }
    for (let i = 0; i < b.size; i++) {
      blocks[n] = b;
      index[n] = i;
      n++;
    }
  }
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  const cmp = (x: number, y: number): number => {
    const A = blocks[x];
    const B = blocks[y];
    const ai = index[x];
    const bi = index[y];
    const as = ai === 0 ? 0 : A.labelEnd[ai - 1];
    const bs = bi === 0 ? 0 : B.labelEnd[bi - 1];
    const alen = A.labelEnd[ai] - as;
    const blen = B.labelEnd[bi] - bs;
    if (alen !== blen) return alen - blen;
    const al = A.labels;
    const bl = B.labels;
    for (let k = 1; k < alen; k += 2) {
      const va = al[as + k];
      const vb = bl[bs + k];
      if (va !== vb) return compareUtf8(va, vb);
    }
    return 0;
  };
  if (n > 1) order.sort(cmp);
  if (problems !== undefined) {
    for (let k = 1; k < n; k++) {
      const x = order[k - 1];
      const y = order[k];
      if (cmp(x, y) === 0 && sameNames(blocks[x], index[x], blocks[y], index[y])) {
        problems.push(`collected metric ${goQuote(f.name)} { ${metricText(blocks[y], index[y])}} was collected before with the same name and label values`);
      }
    }
  }
  return { blocks, index, order };
}

function sameNames(a: FamilyBlock, ai: number, b: FamilyBlock, bi: number): boolean {
  const as = a.labelStart(ai);
  const bs = b.labelStart(bi);
  const len = a.labelEnd[ai] - as;
  for (let k = 0; k < len; k += 2) if (a.labels[as + k] !== b.labels[bs + k]) return false;
  return true;
}

function metricText(b: FamilyBlock, i: number): string {
  const field = b.type === Kind.Counter ? 'counter' : b.type === Kind.Gauge ? 'gauge' : b.type === Kind.Untyped ? 'untyped' : b.type === Kind.Summary ? 'summary' : 'histogram';
  return protoTextMetric({ labels: b.metricLabels(i), field, value: b.values[i], count: b.counts?.[i] ?? 0, points: b.metricPoints(i), timestampMs: undefined });
}

/** `name="value",...` of metric i (no braces), values escaped. */
function labelPairs(b: FamilyBlock, i: number): string {
  const l = b.labels;
  const start = i === 0 ? 0 : b.labelEnd[i - 1];
  const end = b.labelEnd[i];
  let s = '';
  for (let k = start; k < end; k += 2) {
    if (k > start) s += ',';
    s += l[k] + '="' + escapeLabelValue(l[k + 1]) + '"';
  }
  return s;
}

function writeMetric(f: MergedFamily, b: FamilyBlock, i: number): string {
  const pairs = labelPairs(b, i);
  const name = f.name;
  const type = f.type;
  if (type === Kind.Counter || type === Kind.Gauge || type === Kind.Untyped) {
    return (pairs === '' ? name : name + '{' + pairs + '}') + ' ' + formatTextValue(b.values[i]) + '\n';
  }
  const braces = pairs === '' ? '' : '{' + pairs + '}';
  const sep = pairs === '' ? '{' : '{' + pairs + ',';
  let s = '';
  const pts = b.points!;
  const ps = b.pointStart(i);
  const pe = b.pointEnd![i];
  const count = b.counts![i];
  if (type === Kind.Summary) {
    for (let k = ps; k < pe; k += 2) s += name + sep + 'quantile="' + formatTextValue(pts[k]) + '"} ' + formatTextValue(pts[k + 1]) + '\n';
  } else {
    let infSeen = false;
    for (let k = ps; k < pe; k += 2) {
      const ub = pts[k];
      if (ub === Infinity) infSeen = true;
      s += name + '_bucket' + sep + 'le="' + formatTextValue(ub) + '"} ' + formatTextValue(pts[k + 1]) + '\n';
    }
    if (!infSeen) s += name + '_bucket' + sep + 'le="+Inf"} ' + formatTextValue(count) + '\n';
  }
  s += name + '_sum' + braces + ' ' + formatTextValue(b.values[i]) + '\n';
  s += name + '_count' + braces + ' ' + formatTextValue(count) + '\n';
  return s;
}

/** Text of this size is turned into bytes at once, so that the strings that built it die young. */
const PIECE = 1 << 16;

/**
 * The text exposition (format 0.0.4) of merged families, as UTF-8 byte chunks. Throws
 * `InconsistentExpositionError` when `check` finds problems.
 */
export function renderText(families: readonly MergedFamily[], check = false): Buffer[] {
  const parts: Buffer[] = [];
  const problems: string[] | undefined = check ? [] : undefined;
  let s = '';
  for (const f of families) {
    if (f.help !== undefined) s += '# HELP ' + f.name + ' ' + escapeHelp(f.help) + '\n';
    s += '# TYPE ' + f.name + ' ' + KIND_TEXT[f.type] + '\n';
    const { blocks, index, order } = sortedMetrics(f, problems);
    for (let k = 0; k < order.length; k++) {
      const r = order[k];
      s += writeMetric(f, blocks[r], index[r]);
      if (s.length > PIECE) {
        parts.push(Buffer.from(s, 'utf8'));
        s = '';
      }
    }
  }
  if (s !== '') parts.push(Buffer.from(s, 'utf8'));
  if (problems !== undefined && problems.length > 0) throw new InconsistentExpositionError(problems);
  return parts;
}

/** The protobuf exposition (delimited `MetricFamily` messages) of merged families. */
export function renderProtobuf(families: readonly MergedFamily[], check = false): Uint8Array {
  const out: ProtoMetricFamily[] = [];
  const problems: string[] | undefined = check ? [] : undefined;
  for (const f of families) {
    const { blocks, index, order } = sortedMetrics(f, problems);
    const metric = [];
    for (let k = 0; k < order.length; k++) metric.push(protoMetricOf(blocks[order[k]], index[order[k]]));
    const pf: ProtoMetricFamily = { name: f.name, type: f.type, metric };
    if (f.help !== undefined) pf.help = f.help;
    out.push(pf);
  }
  if (problems !== undefined && problems.length > 0) throw new InconsistentExpositionError(problems);
  return encodeMetricFamilies(out);
}
