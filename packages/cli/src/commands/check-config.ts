/**
 * `vigil check config FILE...`: the counterpart of `promtool check config`, with its output and exit codes.
 * For each file, on stdout: `Checking FILE`, warnings, `  SUCCESS: N rule files found`,
 * ` SUCCESS: FILE is valid prometheus config file syntax`, then each rule file checked in turn
 * (`  SUCCESS: N rules found`); failures go to stderr as `  FAILED: why` (our messages name file, line,
 * column and field). Exit code 1 when anything failed, 3 for lint problems only with `--lint-fatal`.
 *
 * Beyond the syntax it checks, as promtool does: rule files exist and parse (groups, rules, PromQL
 * expressions, labels), credentials and TLS files exist, file_sd files parse and their targets relabel.
 * Not checked (promtool checks them): the Go templates of alerting rule annotations.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair } from 'yaml';
import { errorMessage, isValidLabelName, isValidMetricName } from '@vigil/model';
import { parseExpr } from '@vigil/promql';
import { loadConfigFile, populateLabels, readGroupsFile, glob, type Config, type ScrapeConfig } from '@vigil/scrape';
import type { Command } from '../command.js';

const SUCCESS = 0;
const FAILURE = 1;
const LINT_FATAL = 3;

class LintError extends Error {}

function statError(path: string): string | undefined {
  try {
    statSync(path);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `stat ${path}: no such file or directory` : `stat ${path}: ${errorMessage(e)}`;
  }
}

function checkTargets(sc: ScrapeConfig, groups: ReadonlyArray<{ targets: readonly string[]; labels: Readonly<Record<string, string>> }>, source: (i: number) => string): void {
  groups.forEach((g, gi) => {
    g.targets.forEach((t, i) => {
      const r = populateLabels(sc, { __address__: t }, g.labels);
      if (r.kind === 'error') throw new Error(`instance ${i} in group ${source(gi)}: ${r.error}`);
    });
  });
}

/** promtool's `checkConfig`: loads the file, then checks what it points to. Returns the rule files. */
function checkConfig(file: string, syntaxOnly: boolean, agent: boolean, out: (s: string) => void): string[] {
  out(`Checking ${file}\n`);
  const cfg: Config = loadConfigFile(file);
  if (agent) {
    if (cfg.alerting.alertmanagers.length > 0 || cfg.alerting.alertRelabelConfigs.length > 0) throw new Error('field alerting is not allowed in agent mode');
    if (cfg.ruleFiles.length > 0) throw new Error('field rule_files is not allowed in agent mode');
    if (cfg.remoteRead.length > 0) throw new Error('field remote_read is not allowed in agent mode');
  }
  const ruleFiles: string[] = [];
  if (!syntaxOnly) {
    for (const rf of cfg.ruleFiles) {
      const found = glob(rf);
      if (!rf.includes('*')) {
        if (found.length === 0) throw new Error(`${JSON.stringify(rf)} does not point to an existing file`);
      }
      ruleFiles.push(...found);
    }
  }
  for (const sc of cfg.scrapeConfigs) {
    const cred = sc.httpClient.authorization?.credentialsFile ?? '';
    if (!syntaxOnly && cred !== '') {
      const e = statError(cred);
      if (e) throw new Error(`error checking authorization credentials or bearer token file ${JSON.stringify(cred)}: ${e}`);
    }
    const tls = sc.httpClient.tlsConfig;
    if (!syntaxOnly) {
      for (const [path, what] of [[tls.certFile, 'client cert'], [tls.keyFile, 'client key']] as const) {
        if (path === '') continue;
        const e = statError(path);
        if (e) throw new Error(`error checking ${what} file ${JSON.stringify(path)}: ${e}`);
      }
      for (const fsd of sc.fileSDConfigs) {
        for (const pattern of fsd.files) {
          const files = glob(pattern);
          if (files.length === 0) {
            out(`  WARNING: file ${JSON.stringify(pattern)} for file_sd in scrape job ${JSON.stringify(sc.jobName)} does not exist\n`);
            continue;
          }
          for (const f of files) {
            let groups;
            try {
              groups = readGroupsFile(f);
            } catch (e) {
              throw new Error(`checking SD file ${JSON.stringify(pattern)}: ${errorMessage(e)}`);
            }
            checkTargets(sc, groups, (i) => `${f}:${i}`);
          }
        }
      }
    }
    checkTargets(sc, sc.staticConfigs, (i) => String(i));
  }
  if (!syntaxOnly) {
    for (const am of cfg.alerting.alertmanagers) {
      for (const fsd of am.fileSDConfigs) {
        for (const pattern of fsd.files) {
          const files = glob(pattern);
          if (files.length === 0) {
            out(`  WARNING: file ${JSON.stringify(pattern)} for file_sd in alertmanager config does not exist\n`);
            continue;
          }
          for (const f of files) {
            try {
              readGroupsFile(f);
            } catch (e) {
              throw new Error(`checking SD file ${JSON.stringify(pattern)}: ${errorMessage(e)}`);
            }
          }
        }
      }
    }
  }
  return ruleFiles;
}

