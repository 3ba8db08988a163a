/**
 * A whole exposition as `MetricFamily` data (pushgateway, tests, tools). The scrape path does not use
 * this: it reads the streaming parser directly.
 */
import { EntryType, type BaseParser } from './parser.js';
import { TextParser } from './text-parser.js';
import { OpenMetricsParser } from './om-parser.js';
import type { Exemplar, MetricFamily, MetricType, Sample } from './types.js';
import type { ExpositionFormat } from './writer.js';

export interface ParseFamiliesOptions {
  /** OpenMetrics only: check every rule of the specification (see `OpenMetricsParser`). */
  readonly strict?: boolean;
}

interface Building {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
  samples: Sample[];
}

/**
 * Parses a whole exposition into families, in order of first appearance. Labels are kept exactly as
 * written (no `__name__`; `le` and `quantile` not normalised). Samples of a family that reappear later
 * without metadata (allowed by the text format) are added to the family seen first. Families with
 * metadata and no samples are kept. Throws `ParseError` on bad input.
 */
export function parseFamilies(text: string, format: ExpositionFormat, options: ParseFamiliesOptions = {}): MetricFamily[] {
  const parser = format === 'openmetrics' ? new OpenMetricsParser(text, { strict: options.strict }) : new TextParser(text);
  return collectFamilies(parser, format === 'openmetrics');
}

function collectFamilies(p: BaseParser, openMetrics: boolean): MetricFamily[] {
  const out: Building[] = [];
  const sampleOnly = new Map<string, Building>();
  let current: Building | undefined;
  let currentIndex = -1;
  for (;;) {
    const e = p.next();
    if (e === EntryType.EOF) break;
    if (e === EntryType.Comment) continue;
    if (p.familyIndex !== currentIndex) {
      currentIndex = p.familyIndex;
      const name = p.familyName();
      if (e === EntryType.Series) {
        // A family that starts with a sample: join an earlier family of the same name if there is one.
        current = sampleOnly.get(name);
        if (current === undefined) {
          current = { name, type: 'unknown', samples: [] };
          out.push(current);
          sampleOnly.set(name, current);
        }
      } else {
        current = { name, type: 'unknown', samples: [] };
        out.push(current);
        if (!sampleOnly.has(name)) sampleOnly.set(name, current);
      }
    }
    const fam = current!;
    switch (e) {
      case EntryType.Type:
        fam.type = p.familyType();
        break;
      case EntryType.Help: {
        const h = p.help();
        if (!(openMetrics && h === '')) fam.help = h;
        break;
      }
      case EntryType.Unit: {
        const u = p.unit();
        if (u !== '') fam.unit = u;
        break;
      }
      case EntryType.Series: {
        const ts = p.timestamp;
        const ex = p.exemplar();
        const sample: { name: string; labels: Sample['labels']; value: number; timestamp?: number; exemplar?: Exemplar } = {
          name: p.metricName(),
          labels: p.rawLabels(),
          value: p.value,
        };
        if (ts === ts) sample.timestamp = ts;
        if (ex !== undefined) sample.exemplar = ex;
        fam.samples.push(sample);
        break;
      }
    }
  }
  return out;
}
