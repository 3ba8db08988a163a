export * from './ast.js';
export { parseExpr, parseMetricSelector, type ParseOptions } from './parser.js';
export { ParseError } from './parse-error.js';
export { printExpr, prettyExpr, printDurationExpr, matcherString } from './printer.js';
export { evalDurationExpr, resolveDurationExprs } from './parser-durations.js';
export { documentedType } from './parser-check.js';
// Evaluation engine.
export {
  Engine,
  toPrometheusData,
  type HistogramPoints,
  type EngineOptions,
  type QueryOptions,
  type QueryResult,
  type QueryValue,
  type QueryStats,
  type InstantSample,
  type MatrixSeries,
} from './engine.js';
export { type Annotation, type AnnotationLevel, formatAnnotation } from './annotations.js';
export { queryTimeoutError, queryCanceledError, tooManySamplesError } from './limits.js';
