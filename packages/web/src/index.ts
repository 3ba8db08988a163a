export { Api } from './api.js';
export type {
  ApiOptions, ApiStorage, TargetSource, BuildInfo, ServerRuntimeInfo, WalReplayStatus, ApiLogger, ApiMetricsHooks,
} from './api-types.js';
export { WebServer, parseListenAddress, normalizePrefix, type WebServerOptions } from './web.js';
export { ServerMetrics, CountingAppendable, headChunkCount, registerTsdbMetrics, registerScrapeMetrics, type HttpMetrics } from './metrics.js';
export { newLogger, parseLogLevel, parseLogFormat, logfmtValue, type Logger, type LogLevel, type LogFormat } from './log.js';
export {
  federate, federateProtobuf, federationFormat, federationMatchers, FEDERATE_CONTENT_TYPE, FEDERATE_PROTOBUF_CONTENT_TYPE, type FederationFormat,
} from './federate.js';
export { tsdbStatus, type TsdbStatus, type TsdbStat } from './tsdb-status.js';
export { compileCORSOrigin, statusCodeOf } from './http.js';
export { goString, labelsJSON } from './json.js';
export { parseTime, parseDurationValue, MIN_TIME, MAX_TIME } from './params.js';
export { translateAST } from './ast-json.js';
export { MAX_POINTS_PER_SERIES } from './api-query.js';
export { createUiHandler, defaultUiDir, UI_ROUTES, IMMUTABLE_CACHE, type UiHandler, type UiHandlerOptions } from './ui-static.js';
