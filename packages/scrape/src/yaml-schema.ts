/**
 * Strict, positioned YAML decoding into plain objects, driven by small schemas, and the reverse
 * (objects back to YAML in field order, secrets hidden).
 *
 * Prometheus reads its config with go-yaml v2 in strict mode: unknown fields are errors, YAML 1.1 scalars
 * (`yes`/`on` are booleans), a string field takes any scalar's source text, `null` means the zero value.
 * This module follows those rules and reports every error as `file:line:col: path: message`.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { VigilError, tryParseDuration, formatDuration } from '@vigil/model';

/** A config error: `message` is `file:line:col: path: why`; `line`, `column`, `path` and `why` are kept apart too. */
export class ConfigError extends VigilError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly why: string;

  constructor(file: string, line: number, column: number, path: string, why: string) {
    const where = line > 0 ? `${file}:${line}:${column}` : file;
    super('bad_data', `${where}: ${path ? path + ': ' : ''}${why}`);
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.path = path;
    this.why = why;
  }
}

/** A YAML document being decoded: its file name and where each node sits. */
export class Source {
  readonly file: string;
  readonly doc: Document;
  private readonly lines: LineCounter;

  constructor(text: string, file: string) {
    this.file = file;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, version: '1.1', uniqueKeys: false, merge: true, prettyErrors: false });
    const e = this.doc.errors[0];
    if (e) {
      const pos = e.linePos?.[0] ?? this.lines.linePos(e.pos[0]);
      const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(file, pos.line, pos.col, '', `YAML syntax error: ${first}`);
    }
  }

  root(): Node | null {
    return (this.doc.contents as Node | null) ?? null;
  }

  position(node: Node | null | undefined): { line: number; col: number } {
    const r = node?.range;
    if (!r) return { line: 0, col: 0 };
    return this.lines.linePos(r[0]);
  }

  error(node: Node | null | undefined, path: string, why: string): ConfigError {
    const p = this.position(node);
    return new ConfigError(this.file, p.line, p.col, path, why);
  }

  /** Follows aliases (`*name`) to the node they stand for. */
  deref(node: unknown): Node | null {
    let n = node as Node | null | undefined;
    for (let i = 0; n && isAlias(n) && i < 64; i++) n = n.resolve(this.doc) as Node | undefined;
    return n ?? null;
  }
}

// ---- kinds -------------------------------------------------------------------------------------

export type Kind =
  | 'string'
  | 'secret'
  | 'bool'
  | 'uint'
  | 'int'
  | 'float'
  | 'duration'
  | 'bytes'
  | 'any'
  | { readonly list: Kind }
  | { readonly map: Kind }
  | { readonly struct: Schema; readonly optional?: boolean };

export interface FieldSpec {
  readonly yaml: string;
  readonly prop: string;
  readonly kind: Kind;
  /** Left out when printing if empty (as Go's `omitempty`). */
  readonly omitempty?: boolean;
  /** Printed as a flow sequence (`[a, b]`), as Go's `flow`. */
  readonly flow?: boolean;
  /** Accepted when reading but never printed (e.g. legacy fields folded into others). */
  readonly readOnly?: boolean;
  /** Left out when printing if this returns true for the object holding the field. */
  readonly omitIf?: (obj: Readonly<Record<string, unknown>>) => boolean;
}

/** Fields of another schema read from the same YAML mapping into the object's `prop` (Go's `,inline`). */
export interface InlineSpec {
  readonly inline: Schema;
  readonly prop: string;
}

export interface Schema {
  /** The type's name in errors: `field foo not found in type <name>`. */
  readonly name: string;
  readonly fields: readonly (FieldSpec | InlineSpec)[];
  /** Values before the YAML is read (Prometheus's `Default…Config`). */
  readonly defaults?: () => Record<string, unknown>;
  /** Checks and fills the decoded object; throws through `ctx.fail`. */
  readonly validate?: (obj: Record<string, unknown>, ctx: DecodeContext) => void;
  /** A type that reads a mapping with arbitrary keys not in `fields` (none by default). */
  readonly extra?: (key: string, node: Node | null, ctx: DecodeContext, obj: Record<string, unknown>) => boolean;
  /** Prints what `extra` read. */
  readonly encodeExtra?: (obj: Readonly<Record<string, unknown>>, showSecrets: boolean) => Record<string, unknown>;
}

export function isInline(f: FieldSpec | InlineSpec): f is InlineSpec {
  return (f as InlineSpec).inline !== undefined;
}

