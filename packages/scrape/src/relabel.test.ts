import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Labels } from '@vigil/model';
import { loadConfig, relabel, hashMod, expandTemplate, type RelabelConfig } from './index.js';

/** Rules as a user writes them, read through the config loader (so defaults and checks apply). */
function rules(yaml: string, scheme: 'utf8' | 'legacy' = 'utf8'): readonly RelabelConfig[] {
  const indented = yaml.trim().split('\n').map((l) => '    ' + l).join('\n');
  return loadConfig(`scrape_configs:\n- job_name: t\n  metric_name_validation_scheme: ${scheme}\n  relabel_configs:\n${indented}\n`).scrapeConfigs[0].relabelConfigs;
}

type Case = [name: string, input: Record<string, string>, yaml: string, want: Record<string, string> | 'dropped', scheme?: 'utf8' | 'legacy'];

const cases: Case[] = [
  ['replace copies with the defaults', { a: 'x' }, '- {source_labels: [a], target_label: b}', { a: 'x', b: 'x' }],
  ['replace with groups', { addr: 'host:9100' }, '- {source_labels: [addr], regex: "(.+):(\\\\d+)", replacement: "$2-$1", target_label: r}', { addr: 'host:9100', r: '9100-host' }],
  ['no match leaves labels alone', { a: 'x' }, '- {source_labels: [a], regex: "y", target_label: b, replacement: z}', { a: 'x' }],
  ['the regex is anchored', { a: 'abc' }, '- {source_labels: [a], regex: "b", target_label: m, replacement: yes}', { a: 'abc' }],
  ['dot matches a newline', { a: 'x\ny' }, '- {source_labels: [a], regex: "x.y", target_label: m, replacement: yes}', { a: 'x\ny', m: 'yes' }],
  ['an empty result deletes the target', { a: '', b: 'old' }, '- {source_labels: [a], target_label: b}', { b: '' }],
  ['$1x names group "1x", which is empty', { a: 'v' }, '- {source_labels: [a], target_label: b, replacement: "$1x"}', { a: 'v' }],
  ['${1}x is group 1 then x', { a: 'v' }, '- {source_labels: [a], target_label: b, replacement: "${1}x"}', { a: 'v', b: 'vx' }],
  ['$$ is a dollar', { a: 'v' }, '- {source_labels: [a], target_label: b, replacement: "$$1"}', { a: 'v', b: '$1' }],
  ['named groups', { a: 'h:1' }, '- {source_labels: [a], regex: "(?P<host>[^:]+):(?P<port>\\\\d+)", target_label: b, replacement: "${port}/$host"}', { a: 'h:1', b: '1/h' }],
  ['a malformed reference stays as text', { a: 'v' }, '- {source_labels: [a], target_label: b, replacement: "${1"}', { a: 'v', b: '${1' }],
  ['values are joined with the separator, absent ones empty', { a: '1', c: '3' }, '- {source_labels: [a, b, c], separator: "|", target_label: j}', { a: '1', c: '3', j: '1||3' }],
  ['the target label may use groups', { a: 'env=prod' }, '- {source_labels: [a], regex: "(\\\\w+)=(\\\\w+)", target_label: "${1}", replacement: "$2"}', { a: 'env=prod', env: 'prod' }],
  ['a target that expands to an invalid name (legacy) does nothing', { a: 'x-y' }, '- {source_labels: [a], regex: "(.*)", target_label: "${1}", replacement: v}', { a: 'x-y' }, 'legacy'],
  ['a target that expands to a UTF-8 name is set (utf8)', { a: 'x-y' }, '- {source_labels: [a], regex: "(.*)", target_label: "${1}", replacement: v}', { a: 'x-y', 'x-y': 'v' }],
  ['keep keeps matches', { a: 'web' }, '- {action: keep, source_labels: [a], regex: "web|api"}', { a: 'web' }],
  ['keep drops the rest', { a: 'db' }, '- {action: keep, source_labels: [a], regex: "web|api"}', 'dropped'],
  ['drop drops matches', { a: 'db' }, '- {action: drop, source_labels: [a], regex: "d.*"}', 'dropped'],
  ['drop on an absent label matches the empty string', {}, '- {action: drop, source_labels: [a], regex: ""}', 'dropped'],
  ['keepequal keeps equal', { a: 'x', b: 'x' }, '- {action: keepequal, source_labels: [a], target_label: b}', { a: 'x', b: 'x' }],
  ['keepequal drops unequal', { a: 'x', b: 'y' }, '- {action: keepequal, source_labels: [a], target_label: b}', 'dropped'],
  ['dropequal drops equal', { a: 'x', b: 'x' }, '- {action: dropequal, source_labels: [a], target_label: b}', 'dropped'],
  ['dropequal keeps unequal', { a: 'x' }, '- {action: dropequal, source_labels: [a], target_label: b}', { a: 'x' }],
  ['hashmod as Prometheus (md5, last 8 bytes)', { __address__: '127.0.0.1:9100' }, '- {action: hashmod, source_labels: [__address__], modulus: 4, target_label: s}', { __address__: '127.0.0.1:9100', s: '2' }],
  ['hashmod of joined values', { a: 'a', b: 'b' }, '- {action: hashmod, source_labels: [a, b], modulus: 1000, target_label: s}', { a: 'a', b: 'b', s: '74' }],
  ['labelmap copies matching names', { __meta_x_zone: 'z1', __meta_x_rack: 'r2', job: 'j' }, '- {action: labelmap, regex: "__meta_x_(.+)"}', { __meta_x_zone: 'z1', __meta_x_rack: 'r2', job: 'j', zone: 'z1', rack: 'r2' }],
  ['labelmap with a replacement template', { a_1: 'v' }, '- {action: labelmap, regex: "a_(\\\\d)", replacement: "b_${1}_c"}', { a_1: 'v', b_1_c: 'v' }],
  ['labeldrop removes matching names', { tmp_a: '1', tmp_b: '2', keep: '3' }, '- {action: labeldrop, regex: "tmp_.*"}', { keep: '3' }],
  ['labelkeep keeps matching names', { __name__: 'm', a: '1', b: '2' }, '- {action: labelkeep, regex: "__name__|a"}', { __name__: 'm', a: '1' }],
  ['lowercase', { a: 'MiXeD' }, '- {action: lowercase, source_labels: [a], target_label: l}', { a: 'MiXeD', l: 'mixed' }],
  ['uppercase', { a: 'MiXeD', b: 'x' }, '- {action: uppercase, source_labels: [a, b], target_label: u}', { a: 'MiXeD', b: 'x', u: 'MIXED;X' }],
  ['rules apply in order', { a: '1' }, '- {source_labels: [a], target_label: b}\n- {source_labels: [b], regex: "1", target_label: c, replacement: one}\n- {action: labeldrop, regex: a}', { b: '1', c: 'one' }],
  ['RE2 syntax: escaped punctuation and POSIX classes', { a: 'x-1' }, '- {source_labels: [a], regex: "x\\\\-[[:digit:]]+", target_label: m, replacement: ok}', { a: 'x-1', m: 'ok' }],
  ['case-insensitive flag', { a: 'WEB' }, '- {action: keep, source_labels: [a], regex: "(?i)web"}', { a: 'WEB' }],
];

