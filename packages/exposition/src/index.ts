export type { MetricType, MetricFamily, Sample, Exemplar } from './types.js';
export {
  writeFamilies, ExpositionWriter, formatTextValue, formatOpenMetricsValue, formatValue, formatName, formatLabelPair,
  formatSeries, textTypeName, type ExpositionFormat,
} from './writer.js';
export { EntryType, type ExpositionParser } from './parser.js';
export { seriesHash } from './parser-syntax.js';
export { ParseError } from './parse-error.js';
export { TextParser, type TextParserOptions } from './text-parser.js';
export { OpenMetricsParser, type OpenMetricsParserOptions } from './om-parser.js';
export { parseFamilies, type ParseFamiliesOptions } from './families.js';
export {
  createParser, formatForContentType, mediaTypeOf, type CreateParserOptions, type ContentTypeFormat, type WireFormat,
} from './content-type.js';
export {
  negotiate, parseAccept, acceptsGzip, scrapeAcceptHeader, SCRAPE_ACCEPT_HEADER, TEXT_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE,
  OPENMETRICS_0_0_1_CONTENT_TYPE, SCRAPE_PROTOCOL_HEADERS, DEFAULT_SCRAPE_PROTOCOLS, type ScrapeProtocol,
  type NameEscapingScheme, type AcceptClause,
} from './negotiate.js';
export { lintMetrics, type LintProblem } from './lint.js';
export {
  PROTOBUF_CONTENT_TYPE, ProtoMetricType, ProtoMetricTypeName, ProtobufError, decodeMetricFamily, decodeMetricFamilies,
  encodeMetricFamily, encodeMetricFamilies, protoToFamilies, familiesToProto, type ProtoMetricFamily, type ProtoMetric,
  type ProtoLabelPair, type ProtoGauge, type ProtoCounter, type ProtoSummary, type ProtoQuantile, type ProtoUntyped,
  type ProtoHistogram, type ProtoBucket, type ProtoBucketSpan, type ProtoExemplar, type ProtoTimestamp,
} from './protobuf.js';
export { ProtobufParser, nativeHistogramOf, isNativeHistogram, schemaForBucketFactor, type ProtobufParserOptions } from './protobuf-parser.js';