// ---- rule files (as promtool's rulefmt) ---------------------------------------------------------

interface RuleNode {
  readonly fields: Map<string, { key: Node; value: Node | null }>;
}

const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'rules', 'labels']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

function scalarText(n: Node | null | undefined): string {
  if (!n || !isScalar(n) || n.value === null) return '';
  return typeof n.source === 'string' && n.type === 'PLAIN' ? n.source : String(n.value);
}

/** Parses and checks one rule file; returns the number of rules, or the errors as promtool words them. */
export function checkRuleFile(file: string, lintDuplicates: boolean): { rules: number; errors: Error[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { rules: 0, errors: [new Error(`${file}: ${errorMessage(e)}`)] };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const p = e.linePos?.[0] ?? { line: 0, col: 0 };
    return { rules: 0, errors: [new Error(`${file}: ${p.line}:${p.col}: ${e.message.split('\n')[0]}`)] };
  }
  const pos = (n: Node | null | undefined) => {
    const p = n?.range ? lc.linePos(n.range[0]) : { line: 0, col: 0 };
    return `${p.line}:${p.col}`;
  };
  const errors: Error[] = [];
  const fail = (n: Node | null | undefined, msg: string) => errors.push(new Error(`${file}: ${pos(n)}: ${msg}`));
  const mapOf = (n: Node | null | undefined, allowed: Set<string>, what: string): RuleNode | undefined => {
    if (!n || !isMap(n)) {
      fail(n, `${what} must be a mapping`);
      return undefined;
    }
    const fields = new Map<string, { key: Node; value: Node | null }>();
    for (const p of n.items as Pair<Node, Node | null>[]) {
      const k = scalarText(p.key);
      if (!allowed.has(k)) fail(p.key, `field ${k} not found in type rulefmt.${what === 'group' ? 'RuleGroup' : 'RuleNode'}`);
      fields.set(k, { key: p.key, value: p.value ?? null });
    }
    return { fields };
  };
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return { rules: 0, errors: [] };
  const top = mapOf(root, new Set(['groups']), 'file');
  if (!top) return { rules: 0, errors };
  const groupsNode = top.fields.get('groups')?.value ?? null;
  if (groupsNode !== null && !isSeq(groupsNode)) {
    fail(groupsNode, 'groups must be a list');
    return { rules: 0, errors };
  }
  let rules = 0;
  const names = new Set<string>();
  const recorded = new Map<string, number>();
  for (const gNode of groupsNode?.items ?? []) {
    const g = mapOf(gNode as Node, GROUP_FIELDS, 'group');
    if (!g) continue;
    const nameNode = g.fields.get('name')?.value ?? null;
    const name = scalarText(nameNode);
    if (name === '') fail(nameNode ?? (gNode as Node), 'Groupname must not be empty');
    if (names.has(name)) fail(nameNode, `groupname: ${JSON.stringify(name)} is repeated in the same file`);
    names.add(name);
    const rulesNode = g.fields.get('rules')?.value ?? null;
    const items = rulesNode && isSeq(rulesNode) ? rulesNode.items : [];
    items.forEach((rNode, i) => {
      rules++;
      const r = mapOf(rNode as Node, RULE_FIELDS, 'rule');
      if (!r) return;
      const f = (k: string) => r.fields.get(k)?.value ?? null;
      const record = scalarText(f('record'));
      const alert = scalarText(f('alert'));
      const ruleFail = (n: Node | null, msg: string) => fail(n ?? (rNode as Node), `group ${JSON.stringify(name)}, rule ${i + 1}, ${JSON.stringify(alert || record)}: ${msg}`);
      if (record !== '' && alert !== '') ruleFail(f('record'), "only one of 'record' and 'alert' must be set");
      if (record === '' && alert === '') ruleFail(f('record') ?? f('alert'), "one of 'record' or 'alert' must be set");
      const expr = scalarText(f('expr'));
      if (expr === '') ruleFail(f('expr'), "field 'expr' must be set in rule");
      else {
        try {
          parseExpr(expr);
        } catch (e) {
          ruleFail(f('expr'), `could not parse expression: ${errorMessage(e)}`);
        }
      }
      if (record !== '') {
        if (r.fields.has('annotations')) ruleFail(f('record'), "invalid field 'annotations' in recording rule");
        if (r.fields.has('for')) ruleFail(f('record'), "invalid field 'for' in recording rule");
        if (r.fields.has('keep_firing_for')) ruleFail(f('record'), "invalid field 'keep_firing_for' in recording rule");
        if (!isValidMetricName(record)) ruleFail(f('record'), `invalid recording rule name: ${record}`);
      }
      const labels = f('labels');
      const labelPairs: string[] = [];
      if (labels && isMap(labels)) {
        for (const p of labels.items as Pair<Node, Node | null>[]) {
          const k = scalarText(p.key);
          if (!isValidLabelName(k) || k === '__name__') ruleFail(p.key, `invalid label name: ${k}`);
          labelPairs.push(`${k}=${scalarText(p.value)}`);
        }
      }
      const annotations = f('annotations');
      if (annotations && isMap(annotations)) {
        for (const p of annotations.items as Pair<Node, Node | null>[]) {
          const k = scalarText(p.key);
          if (!isValidLabelName(k)) ruleFail(p.key, `invalid annotation name: ${k}`);
        }
      }
      if (record !== '') {
        const key = `${record}\u0000${labelPairs.sort().join('\u0000')}`;
        recorded.set(key, (recorded.get(key) ?? 0) + 1);
      }
    });
  }
  if (errors.length === 0 && lintDuplicates) {
    const dups = [...recorded].filter(([, n]) => n > 1);
    if (dups.length > 0) {
      let msg = `${dups.length} duplicate rule(s) found.\n`;
      for (const [key] of dups) {
        const [metric, ...labels] = key.split('\u0000');
        msg += `Metric: ${metric}\nLabel(s):\n`;
        for (const l of labels.filter((x) => x !== '')) {
          const eq = l.indexOf('=');
          msg += `\t${l.slice(0, eq)}: ${l.slice(eq + 1)}\n`;
        }
      }
      msg += 'Might cause inconsistency while recording expressions';
      return { rules: 0, errors: [new LintError(`lint error ${msg}`)] };
    }
  }
  return { rules, errors };
}

