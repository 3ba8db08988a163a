/**
 * Target relabeling compared with the real thing: Debian's Prometheus 2.42 loads the same configuration
 * (static targets, a table of relabel rules) and its `/api/v1/targets` must list the same active targets
 * (labels, discovered labels, scrape URL) and dropped targets as ours.
 *
 * `--enable-feature=no-default-scrape-port` makes 2.42 build addresses as 3.x does (no `:80` added);
 * addresses avoid the ports 80 and 443, which 2.42 strips under that flag and 3.x keeps.
 *
 * 2.42 shows some discovered labels after relabeling (its relabeling reused the discovered labels'
 * memory when it replaced a label in place; 3.x rebuilds them, as we do): for the jobs listed in
 * `REWRITES_IN_PLACE` the discovered labels are left out of the comparison, everything else is compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireProgram, startProcess, tempDir, waitForHttp, eventually } from '@vigil/testkit';
import { loadConfig, populateLabels, Target } from './index.js';

const hosts = Array.from({ length: 12 }, (_, i) => `'10.1.${i}.7:${9100 + i}'`).join(', ');

const CONFIG = `
global:
  scrape_interval: 1h
  scrape_timeout: 10s
scrape_configs:
- job_name: copy-host
  static_configs: [{targets: ['db-1.example:5432', 'web-2.example:8080']}]
  relabel_configs:
  - {source_labels: [__address__], regex: '([^:]+):(\\d+)', target_label: host, replacement: '$1'}
  - {source_labels: [__address__], regex: '(?P<h>[^.]+)\\..*', target_label: short, replacement: '\${h}'}
- job_name: keep-prod
  static_configs:
  - {targets: ['a.example:1'], labels: {env: prod}}
  - {targets: ['b.example:2'], labels: {env: dev}}
  relabel_configs:
  - {action: keep, source_labels: [env], regex: prod}
- job_name: drop-by-address
  static_configs: [{targets: ['keep.example:1', 'drop.example:2', 'drop-too.example:3']}]
  relabel_configs:
  - {action: drop, source_labels: [__address__], regex: 'drop.*'}
- job_name: hashmod-shards
  static_configs: [{targets: [${hosts}]}]
  relabel_configs:
  - {action: hashmod, source_labels: [__address__], modulus: 3, target_label: __tmp_shard}
  - {action: keep, source_labels: [__tmp_shard], regex: '1'}
- job_name: hashmod-visible
  static_configs: [{targets: [${hosts}]}]
  relabel_configs:
  - {action: hashmod, source_labels: [__address__, job], modulus: 7, target_label: shard}
- job_name: labelmap-meta
  static_configs: [{targets: ['m.example:9'], labels: {__meta_zone: eu-1, __meta_rack: r7, team: core}}]
  relabel_configs:
  - {action: labelmap, regex: '__meta_(.+)', replacement: 'dc_$1'}
- job_name: labeldrop-keep
  static_configs: [{targets: ['k.example:9'], labels: {tmp_a: '1', tmp_b: '2', keepme: x, other: y}}]
  relabel_configs:
  - {action: labeldrop, regex: 'tmp_.*'}
  - {action: labelkeep, regex: '__.*|job|keepme'}
- job_name: case
  static_configs: [{targets: ['Case.Example:9'], labels: {Team: DevOps}}]
  relabel_configs:
  - {action: lowercase, source_labels: [__address__], target_label: lower}
  - {action: uppercase, source_labels: [Team, job], target_label: upper}
- job_name: equal
  static_configs:
  - {targets: ['e1.example:9'], labels: {a: x, b: x}}
  - {targets: ['e2.example:9'], labels: {a: x, b: y}}
  - {targets: ['e3.example:9'], labels: {a: z, b: z, c: z}}
  relabel_configs:
  - {action: keepequal, source_labels: [a], target_label: b}
  - {action: dropequal, source_labels: [c], target_label: a}
- job_name: blackbox
  metrics_path: /probe
  params: {module: [http_2xx]}
  static_configs: [{targets: ['https://site.example/path?q=1', 'other.example']}]
  relabel_configs:
  - {source_labels: [__address__], target_label: __param_target}
  - {source_labels: [__param_target], target_label: instance}
  - {target_label: __address__, replacement: 'prober.example:9115'}
- job_name: path-and-scheme
  static_configs: [{targets: ['p.example:9']}]
  relabel_configs:
  - {target_label: __metrics_path__, replacement: /custom/metrics}
  - {target_label: __scheme__, replacement: https}
  - {target_label: __scrape_interval__, replacement: 30m}
  - {target_label: __scrape_timeout__, replacement: 20s}
- job_name: joined
  static_configs: [{targets: ['j.example:9'], labels: {a: '1', c: '3'}}]
  relabel_configs:
  - {source_labels: [a, b, c], separator: '|', target_label: joined}
  - {source_labels: [a, c], regex: '(\\d);(\\d)', target_label: 'n_\${2}', replacement: '$1$2'}
  - {source_labels: [nonexistent], target_label: a}
- job_name: instance-override
  static_configs: [{targets: ['i.example:9', 'portless.example']}]
  relabel_configs:
  - {source_labels: [__address__], regex: '([^:]+)(:\\d+)?', target_label: instance, replacement: '$1'}
- job_name: address-rewrite
  static_configs: [{targets: ['r.example:9']}]
  relabel_configs:
  - {source_labels: [__address__], regex: '(.*):9', target_label: __address__, replacement: '\${1}:19'}
`;

const REWRITES_IN_PLACE = new Set(['path-and-scheme', 'address-rewrite']);

interface ApiTarget {
  scrapePool: string;
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  scrapeUrl?: string;
}

function sortKey(t: unknown): string {
  return JSON.stringify(t, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort()) : v));
}

function ours(): { active: ApiTarget[]; dropped: ApiTarget[] } {
  const cfg = loadConfig(CONFIG, 'relabel.yml');
  const active: ApiTarget[] = [];
  const dropped: ApiTarget[] = [];
  for (const sc of cfg.scrapeConfigs) {
    sc.staticConfigs.forEach((g) => {
      for (const addr of g.targets) {
        const r = populateLabels(sc, { __address__: addr }, g.labels);
        if (r.kind === 'active') {
          const t = new Target(sc.jobName, r.labels, r.discovered, sc.params);
          active.push({ scrapePool: sc.jobName, labels: t.publicLabels().toObject(), discoveredLabels: r.discovered.toObject(), scrapeUrl: t.url });
        } else if (r.kind === 'dropped') {
          dropped.push({ scrapePool: sc.jobName, labels: {}, discoveredLabels: r.discovered.toObject() });
        } else {
          throw new Error(`${sc.jobName} ${addr}: ${r.error}`);
        }
      }
    });
  }
  return { active, dropped };
}

test('target relabeling matches Prometheus 2.42 (/api/v1/targets)', { timeout: 90_000 }, async () => {
  const prometheus = requireProgram('prometheus');
  const dir = tempDir('vigil-relabel-');
  const port = await freePort();
  writeFileSync(join(dir.path, 'relabel.yml'), CONFIG);
  const proc = startProcess(prometheus, [
    `--config.file=${join(dir.path, 'relabel.yml')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    '--enable-feature=no-default-scrape-port',
    '--log.level=warn',
  ]);
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/-/ready`, 30_000, proc);
    const want = ours();
    const jobs = new Set([...want.active, ...want.dropped].map((t) => t.scrapePool));
    // Discovery reaches the scrape manager within a few seconds; wait until every pool has its targets.
    const theirs = await eventually(async () => {
      const r = (await (await fetch(`${base}/api/v1/targets?state=any`)).json()) as { data: { activeTargets: ApiTarget[]; droppedTargets: ApiTarget[] } };
      const seen = new Set([...r.data.activeTargets, ...r.data.droppedTargets].map((t) => t.scrapePool ?? t.discoveredLabels.job));
      const n = r.data.activeTargets.length + r.data.droppedTargets.length;
      return [...jobs].every((j) => seen.has(j)) && n === want.active.length + want.dropped.length ? r.data : undefined;
    }, 40_000, 'Prometheus to discover every target');
    const active = theirs.activeTargets.map((t) => ({ scrapePool: t.scrapePool, labels: t.labels, discoveredLabels: t.discoveredLabels, scrapeUrl: t.scrapeUrl }));
    const dropped = theirs.droppedTargets.map((t) => ({ scrapePool: t.discoveredLabels.job, labels: {}, discoveredLabels: t.discoveredLabels }));
    const comparable = (t: ApiTarget): ApiTarget => (REWRITES_IN_PLACE.has(t.scrapePool) ? { ...t, discoveredLabels: {} } : t);
    assert.deepEqual(want.active.map(comparable).map(sortKey).sort(), active.map(comparable).map(sortKey).sort());
    assert.deepEqual(want.dropped.map(sortKey).sort(), dropped.map(sortKey).sort());
    // The hashmod job kept a proper subset: the shard assignment itself was compared above.
    const kept = want.active.filter((t) => t.scrapePool === 'hashmod-shards').length;
    assert.ok(kept > 0 && kept < 12, `hashmod kept ${kept} of 12`);
  } finally {
    await proc.stop();
    dir.cleanup();
  }
});
