/**
 * Loading `prometheus.yml`: strict YAML decoding with Prometheus 3.x's defaults and checks, `${VAR}`
 * expansion in external labels (the one place Prometheus expands the environment), relative paths made
 * absolute against the file's folder, `scrape_config_files` read in; and printing the loaded config back
 * as `/api/v1/status/config` shows it, secrets as `<secret>`.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, visit, type Node } from 'yaml';
import { VigilError, errorMessage } from '@vigil/model';
import type { Config } from './config-types.js';
import { relabelConfigError, validateScrapeConfig } from './config-schema.js';
import { configSchema, scrapeConfigsFileSchema } from './config-sections.js';
import { ConfigError, Source, contextOf, decodeStruct, encodeStruct, mapEntries, type DecodeContext } from './yaml-schema.js';
import { glob } from './glob.js';

type Obj = Record<string, unknown>;

export interface LoadOptions {
  /** Environment for `${VAR}` in `external_labels` (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Folder that relative paths are joined to, and where `scrape_config_files` are looked up. Unset: paths stay as written. */
  readonly directory?: string;
  /** Called for notices that do not fail the load (e.g. an empty environment variable). */
  readonly warn?: (message: string) => void;
}

const RULE_PATH = /^[^*]*(\*[^/]*)?$/;

/** Parses and validates a configuration; throws `ConfigError` naming file, line, column and field. */
export function loadConfig(text: string, filename = 'prometheus.yml', options: LoadOptions = {}): Config {
  const src = new Source(text, filename);
  const root = src.root();
  if (root !== null && !(isScalar(root) && root.value === null) && !isMap(root)) {
    throw src.error(root, '', 'cannot unmarshal the document into the configuration: expected a mapping of sections');
  }
  if (root && isMap(root)) rejectNullSections(src, root);
  const cfg = decodeStruct(src, isMap(root) ? root : null, '', configSchema);
  const ctx = contextOf(cfg)!;
  const global = cfg.global as Obj;

  (cfg.ruleFiles as string[]).forEach((rf, i) => {
    if (!RULE_PATH.test(rf)) throw ctx.child(`rule_files[${i}]`, seqItem(ctx.fieldNode('rule_files'), i)).fail(null, `invalid rule file path ${JSON.stringify(rf)}`);
  });
  (cfg.scrapeConfigFiles as string[]).forEach((sf, i) => {
    if (!RULE_PATH.test(sf)) throw ctx.child(`scrape_config_files[${i}]`, seqItem(ctx.fieldNode('scrape_config_files'), i)).fail(null, `invalid scrape config file path ${JSON.stringify(sf)}`);
  });

  const jobs = new Map<string, string>();
  for (const sc of cfg.scrapeConfigs as Obj[]) {
    const sctx = contextOf(sc)!;
    validateScrapeConfig(sc, global, sctx);
    if (jobs.has(sc.jobName as string)) sctx.fail('job_name', `found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}`);
    jobs.set(sc.jobName as string, 'main config file');
  }

  const scheme = global.metricNameValidationScheme as 'utf8' | 'legacy';
  const alerting = cfg.alerting as Obj;
  validateRules(alerting, 'alert_relabel_configs', 'alertRelabelConfigs', scheme);
  for (const am of alerting.alertmanagers as Obj[]) {
    validateRules(am, 'alert_relabel_configs', 'alertRelabelConfigs', scheme);
    validateRules(am, 'relabel_configs', 'relabelConfigs', scheme);
  }
  const rwNames = new Set<string>();
  for (const rw of cfg.remoteWrite as Obj[]) {
    const name = rw.name as string;
    if (name !== '' && rwNames.has(name)) contextOf(rw)!.fail('name', `found multiple remote write configs with job name ${JSON.stringify(name)}`);
    rwNames.add(name);
    validateRules(rw, 'write_relabel_configs', 'writeRelabelConfigs', scheme);
  }
  const rrNames = new Set<string>();
  for (const rr of cfg.remoteRead as Obj[]) {
    const name = rr.name as string;
    if (name !== '' && rrNames.has(name)) contextOf(rr)!.fail('name', `found multiple remote read configs with job name ${JSON.stringify(name)}`);
    rrNames.add(name);
  }
  const otlp = cfg.otlp as Obj;
  if ((otlp.translationStrategy === 'NoTranslation' || otlp.translationStrategy === 'NoUTF8EscapingWithSuffixes') && scheme === 'legacy') {
    ctx.fail('otlp', `OTLP translation strategy ${JSON.stringify(otlp.translationStrategy)} is not allowed when UTF8 is disabled`);
  }

  const env = options.env ?? process.env;
  const labels = global.externalLabels as Record<string, string>;
  for (const name of Object.keys(labels)) {
    labels[name] = expandEnv(labels[name], (v) => {
      if (v === '$') return '$';
      const x = env[v];
      if (x !== undefined && x !== '') return x;
      options.warn?.(`empty environment variable ${JSON.stringify(v)} in external label ${JSON.stringify(name)}`);
      return '';
    });
  }

  if (options.directory !== undefined) {
    setDirectory(cfg, options.directory);
    readScrapeConfigFiles(cfg, jobs);
  }
  return deepFreeze(cfg) as unknown as Config;
}

