/**
 * Data for the browser test: an OpenMetrics file with fixed values ending just before `nowSec`, imported
 * with `vigil tsdb import openmetrics`, and a scrape configuration with one target up and one down.
 */

/** 50 series × 1,000 samples a minute apart (the graph speed check), known gauges, a histogram. */
export function openMetricsFixture(nowSec: number): { text: string; lastSec: number } {
  const last = nowSec - 30;
  const lines: string[] = [];
  lines.push('# TYPE bench_series gauge', '# HELP bench_series Fifty series for the graph speed check.');
  for (let i = 0; i < 50; i++) {
    for (let k = 999; k >= 0; k--) lines.push(`bench_series{i="${i}"} ${(Math.sin((1000 - k) / 50 + i) * 10 + i * 3).toFixed(3)} ${last - k * 60}`);
  }
  lines.push('# TYPE ui_test_gauge gauge', '# HELP ui_test_gauge A gauge with a label value that looks like markup.');
  for (let k = 60; k >= 0; k--) {
    lines.push(`ui_test_gauge{kind="plain"} 42 ${last - k * 60}`);
    lines.push(`ui_test_gauge{kind="<script>alert(1)</script>"} 7 ${last - k * 60}`);
  }
  lines.push('# TYPE ui_test_latency_seconds histogram', '# HELP ui_test_latency_seconds Request latency for the heatmap.');
  const les = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];
  const cum = les.map(() => 0);
  let sum = 0;
  for (let k = 120; k >= 0; k--) {
    const t = last - k * 60;
    const phase = (120 - k) / 20;
    const per = [5 + 3 * Math.sin(phase), 10, 20 + 10 * Math.cos(phase), 8, 3, 1].map((x) => Math.round(x));
    let c = 0;
    for (let b = 0; b < les.length; b++) {
      c += per[b]!;
      cum[b]! += c;
    }
    sum += c * 0.2;
    les.forEach((le, b) => lines.push(`ui_test_latency_seconds_bucket{le="${le}"} ${cum[b]} ${t}`));
    lines.push(`ui_test_latency_seconds_count ${cum[les.length - 1]} ${t}`, `ui_test_latency_seconds_sum ${sum.toFixed(2)} ${t}`);
  }
  lines.push('# EOF');
  return { text: lines.join('\n') + '\n', lastSec: last };
}

export function scrapeConfig(selfAddress: string, selfMetricsPath: string, closedAddress: string): string {
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vigil
    metrics_path: ${selfMetricsPath}
    static_configs:
      - targets: ['${selfAddress}']
  - job_name: broken
    static_configs:
      - targets: ['${closedAddress}']
        labels:
          evil: '<script>alert(1)</script>'
`;
}
