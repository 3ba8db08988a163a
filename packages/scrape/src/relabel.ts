/**
 * Relabeling as Prometheus does it: every action, Go RE2 regexes fully anchored with `.` matching
 * newlines, `$1`/`${1}`/`$name` expansion as Go's `Regexp.Expand`, and `hashmod` with the same hash
 * (the last 8 bytes of the MD5 of the joined values, big-endian, modulo) so that shard assignments agree.
 */
import { createHash } from 'node:crypto';
import { Labels, compileAnchoredRegex, expandRegexTemplate } from '@vigil/model';
import type { NameValidationScheme, RelabelAction, RelabelConfig } from './config-types.js';
import { validLabelName } from './config-schema.js';

/** A label set being edited: set `''` deletes, as in Prometheus's `labels.Builder`. */
export class LabelSetBuilder {
  private readonly map = new Map<string, string>();

  constructor(base?: Labels | Readonly<Record<string, string>>) {
    if (base instanceof Labels) {
      const f = base.flat;
      for (let i = 0; i < f.length; i += 2) this.map.set(f[i], f[i + 1]);
    } else if (base) {
      for (const k of Object.keys(base)) if (base[k] !== '') this.map.set(k, base[k]);
    }
  }

  get(name: string): string {
    return this.map.get(name) ?? '';
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  set(name: string, value: string): void {
    if (value === '') this.map.delete(name);
    else this.map.set(name, value);
  }

  del(name: string): void {
    this.map.delete(name);
  }

  /** A snapshot of the current labels (later edits do not change what is iterated). */
  entries(): Array<[string, string]> {
    return Array.from(this.map);
  }

  get size(): number {
    return this.map.size;
  }

  labels(): Labels {
    const flat: string[] = [];
    for (const [k, v] of this.map) flat.push(k, v);
    return Labels.fromFlat(flat);
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.map);
  }
}

interface CompiledRule {
  readonly cfg: RelabelConfig;
  readonly action: RelabelAction;
  readonly regex: RegExp;
  readonly scheme: NameValidationScheme;
  readonly targetHasVar: boolean;
  readonly replacementHasVar: boolean;
  readonly modulus: bigint;
}

const compiled = new WeakMap<RelabelConfig, CompiledRule>();

function compile(cfg: RelabelConfig): CompiledRule {
  let c = compiled.get(cfg);
  if (!c) {
    c = {
      cfg,
      action: cfg.action,
      regex: compileAnchoredRegex(cfg.regex),
      scheme: cfg.nameValidationScheme,
      targetHasVar: cfg.targetLabel.includes('$'),
      replacementHasVar: cfg.replacement.includes('$'),
      modulus: BigInt(cfg.modulus),
    };
    compiled.set(cfg, c);
  }
  return c;
}

/**
 * Applies the rules in order to `lb`; returns false as soon as a rule drops the set (then `lb` is left
 * as it was at that point).
 */
export function processRelabel(lb: LabelSetBuilder, rules: readonly RelabelConfig[]): boolean {
  for (let i = 0; i < rules.length; i++) {
    if (!applyRule(compile(rules[i]), lb)) return false;
  }
  return true;
}

/** Relabels a label set; `undefined` when it is dropped. */
export function relabel(labels: Labels, rules: readonly RelabelConfig[]): Labels | undefined {
  if (rules.length === 0) return labels;
  const lb = new LabelSetBuilder(labels);
  return processRelabel(lb, rules) ? lb.labels() : undefined;
}

function applyRule(r: CompiledRule, lb: LabelSetBuilder): boolean {
  const cfg = r.cfg;
  const src = cfg.sourceLabels;
  let val: string;
  if (src.length === 1) val = lb.get(src[0]);
  else {
    val = '';
    for (let i = 0; i < src.length; i++) {
      if (i > 0) val += cfg.separator;
      val += lb.get(src[i]);
    }
  }
  switch (r.action) {
    case 'drop':
      return !r.regex.test(val);
    case 'keep':
      return r.regex.test(val);
    case 'dropequal':
      return lb.get(cfg.targetLabel) !== val;
    case 'keepequal':
      return lb.get(cfg.targetLabel) === val;
    case 'replace': {
      const m = r.regex.exec(val);
      if (!m) return true;
      const target = r.targetHasVar ? expandTemplate(cfg.targetLabel, m) : cfg.targetLabel;
      if (!validLabelName(target, r.scheme)) return true;
      const res = r.replacementHasVar ? expandTemplate(cfg.replacement, m) : cfg.replacement;
      if (res === '') lb.del(target);
      else lb.set(target, res);
      return true;
    }
    case 'lowercase':
      lb.set(cfg.targetLabel, val.toLowerCase());
      return true;
    case 'uppercase':
      lb.set(cfg.targetLabel, val.toUpperCase());
      return true;
    case 'hashmod':
      lb.set(cfg.targetLabel, hashMod(val, r.modulus).toString());
      return true;
    case 'labelmap':
      for (const [name, value] of lb.entries()) {
        const m = r.regex.exec(name);
        if (!m) continue;
        const res = r.replacementHasVar ? expandTemplate(cfg.replacement, m) : cfg.replacement;
        if (res !== '') lb.set(res, value);
      }
      return true;
    case 'labeldrop':
      for (const [name] of lb.entries()) if (r.regex.test(name)) lb.del(name);
      return true;
    case 'labelkeep':
      for (const [name] of lb.entries()) if (!r.regex.test(name)) lb.del(name);
      return true;
  }
  return true;
}

/** `md5(value)[8:16]` as a big-endian uint64, modulo `modulus`: Prometheus's hashmod. */
export function hashMod(value: string, modulus: bigint | number): bigint {
  const digest = createHash('md5').update(value, 'utf8').digest();
  return digest.readBigUInt64BE(8) % BigInt(modulus);
}

/** Go's `Regexp.Expand` of `template` for the match `m` (see `expandRegexTemplate`). */
export function expandTemplate(template: string, m: RegExpExecArray): string {
  return expandRegexTemplate(template, m, m.groups);
}