test('relabeling: every action and its defaults', () => {
  const wrong: string[] = [];
  for (const [name, input, yaml, want, scheme] of cases) {
    const out = relabel(Labels.fromObject(input), rules(yaml, scheme));
    const got = out === undefined ? 'dropped' : out.toObject();
    const expected = want === 'dropped' ? 'dropped' : Labels.fromObject(want).toObject();
    try {
      assert.deepEqual(got, expected);
    } catch {
      wrong.push(`${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('hashmod agrees with md5 computed elsewhere (Python hashlib)', () => {
  const known: Array<[string, number, bigint]> = [['127.0.0.1:9100', 4, 2n], ['10.0.0.1:80', 3, 1n], ['a;b', 1000, 74n], ['', 7, 1n], ['node-17.example.com:9100', 16, 10n]];
  for (const [v, m, want] of known) assert.equal(hashMod(v, m), want, v);
});

test('template expansion follows Go Regexp.Expand', () => {
  const m = /^(?<first>a)(b)?(c)$/u.exec('ac')!;
  const cases: Array<[string, string]> = [
    ['$1', 'a'], ['${1}', 'a'], ['$2', ''], ['$3', 'c'], ['$9', ''], ['$first', 'a'], ['${first}!', 'a!'], ['$nope', ''],
    ['$$', '$'], ['$', '$'], ['x$', 'x$'], ['$!', '$!'], ['${', '${'], ['${}', '${}'], ['$01', ''], ['$1$3', 'ac'], ['${1}0', 'a0'], ['$10', ''],
  ];
  for (const [tpl, want] of cases) assert.equal(expandTemplate(tpl, m), want, tpl);
});