/** What a validator knows about the object it checks: its YAML node, path, and each field's node. */
export interface DecodeContext {
  readonly src: Source;
  readonly path: string;
  readonly node: Node | null;
  /** The node of a field (by YAML name) when the field was given. */
  fieldNode(yamlName: string): Node | null;
  /** Whether the field was present in the YAML. */
  has(yamlName: string): boolean;
  /** Throws a positioned error at the field (or at the object when the field is absent). */
  fail(yamlName: string | null, why: string): never;
  /** Throws a positioned error at the `index`-th item of a list field. */
  failItem(yamlName: string, index: number, why: string): never;
  child(path: string, node: Node | null): DecodeContext;
}

class Ctx implements DecodeContext {
  constructor(
    readonly src: Source,
    readonly path: string,
    readonly node: Node | null,
    private readonly fields: Map<string, { key: Node; value: Node | null }> = new Map(),
  ) {}

  fieldNode(yamlName: string): Node | null {
    const f = this.fields.get(yamlName);
    return f ? (f.value ?? f.key) : null;
  }

  has(yamlName: string): boolean {
    return this.fields.has(yamlName);
  }

  fail(yamlName: string | null, why: string): never {
    const n = yamlName ? this.fieldNode(yamlName) : null;
    const path = yamlName && n ? joinPath(this.path, yamlName) : this.path;
    throw this.src.error(n ?? this.node, path, why);
  }

  failItem(yamlName: string, index: number, why: string): never {
    const list = this.fieldNode(yamlName);
    const item = list && isSeq(list) ? (this.src.deref(list.items[index]) ?? list) : list;
    throw this.src.error(item ?? this.node, joinPath(joinPath(this.path, yamlName), index), why);
  }

  child(path: string, node: Node | null): DecodeContext {
    return new Ctx(this.src, path, node);
  }
}

export function joinPath(base: string, name: string | number): string {
  if (typeof name === 'number') return `${base}[${name}]`;
  return base ? `${base}.${name}` : name;
}

/** The positions of decoded objects, so that checks made later (e.g. by `check config`) can point at them. */
const origins = new WeakMap<object, { src: Source; path: string; node: Node | null; ctx: DecodeContext }>();

/** The decoding context of an object decoded by `decodeStruct` (for checks that run after decoding). */
export function contextOf(obj: object): DecodeContext | undefined {
  return origins.get(obj)?.ctx;
}

export function originOf(obj: object): { file: string; line: number; col: number; path: string } | undefined {
  const o = origins.get(obj);
  if (!o) return undefined;
  const p = o.src.position(o.node);
  return { file: o.src.file, line: p.line, col: p.col, path: o.path };
}

// ---- decoding ----------------------------------------------------------------------------------

function yamlTag(node: Node | null): string {
  if (node === null) return '!!null';
  if (isMap(node)) return '!!map';
  if (isSeq(node)) return '!!seq';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return '!!null';
    if (typeof v === 'boolean') return '!!bool';
    if (typeof v === 'number') return Number.isInteger(v) && !/[.eE]/.test(String(node.source ?? '')) ? '!!int' : '!!float';
    if (typeof v === 'bigint') return '!!int';
    return '!!str';
  }
  return '!!unknown';
}

function goTypeName(kind: Kind): string {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'uint': return 'uint';
      case 'int': return 'int';
      case 'float': return 'float64';
      case 'bool': return 'bool';
      case 'duration': return 'model.Duration';
      case 'bytes': return 'units.Base2Bytes';
      default: return 'string';
    }
  }
  if ('list' in kind) return '[]' + goTypeName(kind.list);
  if ('map' in kind) return 'map[string]' + goTypeName(kind.map);
  return kind.struct.name;
}

function cannot(src: Source, node: Node | null, path: string, kind: Kind): ConfigError {
  const shown = isScalar(node) ? ' `' + scalarText(node) + '`' : '';
  return src.error(node, path, `cannot unmarshal ${yamlTag(node)}${shown} into ${goTypeName(kind)}`);
}

/** A scalar's text as written (go-yaml gives string fields the source text, whatever it resolves to). */
export function scalarText(node: Node): string {
  if (!isScalar(node)) return '';
  const v = node.value;
  if (node.type === 'PLAIN' || node.type === undefined) {
    if (typeof node.source === 'string') return node.source;
  }
  if (v === null || v === undefined) return '';
  if (typeof v === 'symbol') return '<<';
  return String(v);
}

