/**
 * Exemplars (OpenMetrics): a label set (a trace id, typically), a value and a time, kept for the last
 * increment of a counter series or the last observation in a histogram bucket.
 */
import { formatLabelPair } from '@vigil/exposition';
import { checkExemplarLabels } from './validation.js';
import type { ExemplarJSON } from './metric.js';

export type ExemplarLabels = Readonly<Record<string, string | number>>;

export class ExemplarSlot {
  readonly labels: ExemplarLabels;
  value = 0;
  timestampMs = 0;
  private rendered: string | undefined = undefined;

  private constructor(labels: ExemplarLabels) {
    this.labels = labels;
  }

  /** A slot for `labels`, checked (names, 128-character limit); throws before anything is recorded. */
  static checked(metric: string, labels: ExemplarLabels): ExemplarSlot {
    checkExemplarLabels(metric, labels);
    return new ExemplarSlot(labels);
  }

  record(value: number, timestampMs: number): void {
    this.value = value;
    this.timestampMs = timestampMs;
  }

  get empty(): boolean {
    for (const _ in this.labels) return false;
    return true;
  }

  /** The label pairs as written: `trace_id="abc",span_id="def"`, in the order given. */
  pairs(): string {
    if (this.rendered === undefined) {
      let s = '';
      for (const k in this.labels) {
        if (s !== '') s += ',';
        s += formatLabelPair(k, String(this.labels[k]));
      }
      this.rendered = s;
    }
    return this.rendered;
  }
}

export function exemplarJSON(e: ExemplarSlot): ExemplarJSON {
  return { labelSet: { ...e.labels }, value: e.value, timestamp: e.timestampMs / 1000 };
}