export const checkConfigCommand: Command = {
  path: ['check', 'config'],
  summary: 'Check if the config files are valid or not (as promtool check config).',
  flags: [
    { name: 'syntax-only', type: 'bool', help: 'Only check the config file syntax, ignoring file and content validation referenced in the config' },
    { name: 'lint', type: 'string', default: 'duplicate-rules', placeholder: 'duplicate-rules', help: 'Linting checks to apply to the rules specified in the config. Available options are: all, duplicate-rules, none. Use --lint=none to disable linting' },
    { name: 'lint-fatal', type: 'bool', help: 'Make lint errors exit with exit code 3.' },
    { name: 'agent', type: 'bool', help: 'Check config file for Prometheus in Agent mode.' },
    { name: 'extended', type: 'bool', help: 'Print extended information related to the cardinality of the metrics (accepted; nothing extra is printed).' },
  ],
  args: [{ name: 'config-files', help: 'The config files to check.', required: true, rest: true }],
  async run(ctx) {
    const lint = ctx.flags.string('lint');
    if (!['all', 'duplicate-rules', 'none'].includes(lint)) {
      ctx.stderr.write(`vigil check config: error: invalid value ${JSON.stringify(lint)} for flag --lint: expected all, duplicate-rules or none\n`);
      return 2;
    }
    for (const f of ctx.args) {
      if (!existsSync(f)) {
        ctx.stderr.write(`vigil check config: error: path '${f}' does not exist, try --help\n`);
        return FAILURE;
      }
    }
    const out = (s: string) => ctx.stdout.write(s);
    let failed = false;
    let hasErrors = false;
    for (const file of ctx.args) {
      let ruleFiles: string[] = [];
      try {
        ruleFiles = checkConfig(file, ctx.flags.bool('syntax-only'), ctx.flags.bool('agent'), out);
        if (ruleFiles.length > 0) out(`  SUCCESS: ${ruleFiles.length} rule files found\n`);
        out(` SUCCESS: ${file} is valid prometheus config file syntax\n`);
      } catch (e) {
        ctx.stderr.write(`  FAILED: ${errorMessage(e)}\n`);
        failed = true;
        hasErrors = true;
      }
      out('\n');
      for (const rf of ruleFiles) {
        out(`Checking ${rf}\n`);
        const r = checkRuleFile(rf, lint !== 'none');
        if (r.errors.length > 0) {
          ctx.stderr.write('  FAILED:\n');
          for (const e of r.errors) ctx.stderr.write(`     ${e.message}\n`);
          failed = true;
          if (r.errors.some((e) => !(e instanceof LintError))) hasErrors = true;
        } else {
          out(`  SUCCESS: ${r.rules} rules found\n`);
        }
        out('\n');
      }
    }
    if (failed && hasErrors) return FAILURE;
    if (failed && ctx.flags.bool('lint-fatal')) return LINT_FATAL;
    return SUCCESS;
  },
};
