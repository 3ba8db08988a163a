/** Every subcommand of `vigil`. Each lives in its own file; add new ones here. */
import type { Command } from '../command.js';
import { nodeExporterCommand } from './node-exporter.js';
import { tsdbAnalyzeCommand, tsdbDumpCommand, tsdbListCommand } from './tsdb.js';
import { tsdbImportOpenMetricsCommand } from './tsdb-import.js';
import { checkMetricsCommand } from './check-metrics.js';
import { checkConfigCommand } from './check-config.js';
import { serverCommand } from './server.js';
import { pushgatewayCommand } from './pushgateway.js';

export const commands: readonly Command[] = [nodeExporterCommand, tsdbListCommand, tsdbAnalyzeCommand, tsdbDumpCommand, tsdbImportOpenMetricsCommand, checkMetricsCommand, checkConfigCommand, serverCommand, pushgatewayCommand];
