export { Labels, LabelsBuilder, METRIC_NAME, compareUtf8, hashStrings, isValidLabelName, isValidMetricName } from './labels.js';
export { quoteGoString, escapeGoRune } from './go-quote.js';
export { VigilError, isVigilError, errorMessage, type ErrorCode } from './errors.js';
export { parseDuration, tryParseDuration, formatDuration } from './duration.js';
export { formatFloat, formatOpenMetricsFloat, formatFloatFixed, formatApiFloat, formatTimestampSeconds, escapeLabelValue, escapeHelp } from './format.js';
export { Matcher, type MatchType } from './matcher.js';
export { translateRegex, compileAnchoredRegex, regexPredicate, type TranslatedRegex } from './regex.js';
export { expandRegexTemplate } from './regex-expand.js';
export { STALE_NAN, isStaleNaN, sameFloatBits } from './stale.js';
export { FloatHistogram, CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type Span } from './histogram.js';
export {
  type HistogramBucket,
  type BucketList,
  isExponentialSchema,
  exponentialBound,
  bucketBound,
  bucketList,
  spansOf,
  spansOfIndices,
  positiveBuckets,
  negativeBuckets,
  zeroBucket,
  allBuckets,
  allBucketsReverse,
  histogramString,
} from './histogram-buckets.js';
export {
  type HistogramOpResult,
  customBoundsMatch,
  intersectCustomBounds,
  mulHistogram,
  divHistogram,
  histogramHasOverflow,
  compactHistogram,
  reduceHistogramResolution,
  copyHistogramToSchema,
  addHistogram,
  subHistogram,
  kahanAddHistogram,
  detectHistogramReset,
  spansMatch,
  histogramsEqual,
} from './histogram-math.js';
export { fractionBelow, trimHistogramBuckets } from './histogram-trim.js';