/** Reads and loads a configuration file; relative paths in it are taken from the file's folder. */
export function loadConfigFile(path: string, options: Omit<LoadOptions, 'directory'> = {}): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VigilError('bad_data', `cannot read config file ${JSON.stringify(path)}: ${errorMessage(e)}`, { cause: e });
  }
  return loadConfig(text, path, { ...options, directory: dirname(path) });
}

function seqItem(node: Node | null, i: number): Node | null {
  return node && isSeq(node) ? ((node.items[i] as Node | undefined) ?? node) : node;
}

function validateRules(owner: Obj, yamlName: string, prop: string, scheme: 'utf8' | 'legacy'): void {
  const ctx = contextOf(owner)!;
  (owner[prop] as Obj[]).forEach((r, i) => {
    const e = relabelConfigError(r, scheme);
    if (e) {
      const rctx = contextOf(r) ?? ctx.child(`${ctx.path}.${yamlName}[${i}]`, null);
      rctx.fail(e.field && rctx.has(e.field) ? e.field : null, e.why);
    }
  });
}

/** `scrape_configs: [~]` and friends: Prometheus's own words rather than a confusing later error. */
function rejectNullSections(src: Source, root: Node): void {
  const entries = mapEntries(src, root, '');
  const checks: Array<[string, string]> = [
    ['scrape_configs', 'empty or null scrape config section'],
    ['remote_write', 'empty or null remote write config section'],
    ['remote_read', 'empty or null remote read config section'],
  ];
  for (const [key, why] of checks) {
    const seq = entries.get(key)?.value;
    if (!seq || !isSeq(seq)) continue;
    seq.items.forEach((item, i) => {
      const n = src.deref(item);
      if (n === null || (isScalar(n) && n.value === null)) throw src.error((item as Node | null) ?? seq, `${key}[${i}]`, why);
    });
  }
}

/** Go's `os.Expand`: `$VAR`, `${VAR}`, shell-special single characters, `$` kept when nothing follows. */
export function expandEnv(s: string, mapping: (name: string) => string): string {
  let buf = '';
  let i = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] === '$' && j + 1 < s.length) {
      buf += s.slice(i, j);
      const [name, w] = shellName(s.slice(j + 1));
      if (name === '' && w > 0) {
        // Bad syntax: the characters are eaten, as Go does.
      } else if (name === '') {
        buf += s[j];
      } else {
        buf += mapping(name);
      }
      j += w;
      i = j + 1;
    }
  }
  return i === 0 ? s : buf + s.slice(i);
}

function isShellSpecial(c: string): boolean {
  return '*#$@!?-'.includes(c) || (c >= '0' && c <= '9');
}

function shellName(s: string): [string, number] {
  if (s[0] === '{') {
    if (s.length > 2 && isShellSpecial(s[1]) && s[2] === '}') return [s.slice(1, 2), 3];
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '}') {
        if (i === 1) return ['', 2];
        return [s.slice(1, i), i + 1];
      }
    }
    return ['', 1];
  }
  if (isShellSpecial(s[0])) return [s.slice(0, 1), 1];
  let i = 0;
  while (i < s.length && /[A-Za-z0-9_]/.test(s[i])) i++;
  return [s.slice(0, i), i];
}

function joinDir(dir: string, p: string): string {
  if (p === '' || isAbsolute(p)) return p;
  return join(dir, p);
}

function setHTTPClientDirectory(h: Obj | undefined, dir: string): void {
  if (!h) return;
  const tls = h.tlsConfig as Obj;
  for (const k of ['caFile', 'certFile', 'keyFile']) tls[k] = joinDir(dir, tls[k] as string);
  const basic = h.basicAuth as Obj | undefined;
  if (basic) for (const k of ['usernameFile', 'passwordFile']) basic[k] = joinDir(dir, basic[k] as string);
  const authz = h.authorization as Obj | undefined;
  if (authz) authz.credentialsFile = joinDir(dir, authz.credentialsFile as string);
  const oauth2 = h.oauth2 as Obj | undefined;
  if (oauth2) {
    oauth2.client_secret_file = joinDir(dir, (oauth2.client_secret_file as string) ?? '');
    oauth2.client_certificate_key_file = joinDir(dir, (oauth2.client_certificate_key_file as string) ?? '');
    const t = oauth2.tls_config as Obj | undefined;
    if (t) for (const k of ['caFile', 'certFile', 'keyFile']) t[k] = joinDir(dir, t[k] as string);
  }
  const headers = h.httpHeaders as Record<string, Obj> | undefined;
  if (headers) for (const v of Object.values(headers)) v.files = (v.files as string[]).map((f) => joinDir(dir, f));
}

