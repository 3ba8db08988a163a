import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizeYaml } from './yaml-tokens.js';

const YAML = `global:
  scrape_interval: 15s # how often
  external_labels: {a: "b", c: 'd'}
scrape_configs:
  - job_name: "prometheus"
    honor_labels: true
    sample_limit: 0
    static_configs:
      - targets: ['localhost:9090', "<script>"]
    params: ~
`;

test('the tokens cover the input exactly', () => {
  assert.equal(tokenizeYaml(YAML).map((t) => t.text).join(''), YAML);
});

test('keys, scalars and comments get their kinds', () => {
  const toks = tokenizeYaml(YAML).filter((t) => t.kind !== 'text');
  const find = (text: string) => toks.find((t) => t.text === text)?.kind;
  const cases: [string, string][] = [
    ['global', 'key'],
    ['scrape_interval', 'key'],
    ['15s', 'string'],
    ['# how often', 'comment'],
    ['"prometheus"', 'string'],
    ['true', 'bool'],
    ['0', 'number'],
    ["'localhost:9090'", 'string'],
    ['"<script>"', 'string'],
    ['-', 'punct'],
    ['~', 'null'],
    ['job_name', 'key'],
  ];
  for (const [text, kind] of cases) assert.equal(find(text), kind, text);
});
