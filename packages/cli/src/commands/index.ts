/**
 * Every subcommand of `vigil`, loaded only when it runs: `vigil check metrics` should not pay for importing
 * the server. Each command lives in its own file; add new ones here with the same path as its `Command`.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  /** The words after `vigil`; must equal the loaded command's `path`. */
  readonly path: readonly string[];
  load(): Promise<Command>;
}

export const commands: readonly CommandEntry[] = [
  { path: ['server'], load: async () => (await import('./server.js')).serverCommand },
  { path: ['pushgateway'], load: async () => (await import('./pushgateway.js')).pushgatewayCommand },
  { path: ['node-exporter'], load: async () => (await import('./node-exporter.js')).nodeExporterCommand },
  { path: ['tsdb', 'list'], load: async () => (await import('./tsdb.js')).tsdbListCommand },
  { path: ['tsdb', 'analyze'], load: async () => (await import('./tsdb.js')).tsdbAnalyzeCommand },
  { path: ['tsdb', 'dump'], load: async () => (await import('./tsdb.js')).tsdbDumpCommand },
  { path: ['tsdb', 'import', 'openmetrics'], load: async () => (await import('./tsdb-import.js')).tsdbImportOpenMetricsCommand },
  { path: ['check', 'metrics'], load: async () => (await import('./check-metrics.js')).checkMetricsCommand },
  { path: ['check', 'config'], load: async () => (await import('./check-config.js')).checkConfigCommand },
];
