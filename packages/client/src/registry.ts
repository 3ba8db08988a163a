/**
 * Registry: the metrics an application exposes, written in the text format 0.0.4 or OpenMetrics.
 *
 * Writing never holds the event loop for long: the work is cut into slices of about `SLICE_MS`, and
 * between slices the registry yields (`setImmediate`) so that timers and I/O run. A large registry is
 * therefore written in several turns of the event loop, while a small one still takes a single turn.
 */
import { ExpositionWriter, formatLabelPair, formatOpenMetricsValue, formatTextValue, type ExpositionFormat } from '@vigil/exposition';
import { Metric, type Aggregator, type MetricObjectWithValues, type MetricValue, type Series } from './metric.js';
import { badInput, describeValue } from './validation.js';
import { isValidLabelName } from '@vigil/model';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export type PrometheusContentType = typeof PROMETHEUS_CONTENT_TYPE;
export type OpenMetricsContentType = typeof OPENMETRICS_CONTENT_TYPE;
export type RegistryContentType = PrometheusContentType | OpenMetricsContentType;

/** Work between two yields to the event loop stays around this (milliseconds). */
export const SLICE_MS = 5;
/** Lines written between two looks at the clock. */
const LINES_PER_CHECK = 1024;

/**
 * What a registry accepts besides its own metric types: any object with a `name` and a `get()` returning
 * prom-client's JSON shape (as `AggregatorRegistry.aggregate` builds, or libraries written for prom-client).
 */
export interface MetricLike {
  name: string;
  help?: string;
  type?: string;
  aggregator?: Aggregator;
  get(): Promise<MetricObjectWithValues<MetricValue>> | MetricObjectWithValues<MetricValue>;
  reset?(): void;
}

type AnyMetric = Metric<string, Series> | MetricLike;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function formatOf(contentType: string): ExpositionFormat {
  return contentType === OPENMETRICS_CONTENT_TYPE ? 'openmetrics' : 'text';
}

export class Registry<BoundRegistryContentType extends RegistryContentType = PrometheusContentType> {
  static get PROMETHEUS_CONTENT_TYPE(): PrometheusContentType {
    return PROMETHEUS_CONTENT_TYPE;
  }

  static get OPENMETRICS_CONTENT_TYPE(): OpenMetricsContentType {
    return OPENMETRICS_CONTENT_TYPE;
  }

  private readonly registered = new Map<string, AnyMetric>();
  private defaults: Record<string, string> = {};
  /** Default labels as sorted `[name, value, ...]`, and an identity for series caches keyed on them. */
  private defaultsFlat: string[] = [];
  private defaultsKey: object = {};
  private type: RegistryContentType;

  constructor(regContentType: BoundRegistryContentType = PROMETHEUS_CONTENT_TYPE as BoundRegistryContentType) {
    if (regContentType !== PROMETHEUS_CONTENT_TYPE && regContentType !== OPENMETRICS_CONTENT_TYPE) {
      throw badInput(`registry: content type ${describeValue(regContentType)} is unsupported`);
    }
    this.type = regContentType;
  }

  /** The Content-Type of `metrics()`: text 0.0.4 unless set to OpenMetrics. */
  get contentType(): BoundRegistryContentType {
    return this.type as BoundRegistryContentType;
  }

  setContentType(contentType: BoundRegistryContentType): void {
    if (contentType !== PROMETHEUS_CONTENT_TYPE && contentType !== OPENMETRICS_CONTENT_TYPE) {
      throw badInput(`registry: content type ${describeValue(contentType)} is unsupported`);
    }
    this.type = contentType;
    if ((this as Registry<RegistryContentType>) === globalRegistry) onGlobalContentType(contentType);
  }

  /** @internal */
  isOpenMetrics(): boolean {
    return this.type === OPENMETRICS_CONTENT_TYPE;
  }

  getMetricsAsArray(): AnyMetric[] {
    return [...this.registered.values()];
  }

  registerMetric(metric: AnyMetric): void {
    const existing = this.registered.get(metric.name);
    if (existing !== undefined && existing !== metric) {
      throw badInput(`registry: a metric with the name "${metric.name}" has already been registered`);
    }
    this.registered.set(metric.name, metric);
  }

  removeSingleMetric(name: string): void {
    this.registered.delete(name);
  }

  getSingleMetric(name: string): AnyMetric | undefined {
    return this.registered.get(name);
  }

  /** Removes every metric and the default labels. */
  clear(): void {
    this.registered.clear();
    this.setDefaultLabels({});
  }

  /** Sets every metric back to zero (labelled series go away until used again). */
  resetMetrics(): void {
    for (const m of this.registered.values()) if (typeof m.reset === 'function') m.reset();
  }