function setSDDirectory(owner: Obj, dir: string): void {
  for (const fsd of owner.fileSDConfigs as Obj[]) fsd.files = (fsd.files as string[]).map((f) => joinDir(dir, f));
  for (const hsd of owner.httpSDConfigs as Obj[]) setHTTPClientDirectory(hsd.httpClient as Obj, dir);
}

function setScrapeConfigDirectory(sc: Obj, dir: string): void {
  setSDDirectory(sc, dir);
  setHTTPClientDirectory(sc.httpClient as Obj, dir);
  sc.scrapeFailureLogFile = joinDir(dir, sc.scrapeFailureLogFile as string);
}

/** Prometheus's `Config.SetDirectory`: every file path relative to the config file's folder. */
function setDirectory(cfg: Obj, dir: string): void {
  const g = cfg.global as Obj;
  g.queryLogFile = joinDir(dir, g.queryLogFile as string);
  g.scrapeFailureLogFile = joinDir(dir, g.scrapeFailureLogFile as string);
  for (const am of (cfg.alerting as Obj).alertmanagers as Obj[]) {
    setSDDirectory(am, dir);
    setHTTPClientDirectory(am.httpClient as Obj, dir);
  }
  const tracing = cfg.tracing as Obj | undefined;
  if (tracing?.tlsConfig) for (const k of ['caFile', 'certFile', 'keyFile']) (tracing.tlsConfig as Obj)[k] = joinDir(dir, (tracing.tlsConfig as Obj)[k] as string);
  cfg.ruleFiles = (cfg.ruleFiles as string[]).map((f) => joinDir(dir, f));
  cfg.scrapeConfigFiles = (cfg.scrapeConfigFiles as string[]).map((f) => joinDir(dir, f));
  for (const sc of cfg.scrapeConfigs as Obj[]) setScrapeConfigDirectory(sc, dir);
  for (const rw of cfg.remoteWrite as Obj[]) setHTTPClientDirectory(rw.httpClient as Obj, dir);
  for (const rr of cfg.remoteRead as Obj[]) setHTTPClientDirectory(rr.httpClient as Obj, dir);
}

/** Prometheus's `GetScrapeConfigs`: each file of `scrape_config_files` adds its scrape configs. */
function readScrapeConfigFiles(cfg: Obj, jobs: Map<string, string>): void {
  const global = cfg.global as Obj;
  const all = cfg.scrapeConfigs as Obj[];
  for (const pattern of cfg.scrapeConfigFiles as string[]) {
    let files: string[];
    try {
      files = glob(pattern);
    } catch (e) {
      throw new VigilError('bad_data', `error retrieving scrape config files for ${JSON.stringify(pattern)}: ${errorMessage(e)}`);
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new VigilError('bad_data', `${JSON.stringify(resolve(file))}: ${errorMessage(e)}`);
      }
      const src = new Source(text, file);
      const root = src.root();
      const part = decodeStruct(src, root && isMap(root) ? root : null, '', scrapeConfigsFileSchema);
      for (const sc of part.scrapeConfigs as Obj[]) {
        const sctx = contextOf(sc)!;
        validateScrapeConfig(sc, global, sctx);
        const first = jobs.get(sc.jobName as string);
        if (first !== undefined) sctx.fail('job_name', `found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}, first found in ${first}`);
        jobs.set(sc.jobName as string, JSON.stringify(resolve(file)));
        setScrapeConfigDirectory(sc, dirname(file));
        all.push(sc);
      }
    }
  }
}

function deepFreeze(o: unknown): unknown {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Obj)) deepFreeze(v);
  }
  return o;
}

/**
 * The loaded configuration as YAML, in Prometheus's field order, as `/api/v1/status/config` shows it:
 * passwords, tokens, credentials and keys printed as `<secret>` (unless `showSecrets`).
 */
export function configToYAML(config: Config, options: { showSecrets?: boolean } = {}): string {
  const plain = encodeStruct(config as unknown as Obj, configSchema, options.showSecrets === true);
  const doc = new Document(plain, { version: '1.1' });
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'source_labels' && isSeq(pair.value)) pair.value.flow = true;
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: false });
}

export type { DecodeContext };
export { ConfigError };
