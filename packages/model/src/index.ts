export { Labels, LabelsBuilder, METRIC_NAME, hashStrings, quoteGoString, isValidLabelName, isValidMetricName } from './labels.js';
export { VigilError, isVigilError, errorMessage, type ErrorCode } from './errors.js';
export { parseDuration, tryParseDuration, formatDuration } from './duration.js';
export { formatFloat, formatFloatFixed, formatApiFloat, formatTimestampSeconds, escapeLabelValue, escapeHelp } from './format.js';
export { Matcher, type MatchType } from './matcher.js';
export { translateRegex, compileAnchoredRegex, regexPredicate, type TranslatedRegex } from './regex.js';
export { STALE_NAN, isStaleNaN } from './stale.js';
export { FloatHistogram, CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type Span } from './histogram.js';