  /** Labels added to every series this registry writes; a series' own label of the same name wins. */
  setDefaultLabels(labels: object): void {
    const flat: string[] = [];
    const copy: Record<string, string> = {};
    const entries = Object.entries(labels ?? {}).filter(([, v]) => v !== undefined);
    for (const [k] of entries) {
      if (!isValidLabelName(k) || k.startsWith('__')) throw badInput(`registry: invalid default label name ${JSON.stringify(k)}`);
    }
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [k, v] of entries) {
      copy[k] = String(v);
      if (copy[k] !== '') flat.push(k, copy[k]);
    }
    this.defaults = copy;
    this.defaultsFlat = flat;
    this.defaultsKey = {};
  }

  /** The exposition of every metric, in this registry's content type. */
  metrics(): Promise<string> {
    return this.metricsAs(formatOf(this.type));
  }

  /** The exposition in the given format, whatever this registry's content type. */
  async metricsAs(format: ExpositionFormat): Promise<string> {
    const parts: string[] = [];
    await this.writeTo(format, (chunk) => {
      parts.push(chunk);
    });
    return parts.length === 1 ? parts[0] : parts.join('');
  }

  /** One metric's lines (no `# EOF`, no final newline, as prom-client returns it). */
  async getSingleMetricAsString(name: string): Promise<string> {
    const m = this.registered.get(name);
    if (m === undefined) throw badInput(`registry: no metric named "${name}"`);
    const text = await this.writeMetrics([m], formatOf(this.type), false);
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }

  /** Every metric in prom-client's JSON shape, default labels included. */
  async getMetricsAsJSON(): Promise<Array<MetricObjectWithValues<MetricValue>>> {
    const items = await Promise.all([...this.registered.values()].map((m) => m.get()));
    const names = Object.keys(this.defaults);
    if (names.length === 0) return items;
    for (const item of items) {
      if (!item.values) continue;
      for (const v of item.values) {
        const labels: Record<string, string | number> = { ...v.labels };
        for (const n of names) if (labels[n] === undefined || labels[n] === '') labels[n] = this.defaults[n];
        v.labels = labels;
      }
    }
    return items;
  }

  private async writeMetrics(metrics: AnyMetric[], format: ExpositionFormat, end: boolean): Promise<string> {
    const parts: string[] = [];
    await this.writeList(metrics, format, end, (c) => {
      parts.push(c);
    });
    return parts.join('');
  }

  /**
   * Runs the collect callbacks, then writes the exposition in slices, handing each to `emit` and
   * yielding to the event loop between slices. The HTTP server streams the slices as they come.
   */
  writeTo(format: ExpositionFormat, emit: (chunk: string) => void): Promise<void> {
    return this.writeList([...this.registered.values()], format, true, emit);
  }

  private async writeList(metrics: AnyMetric[], format: ExpositionFormat, end: boolean, emit: (chunk: string) => void): Promise<void> {
    // Collect first, all at once (as prom-client does): sync callbacks run now, async ones are awaited.
    const foreign = new Map<AnyMetric, MetricObjectWithValues<MetricValue>>();
    const pending: Promise<unknown>[] = [];
    for (const m of metrics) {
      if (m instanceof Metric) {
        const p = m.runCollect();
        if (p !== undefined) pending.push(p);
      } else {
        pending.push(Promise.resolve(m.get()).then((v) => foreign.set(m, v)));
      }
    }
    if (pending.length > 0) await Promise.all(pending);

    const w = new ExpositionWriter(format);
    let sliceStart = performance.now();
    let lines = 0;
    const maybeYield = async (): Promise<void> => {
      lines = 0;
      if (performance.now() - sliceStart < SLICE_MS) return;
      emit(w.take());
      await yieldToEventLoop();
      sliceStart = performance.now();
    };
    for (const m of metrics) {
      if (!(m instanceof Metric)) {
        const data = foreign.get(m);
        if (data !== undefined) lines += writeForeign(w, data, this.defaults);
        if (lines >= LINES_PER_CHECK) await maybeYield();
        continue;
      }
      m.writeHeader(w);
      const per = m.linesPerSeries();
      if (m.seriesCount * per + lines < LINES_PER_CHECK) {
        m.forEachSeries((s) => {
          if (m.shouldWrite(s)) m.writeSeries(w, s, this.pairsOf(m, s));
        });
        lines += m.seriesCount * per + 2;
        if (lines >= LINES_PER_CHECK) await maybeYield();
        continue;
      }
      // A large metric: write a snapshot of its series in steps, looking at the clock between steps.
      const all = m.liveSeries();
      const step = Math.max(1, Math.floor(LINES_PER_CHECK / per));
      for (let i = 0; i < all.length; i += step) {
        const to = Math.min(all.length, i + step);
        for (let j = i; j < to; j++) {
          const s = all[j];
          if (m.shouldWrite(s)) m.writeSeries(w, s, this.pairsOf(m, s));
        }
        lines += (to - i) * per;
        await maybeYield();
      }
    }
    emit(end ? w.end() : w.take());
  }

  /** A series' label pairs merged with the default labels (cached on the series). */
  private pairsOf(m: Metric<string, Series>, s: Series): string {
    const d = this.defaultsFlat;
    if (d.length === 0) return s.pairs;
    if (s.mergedKey === this.defaultsKey) return s.mergedPairs;
    const names = m.labelNames;
    const entries: Array<[string, string]> = [];
    for (let i = 0; i < names.length; i++) if (s.values[i] !== '') entries.push([names[i], s.values[i]]);
    for (let i = 0; i < d.length; i += 2) if (!entries.some(([n]) => n === d[i])) entries.push([d[i], d[i + 1]]);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let out = '';
    for (const [n, v] of entries) out += (out === '' ? '' : ',') + formatLabelPair(n, v);
    s.mergedKey = this.defaultsKey;
    s.mergedPairs = out;
    return out;
  }

  /** Registries exposed together; their metric names must not collide. */
  static merge(registers: Registry<RegistryContentType>[]): Registry<RegistryContentType> {
    if (registers.length === 0) return new Registry();
    const type = registers[0].contentType;
    for (const r of registers) {
      if (r.contentType !== type) throw badInput('registry: registries can only be merged if they have the same content type');
    }
    const merged = new Registry<RegistryContentType>(type);
    for (const r of registers) for (const m of r.getMetricsAsArray()) merged.registerMetric(m);
    return merged;
  }
}

