/**
 * What collectors write into: metric families by name, in the shape `@vigil/exposition` writes. A family
 * is created on first use with its type and help; later samples of the same name join it.
 */
import { Labels } from '@vigil/model';
import type { MetricFamily, MetricType, Sample } from '@vigil/exposition';

interface MutableFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export class MetricsBuilder {
  private readonly byName = new Map<string, MutableFamily>();
  /** Families whose samples were rejected (type or help differs from the family already present). */
  conflicts = 0;

  private family(name: string, type: MetricType, help: string): MutableFamily | undefined {
    let f = this.byName.get(name);
    if (f === undefined) {
      f = { name, type, help, samples: [] };
      this.byName.set(name, f);
      return f;
    }
    if (f.type !== type || f.help !== help) {
      this.conflicts++;
      return undefined;
    }
    return f;
  }

  add(name: string, type: MetricType, help: string, value: number, labels: Labels = Labels.EMPTY): void {
    const f = this.family(name, type, help);
    if (f !== undefined) f.samples.push({ name, labels, value });
  }

  gauge(name: string, help: string, value: number, labels?: Labels): void {
    this.add(name, 'gauge', help, value, labels);
  }

  counter(name: string, help: string, value: number, labels?: Labels): void {
    this.add(name, 'counter', help, value, labels);
  }

  untyped(name: string, help: string, value: number, labels?: Labels): void {
    this.add(name, 'unknown', help, value, labels);
  }

  /** A whole family (from a text file): its samples join a family of the same name, type and help. */
  addFamily(family: MetricFamily): void {
    const f = this.family(family.name, family.type, family.help ?? '');
    if (f !== undefined) for (const s of family.samples) f.samples.push(s);
  }

  /** Moves everything from `other` in (a collector's output into the scrape's). */
  merge(other: MetricsBuilder): void {
    for (const f of other.byName.values()) this.addFamily(f);
    this.conflicts += other.conflicts;
  }

  get size(): number {
    return this.byName.size;
  }

  /**
   * The families sorted by name, and the series of each sorted by label values, as client_golang's
   * registry orders them; duplicate series (same name and labels) are dropped, the first kept.
   * Histograms and summaries keep their sample order (their series span several samples).
   */
  families(): MetricFamily[] {
    const names = [...this.byName.keys()].sort();
    const out: MetricFamily[] = [];
    for (const name of names) {
      const f = this.byName.get(name)!;
      if (f.type === 'counter' || f.type === 'gauge' || f.type === 'unknown') {
        if (f.samples.length > 1) {
          if (!isSorted(f.samples)) f.samples.sort(compareSamples);
          dedupeSorted(f.samples);
        }
      }
      out.push(f);
    }
    return out;
  }
}

/**
 * client_golang's order: label values compared in label-name order. Its series all carry every label of
 * the family, some with empty values; ours leave empty values out, so a label missing on one side
 * compares as the empty string.
 */
function compareSamples(a: Sample, b: Sample): number {
  const x = a.labels.flat;
  const y = b.labels.flat;
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    let vx: string;
    let vy: string;
    if (j >= y.length || (i < x.length && x[i] < y[j])) {
      vx = x[i + 1];
      vy = '';
      i += 2;
    } else if (i >= x.length || y[j] < x[i]) {
      vx = '';
      vy = y[j + 1];
      j += 2;
    } else {
      vx = x[i + 1];
      vy = y[j + 1];
      i += 2;
      j += 2;
    }
    if (vx !== vy) return vx < vy ? -1 : 1;
  }
  return 0;
}

function isSorted(samples: readonly Sample[]): boolean {
  for (let i = 1; i < samples.length; i++) if (compareSamples(samples[i - 1], samples[i]) > 0) return false;
  return true;
}

function dedupeSorted(samples: Sample[]): void {
  let w = 1;
  for (let r = 1; r < samples.length; r++) {
    if (samples[r].name === samples[w - 1].name && samples[r].labels.equals(samples[w - 1].labels)) continue;
    samples[w++] = samples[r];
  }
  samples.length = w;
}

/** Labels from name/value pairs in any order; empty values are dropped (Prometheus treats them as absent). */
export function labels(...pairs: string[]): Labels {
  return Labels.fromFlat(pairs);
}
