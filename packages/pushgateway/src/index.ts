/**
 * `@vigil/pushgateway`: the push path for batch jobs, a drop-in for the Prometheus Pushgateway (same API,
 * flags and exposition), with group expiry, deletion by selector and bounded, fast bulk operations.
 *
 * Embedding: `const gw = await Pushgateway.create(options)` and mount `gw.handler` in any HTTP server
 * (call `gw.close()` on shutdown), or `startPushgateway(options)` for a server of its own.
 */
export { Pushgateway, type PushgatewayOptions, type Logger, type LogLevel } from './server.js';
export { startPushgateway, parseListenAddress, type StartPushgatewayOptions, type RunningPushgateway } from './start.js';
export { MetricStore, Group, PUSH_TIME, PUSH_FAILURE_TIME, type PushResult, type StoreOptions } from './store.js';
export { parseText, TextParseError } from './text-parser.js';
export { parseGroupingKey, groupPath, GroupingError, decodeBase64Url, encodeBase64Url } from './grouping.js';
export { parseGroupSelector, selectorMatches, type GroupSelector } from './selector.js';
export { Kind, FamilyBlock, familyFromProto, type ParsedFamily, type ParsedMetric } from './family.js';
export { mergeFamilies, renderText, renderProtobuf } from './render.js';
export { readPersistenceFile, writeFileAtomically, encodeStore } from './persistence.js';