/**
 * Writes a metric given as prom-client JSON (`get()` of a foreign or aggregated metric). Returns the lines
 * written.
 */
function writeForeign(w: ExpositionWriter, data: MetricObjectWithValues<MetricValue>, defaults: Record<string, string>): number {
  const type = String(data.type);
  const om = w.openMetrics;
  const counter = type === 'counter';
  const familyName = om && counter && data.name.endsWith('_total') ? data.name.slice(0, -6) : data.name;
  const typeWord = ['counter', 'gauge', 'histogram', 'summary'].includes(type) ? type : om ? 'unknown' : 'untyped';
  w.family(familyName, typeWord, data.help ?? '');
  const values = data.values ?? [];
  for (const v of values) {
    let name = v.metricName ?? data.name;
    if (om && counter && v.metricName === undefined) name = familyName + '_total';
    const labels: Record<string, unknown> = { ...defaults, ...(v.labels ?? {}) };
    for (const k of Object.keys(defaults)) if (labels[k] === '' || labels[k] === undefined) labels[k] = defaults[k];
    const trailing = 'le' in labels ? 'le' : 'quantile' in labels ? 'quantile' : '';
    const names = Object.keys(labels).filter((k) => k !== trailing && labels[k] !== undefined && labels[k] !== '').sort();
    let pairs = '';
    for (const k of names) pairs += (pairs === '' ? '' : ',') + formatLabelPair(k, String(labels[k]));
    if (trailing !== '') {
      const t = labels[trailing];
      const text = typeof t === 'number' ? (om ? formatOpenMetricsValue(t) : formatTextValue(t)) : String(t);
      pairs += (pairs === '' ? '' : ',') + formatLabelPair(trailing, text);
    }
    const series = pairs === '' ? name : name + '{' + pairs + '}';
    const isCount = (type === 'histogram' || type === 'summary') && (name.endsWith('_bucket') || name.endsWith('_count'));
    const ex = v.exemplar;
    if (om && ex && ex.labelSet && Object.keys(ex.labelSet).length > 0) {
      let exPairs = '';
      for (const k of Object.keys(ex.labelSet)) exPairs += (exPairs === '' ? '' : ',') + formatLabelPair(k, String(ex.labelSet[k]));
      w.line(series, v.value, isCount, undefined, exPairs, ex.value, ex.timestamp === undefined ? undefined : ex.timestamp * 1000);
    } else {
      w.line(series, v.value, isCount);
    }
  }
  return values.length + 2;
}

/** The default registry, which metrics join unless their `registers` say otherwise. */
export const globalRegistry: Registry<RegistryContentType> = new Registry();

/** The default registry's content type (updated when it changes). */
export let contentType: RegistryContentType = PROMETHEUS_CONTENT_TYPE;

function onGlobalContentType(ct: RegistryContentType): void {
  contentType = ct;
}
