/**
 * The consistency check of a push: would the gateway's exposition, with this push applied, still be one
 * that a scrape accepts? The Pushgateway answers by gathering everything it holds (its own metrics and
 * every group, with the push applied to a copy) through client_golang's `Gatherers`; this check asks the
 * same questions of the pushed families only, against the store's indexes, with the same messages:
 *
 * - a family whose type contradicts the gateway's own metric of that name
 *   (`gathered metric family go_goroutines has type COUNTER but should have GAUGE`);
 * - a metric whose type contradicts the family's type in other groups
 *   (`collected metric "h" { ... } is not a GAUGE`);
 * - name clashes between a summary or histogram and another family's `_sum`, `_count` or `_bucket`;
 * - per metric: a label name twice, an invalid label name, an explicit `quantile` on a summary;
 * - a series (name and label values) that exists already, in this push or another group.
 *
 * Help texts may differ between groups (the exposition shows the latest), as in the Pushgateway.
 *
 * Checked even when consistency checking is off, because no scrape could ever read them (the
 * Pushgateway accepts them and then fails every scrape): an invalid metric name, a metric without the
 * value field of its family's type, a gauge histogram (the text format has none), and an explicit `le`
 * label on a histogram.
 */
import { isValidMetricName } from '@vigil/model';
import { KIND_FIELD, KIND_NAMES, Kind, seriesHash, type FamilyBlock, type ParsedFamily, type ParsedMetric } from './family.js';
import { goQuote, protoTextMetric } from './go-format.js';
import type { Group, MetricStore } from './store.js';

export interface OwnFamily {
  readonly type: Kind;
  readonly help: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function metricText(name: string, m: ParsedMetric): string {
  const field = m.field < 0 ? '' : KIND_FIELD[m.field];
  return `collected metric ${goQuote(name)} { ${protoTextMetric({ labels: m.labels, field, value: m.value, count: m.count, points: m.points, timestampMs: m.timestampMs })}}`;
}

/** The type of a family name as far as the check has gone: own metrics, other groups, or this push. */
type Seen = (name: string) => Kind | undefined;

function suffixCollision(name: string, type: Kind, seen: Seen): string | undefined {
  let base = '';
  if (name.endsWith('_count')) base = name.slice(0, -6);
  else if (name.endsWith('_sum')) base = name.slice(0, -4);
  else if (name.endsWith('_bucket')) base = name.slice(0, -7);
  if (base !== '') {
    const t = seen(base);
    if (t === Kind.Summary && !name.endsWith('_bucket')) {
      return `collected metric named ${goQuote(name)} collides with previously collected summary named ${goQuote(base)}`;
    }
    if (t === Kind.Histogram) {
      return `collected metric named ${goQuote(name)} collides with previously collected histogram named ${goQuote(base)}`;
    }
  }
  if (type === Kind.Summary || type === Kind.Histogram) {
    for (const suffix of ['_count', '_sum']) {
      if (seen(name + suffix) !== undefined) {
        return `collected histogram or summary named ${goQuote(name)} collides with previously collected metric named ${goQuote(name + suffix)}`;
      }
    }
  }
  if (type === Kind.Histogram && seen(name + '_bucket') !== undefined) {
    return `collected histogram named ${goQuote(name)} collides with previously collected metric named ${goQuote(name + '_bucket')}`;
  }
  return undefined;
}

/** Per-metric label checks, in the order client_golang makes them; the first problem or undefined. */
function labelProblem(name: string, type: Kind, m: ParsedMetric): string | undefined {
  const l = m.labels;
  let previous = '';
  for (let i = 0; i < l.length; i += 2) {
    const n = l[i];
    if (n === previous) return `${metricText(name, m)} has two or more labels with the same name: ${n}`;
    if (!LABEL_NAME.test(n) || n.startsWith('__')) return `${metricText(name, m)} has a label with an invalid name: ${n}`;
    if (type === Kind.Summary && n === 'quantile') return `${metricText(name, m)} must not have an explicit "quantile" label`;
    if (type === Kind.Histogram && n === 'le') return `${metricText(name, m)} must not have an explicit "le" label`;
    previous = n;
  }
  return undefined;
}

/**
 * The problems of a push into `group` (undefined for a new group); `replace` for PUT. Families are
 * already sanitized (grouping labels set, labels sorted) and sorted by name. `full` off checks only what
 * must be checked always (see the module comment).
 */
export function checkPush(store: MetricStore, group: Group | undefined, pushed: readonly ParsedFamily[], replace: boolean, full: boolean): string[] {
  const errors: string[] = [];
  const pushedNames = new Set(pushed.map((f) => f.name));
  /** The group's block of that name if this push replaces it (so it does not count as "other"). */
  const replaced = (name: string): FamilyBlock | undefined => {
    if (group === undefined) return undefined;
    const b = group.families.get(name);
    return b !== undefined && (replace || pushedNames.has(name)) ? b : undefined;
  };
  const skip = (b: FamilyBlock): boolean => group !== undefined && group.families.get(b.name) === b && (replace || pushedNames.has(b.name));
  const accepted = new Map<string, Kind>();
  const seen: Seen = (name) => {
    const own = store.ownFamilies.get(name);
    if (own !== undefined) return own.type;
    const t = accepted.get(name);
    if (t !== undefined) return t;
    return store.typeOf(name, replaced(name));
  };
  const local = new Map<number, string[][]>();

  for (const f of pushed) {
    const name = f.name;
    if (!isValidMetricName(name)) {
      errors.push(`gathered metric family ${goQuote(name)} has an invalid metric name`);
      continue;
    }
    if (f.type === Kind.GaugeHistogram) {
      errors.push(`gathered metric family ${name} has type GAUGE_HISTOGRAM, which the text format cannot expose`);
      continue;
    }
    if (f.type < Kind.Counter || f.type > Kind.GaugeHistogram) {
      errors.push(`gathered metric family ${name} has an unknown type ${f.type}`);
      continue;
    }
    let familyType: Kind = f.type;
    if (full) {
      const own = store.ownFamilies.get(name);
      const other = own === undefined ? store.typeOf(name, replaced(name)) : undefined;
      if (own !== undefined) {
        if (own.type !== f.type) {
          errors.push(`gathered metric family ${name} has type ${KIND_NAMES[f.type]} but should have ${KIND_NAMES[own.type]}`);
          continue;
        }
      } else if (other !== undefined) {
        familyType = other;
      } else {
        const collision = suffixCollision(name, f.type, seen);
        if (collision !== undefined) {
          errors.push(collision);
          continue;
        }
      }
      accepted.set(name, f.type);
    }
    for (const m of f.metrics) {
      if (m.field !== f.type) {
        errors.push(`${metricText(name, m)} is not a ${KIND_NAMES[f.type]}`);
        continue;
      }
      if (familyType !== f.type) {
        errors.push(`${metricText(name, m)} is not a ${KIND_NAMES[familyType]}`);
        continue;
      }
      const problem = labelProblem(name, f.type, m);
      if (problem !== undefined) {
        errors.push(problem);
        continue;
      }
      if (!full) continue;
      const h = seriesHash(name, m.labels, 0, m.labels.length);
      const mine = local.get(h);
      let dup = mine !== undefined && mine.some((l) => sameLabels(l, m.labels));
      if (!dup) dup = store.hasSeries(name, m.labels, h, skip);
      if (dup) {
        errors.push(`${metricText(name, m)} was collected before with the same name and label values`);
        continue;
      }
      if (mine === undefined) local.set(h, [m.labels]);
      else mine.push(m.labels);
    }
  }
  return errors;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
