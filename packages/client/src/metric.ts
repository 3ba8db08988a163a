/**
 * What every metric type shares: configuration checks, registration, and the series store.
 *
 * Series are found by label values through a trie of Maps (one level per declared label name), so that
 * `inc({ method, code })` looks a series up without building a key string. A metric without labels holds
 * its one series directly (`single`) and its methods skip the lookup altogether: each type picks its
 * unlabelled or labelled implementation once, in its constructor. `labels(...)` returns the series object
 * itself, bound for good; a series removed (`remove`, `reset`) finds its way back on its next update.
 */
import { VigilError } from '@vigil/model';
import { formatLabelPair, type ExpositionWriter } from '@vigil/exposition';
import { badInput, checkLabelNames, describeValue, validateMetricName } from './validation.js';
import { globalRegistry, type Registry } from './registry.js';

export type LabelValues<T extends string> = Partial<Record<T, string | number>>;

/** How `AggregatorRegistry` combines one series across workers. */
export type Aggregator = 'omit' | 'sum' | 'first' | 'min' | 'max' | 'average';

export type CollectFunction<T> = (this: T) => void | Promise<void>;

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface MetricConfiguration<T extends string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: Array<Registry<any>>;
  aggregator?: Aggregator;
  collect?: CollectFunction<any>;
  enableExemplars?: boolean;
}

/** One value of `get()`/`getMetricsAsJSON()`, in prom-client's shape. */
export interface MetricValue<T extends string = string> {
  value: number;
  labels: LabelValues<T> & Record<string, string | number>;
  metricName?: string;
  exemplar?: ExemplarJSON | null;
}

export interface ExemplarJSON {
  labelSet: Record<string, string | number>;
  value: number;
  /** Seconds since the epoch (prom-client's unit). */
  timestamp?: number;
}

export interface MetricObjectWithValues<V = MetricValue> {
  name: string;
  help: string;
  type: MetricKind;
  aggregator: Aggregator;
  values: V[];
}

/** The state every series shares. */
export class Series {
  /** False once removed from its metric (by `remove` or `reset`); the next update puts it back. */
  live = true;
  /** Label values in the metric's declared order, `''` for an absent label. */
  readonly values: readonly string[];
  /** The rendered label pairs, sorted by name: `code="200",method="GET"`, or `''`. */
  readonly pairs: string;
  /** Cache of `pairs` merged with a registry's default labels (keyed by that registry's label set). */
  mergedKey: object | undefined = undefined;
  mergedPairs = '';
  /** Cache of the start of this series' sample line(s), for the label pairs and format it was made for. */
  linePrefix = '';
  linePrefixPairs: string | undefined = undefined;
  linePrefixOpenMetrics = false;

  constructor(values: readonly string[], pairs: string) {
    this.values = values;
    this.pairs = pairs;
  }
}

const EMPTY: readonly string[] = Object.freeze([]);

/** A label value as a string: numbers print as JavaScript prints them; `undefined` is an absent label. */
function labelValue(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : String(v);
}

/** The registries a metric goes to: the default one unless `registers` says otherwise. */
function registriesOf(config: MetricConfiguration<string>): Array<Registry<any>> {
  return config.registers === undefined || config.registers === null ? [globalRegistry] : config.registers;
}

export abstract class Metric<T extends string = string, S extends Series = Series> {
  name: string;
  help: string;
  labelNames: readonly T[];
  aggregator: Aggregator;
  /** Called (with the metric as `this`) each time a registry collects; may return a promise. */
  collect?: CollectFunction<any>;
  enableExemplars: boolean;
  registers: Array<Registry<any>>;
  abstract readonly type: MetricKind;

  /** @internal The one series of a metric without labels. */
  single: S | undefined = undefined;
  /** Live series, in creation order (the order they are written in). */
  protected readonly all = new Set<S>();
  private readonly root = new Map<string, unknown>();
  private readonly labelIndex = new Map<string, number>();
  /** Indexes into `labelNames`, sorted by name: the order label pairs are written in. */
  private readonly sortedOrder: number[];

