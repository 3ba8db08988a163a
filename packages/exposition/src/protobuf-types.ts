/**
 * The messages of the protobuf exposition format (client_model's `metrics.proto`, package
 * `io.prometheus.client`) as plain objects: field names in camelCase, optional fields keep their presence
 * (`help: undefined` is not `help: ''`, as proto2 and the Pushgateway rely on), 64-bit integers as numbers
 * (exact up to 2^53).
 */
import { VigilError } from '@vigil/model';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';

/** `io.prometheus.client.MetricType`. */
export const ProtoMetricType = {
  COUNTER: 0,
  GAUGE: 1,
  SUMMARY: 2,
  UNTYPED: 3,
  HISTOGRAM: 4,
  GAUGE_HISTOGRAM: 5,
} as const;
export type ProtoMetricType = (typeof ProtoMetricType)[keyof typeof ProtoMetricType];

/** The enum's names, by value (`ProtoMetricTypeName[1] === 'GAUGE'`). */
export const ProtoMetricTypeName: readonly string[] = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'];

export interface ProtoLabelPair {
  name?: string;
  value?: string;
}
/** `google.protobuf.Timestamp`. */
export interface ProtoTimestamp {
  seconds?: number;
  nanos?: number;
}
export interface ProtoExemplar {
  label?: ProtoLabelPair[];
  value?: number;
  timestamp?: ProtoTimestamp;
}
export interface ProtoGauge {
  value?: number;
}
export interface ProtoCounter {
  value?: number;
  exemplar?: ProtoExemplar;
  createdTimestamp?: ProtoTimestamp;
}
export interface ProtoQuantile {
  quantile?: number;
  value?: number;
}
export interface ProtoSummary {
  sampleCount?: number;
  sampleSum?: number;
  quantile?: ProtoQuantile[];
  createdTimestamp?: ProtoTimestamp;
}
export interface ProtoUntyped {
  value?: number;
}
export interface ProtoBucket {
  cumulativeCount?: number;
  cumulativeCountFloat?: number;
  upperBound?: number;
  exemplar?: ProtoExemplar;
}
export interface ProtoBucketSpan {
  offset?: number;
  length?: number;
}
export interface ProtoHistogram {
  sampleCount?: number;
  sampleCountFloat?: number;
  sampleSum?: number;
  bucket?: ProtoBucket[];
  createdTimestamp?: ProtoTimestamp;
  schema?: number;
  zeroThreshold?: number;
  zeroCount?: number;
  zeroCountFloat?: number;
  negativeSpan?: ProtoBucketSpan[];
  negativeDelta?: number[];
  negativeCount?: number[];
  positiveSpan?: ProtoBucketSpan[];
  positiveDelta?: number[];
  positiveCount?: number[];
  exemplars?: ProtoExemplar[];
}
export interface ProtoMetric {
  label?: ProtoLabelPair[];
  gauge?: ProtoGauge;
  counter?: ProtoCounter;
  summary?: ProtoSummary;
  untyped?: ProtoUntyped;
  histogram?: ProtoHistogram;
  timestampMs?: number;
}
export interface ProtoMetricFamily {
  name?: string;
  help?: string;
  /** Absent reads as COUNTER (the enum's zero), as in Go's `GetType()`. */
  type?: ProtoMetricType | number;
  metric?: ProtoMetric[];
  unit?: string;
}

/** A malformed protobuf body: what was wrong and at which byte. */
export class ProtobufError extends VigilError {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  readonly reason: string;

  constructor(offset: number, reason: string) {
    super('bad_data', `protobuf: ${reason} at byte ${offset}`);
    this.name = 'ProtobufError';
    this.offset = offset;
    this.reason = reason;
  }
}

