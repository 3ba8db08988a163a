export { NodeExporter, defaultCollectorNames, collectorDefinition, type NodeExporterInit } from './exporter.js';
export { startNodeExporterServer, parseListenAddress, type ServerOptions, type RunningServer } from './server.js';
export { resolveConfig, compileGoRegex, DEFAULTS, type NodeExporterOptions, type NodeExporterConfig, type StatfsFunction } from './config.js';
export { COLLECTORS, UNIMPLEMENTED_COLLECTORS } from './collectors/index.js';
export { NoDataError, Deadline, type Collector, type CollectorDefinition } from './collector.js';
export { MetricsBuilder, labels } from './builder.js';
export { CollectorRunner, type CollectorOutcome, type Logger, type LogLevel } from './runner.js';