  protected constructor(config: MetricConfiguration<T>, reservedLabel?: string) {
    if (config === null || typeof config !== 'object') throw badInput('metric: the constructor expects a configuration object');
    const name = config.name;
    if (name === undefined || name === null || name === '') throw badInput('metric: missing mandatory "name"');
    if (!validateMetricName(name)) {
      throw badInput(`metric ${describeValue(name)}: invalid metric name: must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
    }
    if (typeof config.help !== 'string' || config.help === '') throw badInput(`metric "${name}": missing mandatory "help"`);
    const labelNames = config.labelNames ?? [];
    if (!Array.isArray(labelNames)) throw badInput(`metric "${name}": "labelNames" must be an array`);
    checkLabelNames(name, labelNames, reservedLabel);
    if (config.collect !== undefined && typeof config.collect !== 'function') {
      throw badInput(`metric "${name}": the optional "collect" must be a function`);
    }
    const aggregator = config.aggregator ?? 'sum';
    if (!['omit', 'sum', 'first', 'min', 'max', 'average'].includes(aggregator)) {
      throw badInput(`metric "${name}": unknown aggregator ${describeValue(aggregator)}`);
    }
    this.name = name;
    this.help = config.help;
    this.labelNames = Object.freeze([...labelNames]) as readonly T[];
    this.aggregator = aggregator;
    this.collect = config.collect;
    this.enableExemplars = config.enableExemplars === true;
    this.registers = registriesOf(config);
    labelNames.forEach((n, i) => this.labelIndex.set(n, i));
    this.sortedOrder = labelNames.map((_, i) => i).sort((a, b) => (labelNames[a] < labelNames[b] ? -1 : 1));
  }

  /** Called last by each type's constructor, when the metric is complete. */
  protected finish(): void {
    if (this.labelNames.length === 0) {
      this.single = this.newSeries(EMPTY, '');
      this.all.add(this.single);
    }
    // Every check before the first registration, so that a refused metric is in no registry.
    for (const r of this.registers) {
      if (this.enableExemplars && !r.isOpenMetrics()) {
        throw badInput(`metric "${this.name}": exemplars are supported only on OpenMetrics registries`);
      }
      const existing = r.getSingleMetric(this.name);
      if (existing !== undefined && existing !== this) {
        throw badInput(`registry: a metric with the name "${this.name}" has already been registered`);
      }
    }
    for (const r of this.registers) r.registerMetric(this);
  }

  protected abstract newSeries(values: readonly string[], pairs: string): S;
  /** Sets a series back to its initial state. */
  protected abstract clearSeries(s: S): void;

  /** Label names as prom-client exposes them, sorted. */
  get sortedLabelNames(): string[] {
    return [...this.labelNames].sort();
  }

  // ---- series lookup -------------------------------------------------------------------------------

  /** @internal The series for a label object (`{ method: 'GET' }`), created on first use. Unknown names throw. */
  seriesFor(labels: object): S {
    const names = this.labelNames;
    const n = names.length;
    if (n === 0) {
      for (const k in labels) this.unknownLabel(k);
      return this.single!;
    }
    const obj = labels as Record<string, unknown>;
    let node: unknown = this.root;
    let defined = 0;
    for (let i = 0; i < n; i++) {
      const raw = obj[names[i]];
      let key: string;
      if (typeof raw === 'string') {
        key = raw;
        defined++;
      } else if (raw === undefined) {
        key = '';
      } else {
        key = String(raw);
        defined++;
      }
      node = (node as Map<string, unknown>).get(key);
      if (node === undefined) return this.createFromObject(obj);
    }
    // Every own key must be a declared label: count them and look closer only on a mismatch.
    let keys = 0;
    for (const _ in obj) keys++;
    if (keys !== defined) this.checkLabelKeys(obj);
    return node as S;
  }

  /**
   * The series for `labels(...)` arguments (one label object, or one value per declared label name in
   * order). A series not there yet is made but not added: like prom-client, `labels()` alone exports
   * nothing; the first update adds it.
   */
  protected seriesFromArgs(args: readonly unknown[], what: string): S {
    if (this.labelNames.length === 0) {
      this.valuesFromArgs(args, what);
      return this.single!;
    }
    const values = this.valuesFromArgs(args, what);
    let node: unknown = this.root;
    for (let i = 0; i < values.length && node !== undefined; i++) node = (node as Map<string, unknown>).get(values[i]);
    if (node !== undefined) return node as S;
    const s = this.newSeries(Object.freeze(values), this.renderPairs(values));
    s.live = false;
    return s;
  }

  protected valuesFromArgs(args: readonly unknown[], what: string): string[] {
    if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') {
      const obj = args[0] as Record<string, unknown>;
      this.checkLabelKeys(obj);
      return this.labelNames.map((n) => labelValue(obj[n]));
    }
    const names = this.labelNames;
    if (args.length !== names.length) {
      throw badInput(
        `metric "${this.name}": ${what} got ${args.length} label value${args.length === 1 ? '' : 's'} ` +
          `(${args.map(describeValue).join(', ')}) for ${names.length} label name${names.length === 1 ? '' : 's'} ` +
          `(${names.join(', ')})`,
      );
    }
    return args.map(labelValue);
  }

  private createFromObject(obj: Record<string, unknown>): S {
    this.checkLabelKeys(obj);
    const names = this.labelNames;
    const values = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) values[i] = labelValue(obj[names[i]]);
    return this.insert(values, undefined);
  }

  /** Adds a series for `values` (or puts `existing` back) to the trie and the live set. */
  private insert(values: readonly string[], existing: S | undefined): S {
    let node = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(values[i], next);
      }
      node = next;
    }
    const found = node.get(values[last]) as S | undefined;
    if (found !== undefined) return found;
    const s = existing ?? this.newSeries(Object.freeze([...values]), this.renderPairs(values));
    s.live = true;
    node.set(values[last], s);
    this.all.add(s);
    return s;
  }

  /** @internal The live series for a removed one: itself put back when its slot is free, else the newer one. */
  revive(s: S): S {
    return this.insert(s.values, s);
  }

  private renderPairs(values: readonly string[]): string {
    let out = '';
    for (const i of this.sortedOrder) {
      const v = values[i];
      if (v === '') continue;
      if (out !== '') out += ',';
      out += formatLabelPair(this.labelNames[i], v);
    }
    return out;
  }

  private checkLabelKeys(obj: Record<string, unknown>): void {
    for (const k in obj) if (!this.labelIndex.has(k)) this.unknownLabel(k);
  }

  private unknownLabel(k: string): never {
    throw badInput(
      `metric "${this.name}": label "${k}" is not among the declared label names [${this.labelNames.join(', ')}]`,
    );
  }

  /** @internal Throws unless `labels` has no keys (an unlabelled metric called with a label object). */
  checkNoLabels(labels: unknown): void {
    if (labels === null || typeof labels !== 'object') return;
    for (const k in labels) this.unknownLabel(k);
  }

  // ---- prom-client's series management ---------------------------------------------------------------

  /** Removes the series with these label values (a label object, or values in declared order). */
  remove(...args: unknown[]): void {
    const values = this.valuesFromArgs(args, 'remove()');
    if (this.labelNames.length === 0) {
      this.clearSeries(this.single!);
      return;
    }
    this.removeValues(values);
  }

  private removeValues(values: readonly string[]): void {
    const path: Map<string, unknown>[] = [];
    let node = this.root;
    for (let i = 0; i < values.length - 1; i++) {
      const next = node.get(values[i]) as Map<string, unknown> | undefined;
      if (next === undefined) return;
      path.push(node);
      node = next;
    }
    const s = node.get(values[values.length - 1]) as S | undefined;
    if (s === undefined) return;
    node.delete(values[values.length - 1]);
    // Drop the Maps that became empty, leaf first.
    for (let i = path.length - 1; i >= 0 && node.size === 0; i--) {
      path[i].delete(values[i]);
      node = path[i];
    }
    this.detach(s);
  }

  private detach(s: S): void {
    this.all.delete(s);
    s.live = false;
    s.mergedKey = undefined;
    s.linePrefixPairs = undefined;
    this.clearSeries(s);
  }

  /** Forgets every labelled series; an unlabelled metric goes back to zero. */
  reset(): void {
    if (this.single !== undefined) {
      this.clearSeries(this.single);
      return;
    }
    for (const s of this.all) {
      s.live = false;
      s.mergedKey = undefined;
      s.linePrefixPairs = undefined;
      this.clearSeries(s);
    }
    this.all.clear();
    this.root.clear();
  }

  // ---- collection and output -----------------------------------------------------------------------

  /** Runs `collect` (if any); returns its promise when it returned one. */
  runCollect(): Promise<void> | undefined {
    const c = this.collect;
    if (typeof c !== 'function') return undefined;
    const r = c.call(this);
    return r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function' ? (r as Promise<void>) : undefined;
  }

  /** A snapshot of the live series (for writing in slices). */
  liveSeries(): S[] {
    return [...this.all];
  }

  /** How many series there are right now. */
  get seriesCount(): number {
    return this.all.size;
  }

  /** Iterates the live series. */
  forEachSeries(fn: (s: S) => void): void {
    for (const s of this.all) fn(s);
  }

  /** Lines one series takes in the output (to budget the work between yields). */
  linesPerSeries(): number {
    return 1;
  }

  /** `# HELP` and `# TYPE` (and nothing else) for this metric. */
  abstract writeHeader(w: ExpositionWriter): void;

  /** The sample lines of one series; `pairs` are its label pairs with the registry's default labels. */
  abstract writeSeries(w: ExpositionWriter, s: S, pairs: string): void;

  /** The series' values in prom-client's JSON shape (labels without default labels). */
  protected abstract seriesValues(s: S, out: MetricValue<T>[]): void;

  /** Whether a series is written at all (a summary may prune empty windows). */
  shouldWrite(_s: S): boolean {
    return true;
  }

  /** The labels of a series as an object, declared order, absent labels left out. */
  protected labelsObject(s: Series): Record<string, string> {
    const o: Record<string, string> = {};
    const names = this.labelNames;
    for (let i = 0; i < names.length; i++) if (s.values[i] !== '') o[names[i]] = s.values[i];
    return o;
  }

  /** Runs `collect`, then returns the metric in prom-client's JSON shape. */
  async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const p = this.runCollect();
    if (p !== undefined) await p;
    return this.snapshot();
  }

  /** The metric in prom-client's JSON shape, without running `collect`. */
  snapshot(): MetricObjectWithValues<MetricValue<T>> {
    const values: MetricValue<T>[] = [];
    for (const s of this.all) if (this.shouldWrite(s)) this.seriesValues(s, values);
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator };
  }
}

/** The error for a value that is not a number where one is needed. */
export function notANumber(metric: string, what: string, v: unknown): VigilError {
  return badInput(`metric "${metric}": ${what} is not a valid number: ${describeValue(v)}`);
}

/** Seconds since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
