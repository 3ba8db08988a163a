/**
 * `vigil check config` against the real thing: the built CLI and Debian's `promtool check config` (2.42)
 * run on the same files must give the same verdict (exit code, SUCCESS/FAILED lines, warnings, rule
 * file counts). The reasons are ours (they name file, line and field), so only their presence is
 * compared. Cases avoid what 2.42 and 3.x judge differently (e.g. UTF-8 label names, scrape_config_files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireProgram, runProgram, tempDir } from '@vigil/testkit';

const vigil = join(repoRoot(), 'packages', 'cli', 'bin', 'vigil.js');

/** Files written into a fresh directory; `prometheus.yml` is checked (or the listed files). */
interface Case {
  readonly name: string;
  readonly files: Readonly<Record<string, string>>;
  readonly check?: readonly string[];
  readonly flags?: readonly string[];
}

const GOOD_RULES = 'groups:\n- name: g\n  rules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n  - alert: Down\n    expr: up == 0\n    for: 5m\n    labels: {severity: page}\n    annotations: {summary: down}\n';

const cases: Case[] = [
  { name: 'minimal', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  static_configs: [{targets: ["localhost:9090"]}]\n' } },
  { name: 'empty file', files: { 'prometheus.yml': '' } },
  { name: 'everything common', files: {
    'prometheus.yml': [
      'global: {scrape_interval: 15s, evaluation_interval: 30s, external_labels: {dc: eu1}}',
      'rule_files: [rules.yml, "more/*.yml"]',
      'alerting:',
      '  alertmanagers: [{static_configs: [{targets: ["am:9093"]}]}]',
      'scrape_configs:',
      '- job_name: node',
      '  scrape_timeout: 5s',
      '  basic_auth: {username: u, password: p}',
      '  relabel_configs:',
      '  - {source_labels: [__address__], regex: "(.*):.*", target_label: host}',
      '  - {action: hashmod, source_labels: [__address__], modulus: 2, target_label: __tmp}',
      '  - {action: keep, source_labels: [__tmp], regex: "0|1"}',
      '  metric_relabel_configs: [{action: labeldrop, regex: "tmp_.*"}]',
      '  static_configs: [{targets: ["h1:9100", "h2:9100"], labels: {env: prod}}]',
      '  file_sd_configs: [{files: ["sd/*.json"]}]',
      'remote_write: [{url: "http://rw:9201/write", queue_config: {max_shards: 5}}]',
      'remote_read: [{url: "http://rr:9201/read"}]',
      '',
    ].join('\n'),
    'rules.yml': GOOD_RULES,
    'more/x.yml': 'groups:\n- name: x\n  rules:\n  - record: a:b\n    expr: vector(1)\n',
    'sd/t.json': '[{"targets": ["h3:9100"], "labels": {"zone": "a"}}]',
  } },
  { name: 'file_sd file missing: a warning', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: [nothere/*.json]}]\n' } },
  { name: 'bad duration', files: { 'prometheus.yml': 'global:\n  scrape_interval: 5x\n' } },
  { name: 'unknown field', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  scrap_interval: 5s\n' } },
  { name: 'duplicate job', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n- job_name: a\n' } },
  { name: 'timeout above interval', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n  scrape_timeout: 6s\n' } },
  { name: 'bad relabel regex', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  relabel_configs: [{source_labels: [a], regex: "(x", target_label: b}]\n' } },
  { name: 'hashmod without modulus', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  relabel_configs: [{action: hashmod, source_labels: [a], target_label: b}]\n' } },
  { name: 'unknown relabel action', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  relabel_configs: [{action: nope}]\n' } },
  { name: 'URL as target', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  static_configs: [{targets: ["http://h:9100/metrics"]}]\n' } },
  { name: 'URL as target fixed by relabeling', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  static_configs: [{targets: ["http://h:9100/metrics"]}]\n  relabel_configs: [{target_label: __address__, replacement: "h:9100"}]\n' } },
  { name: 'relabeling empties the address', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  static_configs: [{targets: ["h:1"]}]\n  relabel_configs: [{target_label: __address__, replacement: ""}]\n' } },
  { name: 'two auth methods', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  basic_auth: {username: u}\n  bearer_token: t\n' } },
  { name: 'credentials file missing', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  authorization: {credentials_file: nothere.txt}\n' } },
  { name: 'credentials file present', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  bearer_token_file: tok.txt\n', 'tok.txt': 'secret\n' } },
  { name: 'client cert file missing', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  tls_config: {cert_file: c.pem, key_file: k.pem}\n' } },
  { name: 'rule file missing', files: { 'prometheus.yml': 'rule_files: [nothere.yml]\n' } },
  { name: 'rule glob matching nothing is fine', files: { 'prometheus.yml': 'rule_files: ["none/*.yml"]\n' } },
  { name: 'bad rule expression', files: { 'prometheus.yml': 'rule_files: [r.yml]\n', 'r.yml': 'groups:\n- name: g\n  rules:\n  - record: x\n    expr: "up +"\n' } },
  { name: 'recording rule with for', files: { 'prometheus.yml': 'rule_files: [r.yml]\n', 'r.yml': 'groups:\n- name: g\n  rules:\n  - record: x\n    expr: up\n    for: 1m\n' } },
  { name: 'repeated group name', files: { 'prometheus.yml': 'rule_files: [r.yml]\n', 'r.yml': 'groups:\n- name: g\n  rules: []\n- name: g\n  rules: []\n' } },
  { name: 'duplicate recording rules (lint, exit 0)', files: { 'prometheus.yml': 'rule_files: [r.yml]\n', 'r.yml': 'groups:\n- name: g\n  rules:\n  - record: x\n    expr: up\n  - record: x\n    expr: up\n' } },
  { name: 'duplicate recording rules with --lint-fatal', flags: ['--lint-fatal'], files: { 'prometheus.yml': 'rule_files: [r.yml]\n', 'r.yml': 'groups:\n- name: g\n  rules:\n  - record: x\n    expr: up\n  - record: x\n    expr: up\n' } },
  { name: '--syntax-only skips files', flags: ['--syntax-only'], files: { 'prometheus.yml': 'rule_files: [nothere.yml]\nscrape_configs:\n- job_name: a\n  authorization: {credentials_file: nothere.txt}\n' } },
  { name: 'agent mode refuses rule files', flags: ['--agent'], files: { 'prometheus.yml': 'rule_files: [r.yml]\n', 'r.yml': GOOD_RULES } },
  { name: 'bad SD file', files: { 'prometheus.yml': 'scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: [t.json]}]\n', 't.json': '[{"targets": ["a:1"], "extra": 1}]' } },
  { name: 'several files, one bad', check: ['good.yml', 'bad.yml', 'good.yml'], files: { 'good.yml': 'scrape_configs:\n- job_name: a\n', 'bad.yml': 'global: {scrape_interval: x}\n' } },
];

/** What both tools must agree on: exit code, and stdout/stderr with the reasons blanked out. */
function verdict(r: { status: number | null; stdout: string; stderr: string }): string {
  const stderr = r.stderr
    .split('\n')
    .filter((l) => /^ {2}FAILED:/.test(l))
    .map((l) => l.replace(/FAILED:.*/, 'FAILED'));
  return JSON.stringify({ status: r.status, stdout: r.stdout.split('\n'), failed: stderr });
}

test('vigil check config gives the verdicts of promtool check config 2.42', { timeout: 120_000 }, () => {
  const promtool = requireProgram('promtool', 'prometheus');
  const wrong: string[] = [];
  for (const c of cases) {
    const dir = tempDir('vigil-checkconfig-');
    try {
      for (const [name, text] of Object.entries(c.files)) {
        mkdirSync(join(dir.path, name, '..'), { recursive: true });
        writeFileSync(join(dir.path, name), text);
      }
      const files = c.check ?? ['prometheus.yml'];
      const args = ['check', 'config', ...(c.flags ?? []), ...files];
      const theirs = runProgram(promtool, args, undefined, dir.path);
      const ours = runProgram(process.execPath, [vigil, ...args], undefined, dir.path);
      if (verdict(ours) !== verdict(theirs)) {
        wrong.push(`${c.name}:\n  promtool (${theirs.status}): ${JSON.stringify(theirs.stdout)} ${JSON.stringify(theirs.stderr)}\n  vigil    (${ours.status}): ${JSON.stringify(ours.stdout)} ${JSON.stringify(ours.stderr)}`);
      }
    } finally {
      dir.cleanup();
    }
  }
  assert.equal(wrong.join('\n'), '');
});

test('vigil check config names file, line and field in its reasons', () => {
  const dir = tempDir('vigil-checkconfig-');
  try {
    writeFileSync(join(dir.path, 'prometheus.yml'), 'scrape_configs:\n- job_name: a\n  scrape_interval: 5x\n');
    const r = runProgram(process.execPath, [vigil, 'check', 'config', 'prometheus.yml'], undefined, dir.path);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, 'Checking prometheus.yml\n\n');
    assert.equal(r.stderr, '  FAILED: prometheus.yml:3:20: scrape_configs[0].scrape_interval: not a valid duration string: "5x"\n');
    writeFileSync(join(dir.path, 'r.yml'), 'groups:\n- name: g\n  rules:\n  - record: x\n    expr: "up +"\n');
    writeFileSync(join(dir.path, 'prometheus.yml'), 'rule_files: [r.yml]\n');
    const r2 = runProgram(process.execPath, [vigil, 'check', 'config', 'prometheus.yml'], undefined, dir.path);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /^ {2}FAILED:\n {5}.*r\.yml: 5:11: group "g", rule 1, "x": could not parse expression: 1:5: parse error: /);
  } finally {
    dir.cleanup();
  }
});
