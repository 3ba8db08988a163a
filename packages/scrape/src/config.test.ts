import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@vigil/testkit';
import { loadConfig, loadConfigFile, configToYAML, expandEnv, ConfigError, type Config } from './index.js';

test('an empty file gives Prometheus 3.x defaults', () => {
  for (const text of ['', '# nothing\n', 'global:\n', 'global: {}\n']) {
    const c = loadConfig(text);
    assert.equal(c.global.scrapeInterval, 60_000, text);
    assert.equal(c.global.scrapeTimeout, 10_000);
    assert.equal(c.global.evaluationInterval, 60_000);
    assert.deepEqual(c.global.externalLabels, {});
    assert.equal(c.global.scrapeProtocols, undefined);
    assert.equal(c.global.metricNameValidationScheme, 'utf8');
    assert.deepEqual(c.scrapeConfigs, []);
    assert.deepEqual(c.ruleFiles, []);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.global));
  }
});

test('scrape config defaults, and values inherited from global', () => {
  const c = loadConfig(`
global:
  scrape_interval: 15s
  sample_limit: 100
  body_size_limit: 10MB
scrape_configs:
  - job_name: a
  - job_name: b
    scrape_interval: 5s
    sample_limit: 7
  - job_name: c
    scrape_interval: 30s
    scrape_timeout: 30s
`);
  const [a, b, cc] = c.scrapeConfigs;
  assert.equal(a.scrapeInterval, 15_000);
  assert.equal(a.scrapeTimeout, 10_000);
  assert.equal(a.metricsPath, '/metrics');
  assert.equal(a.scheme, 'http');
  assert.equal(a.honorTimestamps, true);
  assert.equal(a.honorLabels, false);
  assert.equal(a.enableCompression, true);
  assert.equal(a.httpClient.followRedirects, true);
  assert.equal(a.httpClient.enableHttp2, true);
  assert.equal(a.sampleLimit, 100);
  assert.equal(a.bodySizeLimit, 10 * 1024 * 1024);
  assert.deepEqual(a.scrapeProtocols, ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4']);
  assert.equal(a.metricNameEscapingScheme, 'allow-utf-8');
  // The timeout defaults to the smaller of the global timeout and the job's interval.
  assert.equal(b.scrapeTimeout, 5_000);
  assert.equal(b.sampleLimit, 7);
  assert.equal(cc.scrapeTimeout, 30_000);
});

test('every supported field is read', () => {
  const c = loadConfig(`
global:
  scrape_interval: 30s
  scrape_timeout: 20s
  evaluation_interval: 1m30s
  external_labels: {region: eu, replica: "1"}
  query_log_file: q.log
  scrape_protocols: [PrometheusText0.0.4]
rule_files: [rules/*.yml]
scrape_configs:
  - job_name: full
    honor_labels: yes
    honor_timestamps: false
    track_timestamps_staleness: true
    params: {module: [if_mib], target: [a, b]}
    metrics_path: /probe
    scheme: https
    enable_compression: false
    sample_limit: 1
    label_limit: 2
    label_name_length_limit: 3
    label_value_length_limit: 4
    target_limit: 5
    keep_dropped_targets: 6
    body_size_limit: 1KiB
    fallback_scrape_protocol: PrometheusText0.0.4
    basic_auth: {username: u, password_file: /pw}
    tls_config: {ca_file: /ca, cert_file: /c, key_file: /k, server_name: s, insecure_skip_verify: true, min_version: TLS12}
    follow_redirects: false
    enable_http2: false
    proxy_url: http://proxy:3128
    relabel_configs:
      - {source_labels: [a, b], separator: "-", regex: "x(.*)", target_label: t, replacement: "\${1}y", action: Replace}
      - {action: hashmod, source_labels: [__address__], modulus: 4, target_label: __tmp_shard}
    metric_relabel_configs:
      - {action: labeldrop, regex: "tmp_.*"}
    static_configs:
      - targets: [h1:9100, h2:9100]
        labels: {env: prod}
    file_sd_configs:
      - files: [sd/*.json, sd/x.yml]
        refresh_interval: 30s
    http_sd_configs:
      - url: http://sd.example/targets
        authorization: {credentials: tok}
alerting:
  alertmanagers:
    - static_configs: [{targets: ['am:9093']}]
      timeout: 5s
  alert_relabel_configs: [{action: labeldrop, regex: replica}]
remote_write:
  - url: http://rw.example/api/v1/write
    name: rw1
    queue_config: {max_shards: 10}
remote_read:
  - url: http://rr.example/api/v1/read
    read_recent: true
storage:
  tsdb: {out_of_order_time_window: 10m}
`);
  assert.equal(c.global.scrapeTimeout, 20_000);
  assert.equal(c.global.evaluationInterval, 90_000);
  assert.deepEqual(c.global.externalLabels, { region: 'eu', replica: '1' });
  assert.deepEqual(c.global.scrapeProtocols, ['PrometheusText0.0.4']);
  assert.deepEqual(c.ruleFiles, ['rules/*.yml']);
  const s = c.scrapeConfigs[0];
  assert.equal(s.honorLabels, true);
  assert.equal(s.honorTimestamps, false);
  assert.equal(s.trackTimestampsStaleness, true);
  assert.deepEqual(s.params, { module: ['if_mib'], target: ['a', 'b'] });
  assert.equal(s.metricsPath, '/probe');
  assert.equal(s.scheme, 'https');
  assert.equal(s.enableCompression, false);
  assert.deepEqual([s.sampleLimit, s.labelLimit, s.labelNameLengthLimit, s.labelValueLengthLimit, s.targetLimit, s.keepDroppedTargets, s.bodySizeLimit], [1, 2, 3, 4, 5, 6, 1024]);
  assert.deepEqual(s.scrapeProtocols, ['PrometheusText0.0.4'], 'inherited from global');
  assert.equal(s.fallbackScrapeProtocol, 'PrometheusText0.0.4');
  assert.equal(s.httpClient.basicAuth?.username, 'u');
  assert.equal(s.httpClient.basicAuth?.passwordFile, '/pw');
  assert.equal(s.httpClient.tlsConfig.insecureSkipVerify, true);
  assert.equal(s.httpClient.tlsConfig.minVersion, 'TLS12');
  assert.equal(s.httpClient.followRedirects, false);
  assert.equal(s.httpClient.proxyUrl, 'http://proxy:3128');
  assert.deepEqual(s.relabelConfigs[0].sourceLabels, ['a', 'b']);
  assert.equal(s.relabelConfigs[0].action, 'replace', 'actions are case-insensitive');
  assert.equal(s.relabelConfigs[0].replacement, '${1}y');
  assert.equal(s.relabelConfigs[1].modulus, 4);
  assert.equal(s.relabelConfigs[1].regex, '(.*)');
  assert.equal(s.metricRelabelConfigs[0].action, 'labeldrop');
  assert.deepEqual(s.staticConfigs[0], { targets: ['h1:9100', 'h2:9100'], labels: { env: 'prod' } });
  assert.deepEqual(s.fileSDConfigs[0], { files: ['sd/*.json', 'sd/x.yml'], refreshInterval: 30_000 });
  assert.equal(s.httpSDConfigs[0].refreshInterval, 60_000);
  assert.equal(s.httpSDConfigs[0].httpClient.authorization?.type, 'Bearer');
  assert.equal(c.alerting.alertmanagers[0].timeout, 5_000);
  assert.equal(c.alerting.alertmanagers[0].apiVersion, 'v2');
  assert.equal(c.remoteWrite[0].queueConfig.maxShards, 10);
  assert.equal(c.remoteWrite[0].queueConfig.capacity, 10_000);
  assert.equal(c.remoteWrite[0].remoteTimeout, 30_000);
  assert.equal(c.remoteRead[0].readRecent, true);
  assert.equal(c.storage.tsdb.outOfOrderTimeWindow, 600_000);
});

test('the legacy bearer_token becomes an authorization of type Bearer', () => {
  const s = loadConfig('scrape_configs:\n- job_name: a\n  bearer_token_file: /tok\n').scrapeConfigs[0];
  assert.deepEqual(s.httpClient.authorization, { type: 'Bearer', credentials: '', credentialsFile: '/tok', credentialsRef: '' });
});

test('bad configs are refused with file, line, column, field and Prometheus words', () => {
  const cases: Array<[string, string, string]> = [
    ['bad duration', 'global:\n  scrape_interval: 5x\n', 'prometheus.yml:2:20: global.scrape_interval: not a valid duration string: "5x"'],
    ['unknown top-level field', 'scrape_config:\n  - job_name: a\n', 'prometheus.yml:1:1: scrape_config: field scrape_config not found in type config'],
    ['unknown field in a job', 'scrape_configs:\n  - job_name: a\n    scrap_interval: 5s\n', 'prometheus.yml:3:5: scrape_configs[0].scrap_interval: field scrap_interval not found in type scrape_config'],
    ['unknown field in tls_config', 'scrape_configs:\n- job_name: a\n  tls_config:\n    ca: x\n    cafile: y\n', 'prometheus.yml:5:5: scrape_configs[0].tls_config.cafile: field cafile not found in type tls_config'],
    ['unknown field in a relabel rule', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - target: x\n', 'prometheus.yml:4:5: scrape_configs[0].relabel_configs[0].target: field target not found in type relabel_config'],
    ['job name missing', 'scrape_configs:\n  - scrape_interval: 5s\n', 'prometheus.yml:2:5: scrape_configs[0]: job_name is empty'],
    ['duplicate job', 'scrape_configs:\n- job_name: a\n- job_name: a\n', 'prometheus.yml:3:13: scrape_configs[1].job_name: found multiple scrape configs with job name "a"'],
    ['timeout above interval', 'scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n  scrape_timeout: 6s\n', 'prometheus.yml:4:19: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "a"'],
    ['global timeout above interval', 'global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n', 'prometheus.yml:3:19: global.scrape_timeout: global scrape timeout greater than scrape interval'],
    ['negative limit', 'scrape_configs:\n- job_name: a\n  sample_limit: -1\n', 'prometheus.yml:3:17: scrape_configs[0].sample_limit: cannot unmarshal !!int `-1` into uint'],
    ['string for a bool', 'scrape_configs:\n- job_name: a\n  honor_labels: "true"\n', 'prometheus.yml:3:17: scrape_configs[0].honor_labels: cannot unmarshal !!str `true` into bool'],
    ['list for a string', 'scrape_configs:\n- job_name: [a]\n', 'prometheus.yml:2:13: scrape_configs[0].job_name: cannot unmarshal !!seq into string'],
    ['null job', 'scrape_configs:\n- ~\n', 'prometheus.yml:2:3: scrape_configs[0]: empty or null scrape config section'],
    ['null relabel rule', 'scrape_configs:\n- job_name: a\n  relabel_configs: [~]\n', 'prometheus.yml:3:21: scrape_configs[0].relabel_configs[0]: empty or null target relabeling rule in scrape config'],
    ['url in targets', 'scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ["http://h:80/metrics"]\n', 'prometheus.yml:4:5: scrape_configs[0].static_configs[0]: "http://h:80/metrics" is not a valid hostname'],
    ['unknown relabel action', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: rename\n', 'prometheus.yml:4:13: scrape_configs[0].relabel_configs[0].action: unknown relabel action "rename"'],
    ['bad regex', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - regex: "(a"\n', 'prometheus.yml:4:12: scrape_configs[0].relabel_configs[0].regex: error parsing regexp: invalid regular expression "(a": Invalid regular expression: /(a/su: Unterminated group'],
    ['hashmod without modulus', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: hashmod\n    target_label: x\n', 'prometheus.yml:4:5: scrape_configs[0].relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus'],
    ['replace without target', 'scrape_configs:\n- job_name: a\n  metric_relabel_configs:\n  - source_labels: [a]\n', "prometheus.yml:4:5: scrape_configs[0].metric_relabel_configs[0]: relabel configuration for replace action requires 'target_label' value"],
    ['labeldrop with source labels', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: labeldrop\n    source_labels: [a]\n', "prometheus.yml:4:5: scrape_configs[0].relabel_configs[0]: labeldrop action requires only 'regex', and no other fields"],
    ['keepequal with a regex', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: keepequal\n    source_labels: [a]\n    target_label: b\n    regex: (.*)\n', "prometheus.yml:4:5: scrape_configs[0].relabel_configs[0]: keepequal action requires only 'source_labels' and `target_label`, and no other fields"],
    ['lowercase with replacement', 'scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: lowercase\n    source_labels: [a]\n    target_label: b\n    replacement: x\n', "prometheus.yml:7:18: scrape_configs[0].relabel_configs[0].replacement: 'replacement' can not be set for lowercase action"],
    ['two auths', 'scrape_configs:\n- job_name: a\n  basic_auth: {username: u}\n  bearer_token: t\n', 'prometheus.yml:4:17: scrape_configs[0].bearer_token: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured'],
    ['password and password_file', 'scrape_configs:\n- job_name: a\n  basic_auth: {username: u, password: p, password_file: f}\n', 'prometheus.yml:3:15: scrape_configs[0].basic_auth: at most one of basic_auth password, password_file & password_ref must be configured'],
    ['cert without key', 'scrape_configs:\n- job_name: a\n  tls_config: {cert_file: c}\n', 'prometheus.yml:3:15: scrape_configs[0].tls_config: exactly one of key or key_file must be configured when a client certificate is configured'],
    ['authorization basic', 'scrape_configs:\n- job_name: a\n  authorization: {type: Basic, credentials: x}\n', 'prometheus.yml:3:18: scrape_configs[0].authorization: authorization type cannot be set to "basic", use "basic_auth" instead'],
    ['file_sd bad name', 'scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - files: [targets.txt]\n', 'prometheus.yml:4:13: scrape_configs[0].file_sd_configs[0].files[0]: path name "targets.txt" is not valid for file discovery'],
    ['file_sd without files', 'scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - refresh_interval: 1m\n', 'prometheus.yml:4:5: scrape_configs[0].file_sd_configs[0]: file service discovery config must contain at least one path name'],
    ['http_sd without url', 'scrape_configs:\n- job_name: a\n  http_sd_configs:\n  - refresh_interval: 1m\n', 'prometheus.yml:4:5: scrape_configs[0].http_sd_configs[0]: URL is missing'],
    ['http_sd ftp url', 'scrape_configs:\n- job_name: a\n  http_sd_configs:\n  - url: ftp://x/y\n', "prometheus.yml:4:10: scrape_configs[0].http_sd_configs[0].url: URL scheme must be 'http' or 'https'"],
    ['bad scrape protocol', 'scrape_configs:\n- job_name: a\n  scrape_protocols: [Text]\n', 'prometheus.yml:3:21: scrape_configs[0].scrape_protocols: scrape_protocols: unknown scrape protocol Text, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name "a"'],
    ['empty global protocols', 'global:\n  scrape_protocols: []\n', 'prometheus.yml:2:21: global.scrape_protocols: scrape_protocols cannot be empty for global config'],
    ['bad external label name', 'global:\n  metric_name_validation_scheme: legacy\n  external_labels: {"a-b": x}\n', 'prometheus.yml:3:20: global.external_labels: "a-b" is not a valid label name'],
    ['bad rule file path', 'rule_files: ["a*/b.yml"]\n', 'prometheus.yml:1:14: rule_files[0]: invalid rule file path "a*/b.yml"'],
    ['remote_write without url', 'remote_write:\n- name: x\n', 'prometheus.yml:2:3: remote_write[0]: url for remote_write is empty'],
    ['remote_write duplicate names', 'remote_write:\n- {url: "http://a/", name: x}\n- {url: "http://b/", name: x}\n', 'prometheus.yml:3:28: remote_write[1].name: found multiple remote write configs with job name "x"'],
    ['queue min above max', 'remote_write:\n- url: http://a/\n  queue_config: {min_shards: 5, max_shards: 2}\n', 'prometheus.yml:3:30: remote_write[0].queue_config.min_shards: remote write queue min_shards must not be greater than max_shards'],
    ['alertmanager api v1', 'alerting:\n  alertmanagers:\n  - api_version: v1\n', 'prometheus.yml:3:18: alerting.alertmanagers[0].api_version: expected Alertmanager api version to be one of [v2] but got v1'],
    ['unsupported service discovery', 'scrape_configs:\n- job_name: a\n  kubernetes_sd_configs: [{role: pod}]\n', 'prometheus.yml:3:26: scrape_configs[0].kubernetes_sd_configs: service discovery "kubernetes" is not supported by Vigil (supported: static_configs, file_sd_configs, http_sd_configs)'],
    ['duplicate key', 'global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n', 'prometheus.yml:3:3: global.scrape_interval: key "scrape_interval" already set in map'],
    ['YAML syntax', 'scrape_configs:\n- job_name: a\n   scrape_interval: 5s\n', 'prometheus.yml:2:13: YAML syntax error: Nested mappings are not allowed in compact mappings'],
    ['not a mapping', '- a\n- b\n', 'prometheus.yml:1:1: cannot unmarshal the document into the configuration: expected a mapping of sections'],
  ];
  const wrong: string[] = [];
  for (const [name, text, want] of cases) {
    try {
      loadConfig(text, 'prometheus.yml');
      wrong.push(`${name}: loaded without error`);
    } catch (e) {
      if (!(e instanceof ConfigError) || e.code !== 'bad_data') wrong.push(`${name}: not a ConfigError: ${String(e)}`);
      else if (e.message !== want) wrong.push(`${name}:\n  got  ${e.message}\n  want ${want}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('YAML 1.1 booleans, anchors and merge keys are read as go-yaml reads them', () => {
  const c = loadConfig('scrape_configs:\n- job_name: a\n  honor_labels: on\n  honor_timestamps: no\n');
  assert.equal(c.scrapeConfigs[0].honorLabels, true);
  assert.equal(c.scrapeConfigs[0].honorTimestamps, false);
  const withAnchor = loadConfig('scrape_configs:\n- &job\n  job_name: a\n  scrape_interval: 7s\n- <<: *job\n  job_name: b\n');
  assert.equal(withAnchor.scrapeConfigs[1].scrapeInterval, 7_000);
  assert.equal(withAnchor.scrapeConfigs[1].jobName, 'b');
  // Label values that YAML 1.1 reads as booleans keep their text.
  assert.equal(loadConfig('global:\n  external_labels: {a: yes, b: 0x10}\n').global.externalLabels.a, 'yes');
});

test('external labels expand ${VAR} and $VAR from the environment, $$ is a dollar', () => {
  const warnings: string[] = [];
  const c = loadConfig('global:\n  external_labels:\n    a: ${REGION}-x\n    b: $REGION\n    c: cost$$\n    d: ${MISSING}z\n', 'p.yml', {
    env: { REGION: 'eu' },
    warn: (w) => warnings.push(w),
  });
  assert.deepEqual(c.global.externalLabels, { a: 'eu-x', b: 'eu', c: 'cost$', d: 'z' });
  assert.equal(warnings.length, 1);
  // Go's os.Expand: bad syntax eats characters, a lone trailing dollar stays.
  assert.equal(expandEnv('a${', () => 'X'), 'a');
  assert.equal(expandEnv('a$', () => 'X'), 'a$');
  assert.equal(expandEnv('$1$*', (n) => `<${n}>`), '<1><*>');
  assert.equal(expandEnv('x$-y', (n) => `<${n}>`), 'x<->y');
});

test('loadConfigFile makes paths relative to the file and reads scrape_config_files', () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'jobs'));
    writeFileSync(join(dir.path, 'jobs', 'x.yml'), 'scrape_configs:\n- job_name: extra\n  file_sd_configs: [{files: [t.json]}]\n');
    writeFileSync(join(dir.path, 'prometheus.yml'), [
      'global: {scrape_interval: 20s}',
      'rule_files: [rules/*.yml]',
      'scrape_config_files: [jobs/*.yml]',
      'scrape_configs:',
      '- job_name: main',
      '  file_sd_configs: [{files: [sd/*.json, /abs/t.yml]}]',
      '  tls_config: {ca_file: ca.pem}',
      '  bearer_token_file: tok',
      '',
    ].join('\n'));
    const c = loadConfigFile(join(dir.path, 'prometheus.yml'));
    assert.deepEqual(c.ruleFiles, [join(dir.path, 'rules/*.yml')]);
    const main = c.scrapeConfigs[0];
    assert.deepEqual(main.fileSDConfigs[0].files, [join(dir.path, 'sd/*.json'), '/abs/t.yml']);
    assert.equal(main.httpClient.tlsConfig.caFile, join(dir.path, 'ca.pem'));
    assert.equal(main.httpClient.authorization?.credentialsFile, join(dir.path, 'tok'));
    const extra = c.scrapeConfigs[1];
    assert.equal(extra.jobName, 'extra');
    assert.equal(extra.scrapeInterval, 20_000, 'globals apply to scrape_config_files too');
    assert.deepEqual(extra.fileSDConfigs[0].files, [join(dir.path, 'jobs', 't.json')]);
    writeFileSync(join(dir.path, 'jobs', 'y.yml'), 'scrape_configs:\n- job_name: main\n');
    assert.throws(() => loadConfigFile(join(dir.path, 'prometheus.yml')), /found multiple scrape configs with job name "main", first found in main config file/);
    assert.throws(() => loadConfigFile(join(dir.path, 'nope.yml')), /cannot read config file ".*nope.yml": ENOENT/);
  } finally {
    dir.cleanup();
  }
});

test('the config prints back as /api/v1/status/config shows it, secrets hidden', () => {
  const c: Config = loadConfig(`
global:
  external_labels: {region: eu}
scrape_configs:
- job_name: a
  basic_auth: {username: u, password: hunter2}
  relabel_configs:
  - source_labels: [__address__]
    target_label: foo
  - action: labeldrop
    regex: zz
  static_configs:
  - targets: [127.0.0.1:1]
    labels: {x: y}
- job_name: b
  bearer_token: s3cret
  tls_config: {key: PRIVATE, cert: CERT}
remote_write:
- url: http://rw/
  authorization: {credentials: rwtoken}
`);
  const y = configToYAML(c);
  for (const secret of ['hunter2', 's3cret', 'PRIVATE', 'rwtoken']) assert.ok(!y.includes(secret), `${secret} must not be printed`);
  assert.equal(y.split('<secret>').length - 1, 4);
  assert.match(y, /^global:\n {2}scrape_interval: 1m\n {2}scrape_timeout: 10s\n {2}evaluation_interval: 1m\n/);
  assert.match(y, /\n- job_name: a\n {2}honor_timestamps: true\n/);
  assert.match(y, /\n {2}basic_auth:\n {4}username: u\n {4}password: <secret>\n/);
  assert.match(y, /\n {2}authorization:\n {4}type: Bearer\n {4}credentials: <secret>\n/);
  assert.match(y, /\n {2}- source_labels: \[__address__\]\n {4}separator: ;\n {4}target_label: foo\n {4}replacement: \$1\n {4}action: replace\n/);
  assert.match(y, /\n {4}regex: zz\n/);
  assert.match(y, /\n {6}x: "y"\n/, 'values YAML 1.1 reads as booleans are quoted');
  const shown = configToYAML(c, { showSecrets: true });
  assert.ok(shown.includes('hunter2'));
  // What is printed loads again to the same configuration.
  assert.deepEqual(JSON.parse(JSON.stringify(loadConfig(shown))), JSON.parse(JSON.stringify(c)));
});
