/**
 * The protobuf exposition format: `io.prometheus.client.MetricFamily` messages (client_model's
 * `metrics.proto`), length-delimited (each message preceded by its size as a varint), as client_golang
 * pushes and serves them under `application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
 * encoding=delimited`. A codec written by hand for this one schema (no protobuf library), and conversions
 * to and from `MetricFamily` data.
 */
export * from './protobuf-types.js';
export { decodeMetricFamily, decodeMetricFamilies } from './protobuf-decode.js';
export { encodeMetricFamily, encodeMetricFamilies } from './protobuf-encode.js';
export { protoToFamilies, familiesToProto } from './protobuf-families.js';