function isNull(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** Reads a mapping's pairs by key text, with merge keys (`<<: *base`) applied and duplicate keys rejected. */
export function mapEntries(src: Source, node: Node, path: string): Map<string, { key: Node; value: Node | null }> {
  const out = new Map<string, { key: Node; value: Node | null }>();
  const merged = new Map<string, { key: Node; value: Node | null }>();
  if (!isMap(node)) return out;
  for (const pair of node.items as Pair<unknown, unknown>[]) {
    const keyNode = src.deref(pair.key);
    const value = src.deref(pair.value);
    if (keyNode && isScalar(keyNode) && (typeof keyNode.value === 'symbol' || (keyNode.value === '<<' && keyNode.type === 'PLAIN'))) {
      const sources = value && isSeq(value) ? value.items.map((i) => src.deref(i)) : [value];
      for (const m of sources) {
        if (!m || !isMap(m)) throw src.error(m ?? keyNode, path, 'map merge requires map or sequence of maps as the value');
        for (const [k, v] of mapEntries(src, m, path)) if (!merged.has(k)) merged.set(k, v);
      }
      continue;
    }
    if (!keyNode || !isScalar(keyNode)) throw src.error(keyNode ?? node, path, 'mapping keys must be scalars');
    const key = scalarText(keyNode);
    if (out.has(key)) throw src.error(keyNode, joinPath(path, key), `key ${JSON.stringify(key)} already set in map`);
    out.set(key, { key: keyNode, value });
  }
  for (const [k, v] of merged) if (!out.has(k)) out.set(k, v);
  return out;
}

/** Sizes as Go's `units.Base2Bytes` reads them: `512MB`, `1GiB`, `1KB512B`; base 1024; `0` alone allowed. */
export function parseBase2Bytes(s: string): number | undefined {
  if (s === '0') return 0;
  const units: Record<string, number> = {
    B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5, EB: 1024 ** 6,
    KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, PiB: 1024 ** 5, EiB: 1024 ** 6,
  };
  const re = /(\d+)([A-Za-z]+)/y;
  let total = 0;
  let pos = 0;
  if (s === '') return undefined;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    const mult = units[m[2]];
    if (mult === undefined) return undefined;
    total += Number(m[1]) * mult;
    pos = re.lastIndex;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Prints bytes as `units.Base2Bytes.String()` does: `10MiB`, `1KiB512B`. */
export function formatBase2Bytes(n: number): string {
  if (n === 0) return '0B';
  const units: Array<[string, number]> = [['EiB', 1024 ** 6], ['PiB', 1024 ** 5], ['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024], ['B', 1]];
  let out = '';
  for (const [u, m] of units) {
    if (n >= m) {
      const q = Math.floor(n / m);
      out += q + u;
      n -= q * m;
    }
  }
  return out;
}

export function decodeValue(src: Source, node: Node | null, path: string, kind: Kind): unknown {
  if (typeof kind === 'string') return decodeScalar(src, node, path, kind);
  if ('list' in kind) {
    if (isNull(node)) return [];
    if (!isSeq(node)) throw cannot(src, node, path, kind);
    return node.items.map((item, i) => decodeValue(src, src.deref(item), joinPath(path, i), kind.list));
  }
  if ('map' in kind) {
    if (isNull(node)) return {};
    if (!isMap(node)) throw cannot(src, node, path, kind);
    const out: Record<string, unknown> = {};
    for (const [k, v] of mapEntries(src, node, path)) out[k] = decodeValue(src, v.value, joinPath(path, k), kind.map);
    return out;
  }
  if (isNull(node)) return kind.optional ? undefined : decodeStruct(src, null, path, kind.struct);
  return decodeStruct(src, node, path, kind.struct);
}

function decodeScalar(src: Source, node: Node | null, path: string, kind: Kind & string): unknown {
  if (kind === 'any') return node ? nodeToJS(src, node) : null;
  if (isNull(node)) {
    switch (kind) {
      case 'bool': return false;
      case 'string': case 'secret': return '';
      default: return 0;
    }
  }
  if (!isScalar(node)) throw cannot(src, node, path, kind);
  const v = node.value;
  const text = scalarText(node);
  switch (kind) {
    case 'string':
    case 'secret':
      return text;
    case 'bool':
      if (typeof v !== 'boolean') throw cannot(src, node, path, kind);
      return v;
    case 'uint':
    case 'int': {
      const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
      if (!Number.isInteger(n) || yamlTag(node) !== '!!int' || (kind === 'uint' && n < 0)) throw cannot(src, node, path, kind);
      return n;
    }
    case 'float': {
      if (typeof v !== 'number') throw cannot(src, node, path, kind);
      return v;
    }
    case 'duration': {
      const ms = tryParseDuration(text);
      if (ms === undefined) throw src.error(node, path, text === '' ? 'empty duration string' : `not a valid duration string: ${JSON.stringify(text)}`);
      return ms;
    }
    case 'bytes': {
      const b = parseBase2Bytes(text);
      if (b === undefined) throw src.error(node, path, `units: unknown unit in ${JSON.stringify(text)} (want a size such as 512MB or 1GiB)`);
      return b;
    }
  }
  return text;
}

function nodeToJS(src: Source, node: Node): unknown {
  const n = src.deref(node);
  if (!n) return null;
  if (isMap(n)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of mapEntries(src, n, '')) o[k] = v.value ? nodeToJS(src, v.value) : null;
    return o;
  }
  if (isSeq(n)) return n.items.map((i) => nodeToJS(src, i as Node));
  if (isScalar(n)) return n.value;
  return null;
}

/** Decodes a mapping into a fresh object with the schema's defaults, rejecting unknown fields. */
export function decodeStruct(src: Source, node: Node | null, path: string, schema: Schema): Record<string, unknown> {
  const obj: Record<string, unknown> = schema.defaults ? schema.defaults() : {};
  const inlineObjs = new Map<InlineSpec, Record<string, unknown>>();
  const byYaml = new Map<string, { spec: FieldSpec; target: Record<string, unknown> }>();
  for (const f of schema.fields) {
    if (isInline(f)) {
      const sub = f.inline.defaults ? f.inline.defaults() : {};
      inlineObjs.set(f, sub);
      obj[f.prop] = sub;
      for (const g of f.inline.fields) if (!isInline(g)) byYaml.set(g.yaml, { spec: g, target: sub });
    } else {
      byYaml.set(f.yaml, { spec: f, target: obj });
    }
  }
  if (node !== null && !isNull(node) && !isMap(node)) throw cannot(src, node, path, { struct: schema });
  const entries = node && isMap(node) ? mapEntries(src, node, path) : new Map<string, { key: Node; value: Node | null }>();
  const ctx = new Ctx(src, path, node, entries);
  for (const [key, { key: keyNode, value }] of entries) {
    const target = byYaml.get(key);
    if (!target) {
      if (schema.extra && schema.extra(key, value, ctx, obj)) continue;
      throw src.error(keyNode, joinPath(path, key), `field ${key} not found in type ${schema.name}`);
    }
    target.target[target.spec.prop] = decodeValue(src, value, joinPath(path, key), target.spec.kind);
  }
  for (const [f, sub] of inlineObjs) {
    if (f.inline.validate) f.inline.validate(sub, ctx);
  }
  if (schema.validate) schema.validate(obj, ctx);
  origins.set(obj, { src, path, node, ctx });
  return obj;
}

// ---- encoding ----------------------------------------------------------------------------------

export const SECRET_TOKEN = '<secret>';

/** A plain JS value ready for `yaml.stringify`, in schema field order, with secrets replaced. */
export function encodeStruct(obj: Readonly<Record<string, unknown>>, schema: Schema, showSecrets = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    if (isInline(f)) {
      const sub = obj[f.prop] as Record<string, unknown> | undefined;
      if (sub) Object.assign(out, encodeStruct(sub, f.inline, showSecrets));
      continue;
    }
    if (f.readOnly) continue;
    const v = obj[f.prop];
    if (f.omitempty && isZero(v)) continue;
    if (f.omitIf && f.omitIf(obj)) continue;
    const enc = encodeValue(v, f.kind, showSecrets);
    if (enc === undefined) continue;
    out[f.yaml] = f.flow && Array.isArray(enc) ? flowSeq(enc) : enc;
  }
  if (schema.encodeExtra) Object.assign(out, schema.encodeExtra(obj, showSecrets));
  return out;
}

const FLOW = Symbol('flow');
function flowSeq(items: unknown[]): unknown[] {
  const a = items.slice();
  (a as unknown as { [FLOW]: boolean })[FLOW] = true;
  return a;
}
export function isFlowSeq(v: unknown): boolean {
  return Array.isArray(v) && (v as unknown as { [FLOW]?: boolean })[FLOW] === true;
}

/** Go's zero value test for `omitempty`: a struct is zero when all its fields are. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isZero);
  return false;
}

function encodeValue(v: unknown, kind: Kind, showSecrets: boolean): unknown {
  if (v === undefined) return undefined;
  if (typeof kind === 'string') {
    switch (kind) {
      case 'secret':
        return v === '' ? undefined : showSecrets ? v : SECRET_TOKEN;
      case 'duration':
        return formatDuration(v as number);
      case 'bytes':
        return formatBase2Bytes(v as number);
      default:
        return v;
    }
  }
  if ('list' in kind) return (v as unknown[]).map((x) => encodeValue(x, kind.list, showSecrets));
  if ('map' in kind) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = encodeValue(x, kind.map, showSecrets);
    return o;
  }
  return encodeStruct(v as Record<string, unknown>, kind.struct, showSecrets);
}
