export { Labels, LabelsBuilder, METRIC_NAME, hashStrings, quoteGoString, isValidLabelName, isValidMetricName } from './labels.js';
export { VigilError, isVigilError, errorMessage, type ErrorCode } from './errors.js';
export { parseDuration, tryParseDuration, formatDuration } from './duration.js';
export { formatFloat, formatFloatFixed, formatApiFloat, formatTimestampSeconds, escapeLabelValue, escapeHelp } from './format.js';
export { Matcher, type MatchType } from './matcher.js';
export { translateRegex, compileAnchoredRegex, regexPredicate, type TranslatedRegex } from './regex.js';
export { STALE_NAN, isStaleNaN } from './stale.js';
export { FloatHistogram, CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type Span } from './histogram.js';
export {
  type HistogramBucket,
  type BucketList,
  isExponentialSchema,
  exponentialBound,
  bucketBound,
  bucketList,
  spansOf,
  positiveBuckets,
  negativeBuckets,
  zeroBucket,
  allBuckets,
  allBucketsReverse,
  histogramString,
  formatGoG,
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
