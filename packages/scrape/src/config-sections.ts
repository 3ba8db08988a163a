/**
 * The sections of the configuration file whose behaviour comes later (alerting, remote write and read,
 * storage, tracing, OTLP, runtime): read and checked now, with Prometheus 3.x's defaults and words. Also
 * the top-level schema.
 */
import type { DecodeContext, FieldSpec, Kind, Schema } from './yaml-schema.js';
import { contextOf } from './yaml-schema.js';
import {
  RESERVED_HTTP_HEADERS, checkTargetAddress, defaultGlobal, globalSchema, rejectNullRules, relabelSchema, remoteWriteHTTPClientSchema,
  scrapeConfigSchema, scrapeHTTPClientSchema, sdFields, tlsSchema, unsupportedSD,
} from './config-schema.js';

type Obj = Record<string, unknown>;

const f = (yaml: string, prop: string, kind: Kind, opts: Partial<FieldSpec> = {}): FieldSpec => ({ yaml, prop, kind, ...opts });
const o = { omitempty: true } as const;
const list = (k: Kind): Kind => ({ list: k });
const map = (k: Kind): Kind => ({ map: k });
const struct = (s: Schema, optional = false): Kind => ({ struct: s, optional });
const labelSetKind: Kind = map('string');

export const alertmanagerSchema: Schema = {
  name: 'alertmanager_config',
  fields: [
    { inline: scrapeHTTPClientSchema, prop: 'httpClient' },
    f('sigv4', 'sigv4', 'any', o),
    f('scheme', 'scheme', 'string', o),
    f('path_prefix', 'pathPrefix', 'string', o),
    f('timeout', 'timeout', 'duration', o),
    f('api_version', 'apiVersion', 'string'),
    f('relabel_configs', 'relabelConfigs', list(struct(relabelSchema)), o),
    f('alert_relabel_configs', 'alertRelabelConfigs', list(struct(relabelSchema)), o),
    ...sdFields,
  ],
  defaults: () => ({ scheme: 'http', pathPrefix: '', timeout: 10_000, apiVersion: 'v2', relabelConfigs: [], alertRelabelConfigs: [], staticConfigs: [], fileSDConfigs: [], httpSDConfigs: [] }),
  extra: unsupportedSD,
  validate(c, ctx) {
    if (c.apiVersion !== 'v2') ctx.fail('api_version', `expected Alertmanager api version to be one of [v2] but got ${c.apiVersion}`);
    const http = c.httpClient as Obj;
    if ((http.basicAuth || http.authorization || http.oauth2) && c.sigv4 !== undefined) ctx.fail('sigv4', 'at most one of basic_auth, authorization, oauth2, & sigv4 must be configured');
    if ((c.relabelConfigs as unknown[]).length === 0) {
      for (const g of c.staticConfigs as Obj[]) for (const t of g.targets as string[]) {
        const e = checkTargetAddress(t);
        if (e) (contextOf(g) ?? ctx).fail(null, e);
      }
    }
    rejectNullRules(c, ctx, 'relabel_configs', 'relabelConfigs', 'empty or null Alertmanager target relabeling rule');
    rejectNullRules(c, ctx, 'alert_relabel_configs', 'alertRelabelConfigs', 'empty or null Alertmanager alert relabeling rule');
  },
};

export const alertingSchema: Schema = {
  name: 'alerting_config',
  fields: [
    f('alert_relabel_configs', 'alertRelabelConfigs', list(struct(relabelSchema)), o),
    f('alertmanagers', 'alertmanagers', list(struct(alertmanagerSchema)), o),
  ],
  defaults: () => ({ alertRelabelConfigs: [], alertmanagers: [] }),
  validate(c, ctx) {
    rejectNullRules(c, ctx, 'alert_relabel_configs', 'alertRelabelConfigs', 'empty or null alert relabeling rule');
  },
};

function validateHeaders(h: Obj, ctx: DecodeContext): void {
  for (const name of Object.keys(h)) {
    if (name.toLowerCase() === 'authorization') ctx.fail('headers', 'authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter');
    if (RESERVED_HTTP_HEADERS.has(name.toLowerCase())) ctx.fail('headers', `${name} is a reserved header. It must not be changed`);
  }
}

function validateURL(ctx: DecodeContext, field: string, url: string): void {
  try {
    new URL(url);
  } catch {
    ctx.fail(field, `parse ${JSON.stringify(url)}: invalid URL`);
  }
}

const queueSchema: Schema = {
  name: 'queue_config',
  fields: [
    f('capacity', 'capacity', 'int', o), f('max_shards', 'maxShards', 'int', o), f('min_shards', 'minShards', 'int', o),
    f('max_samples_per_send', 'maxSamplesPerSend', 'int', o), f('batch_send_deadline', 'batchSendDeadline', 'duration', o),
    f('min_backoff', 'minBackoff', 'duration', o), f('max_backoff', 'maxBackoff', 'duration', o),
    f('retry_on_http_429', 'retryOnHttp429', 'bool', o), f('sample_age_limit', 'sampleAgeLimit', 'duration', o),
  ],
  defaults: () => ({ capacity: 10000, maxShards: 50, minShards: 1, maxSamplesPerSend: 2000, batchSendDeadline: 5000, minBackoff: 30, maxBackoff: 5000, retryOnHttp429: false, sampleAgeLimit: 0 }),
  validate(q, ctx) {
    if ((q.maxShards as number) <= 0) ctx.fail('max_shards', 'remote write queue max_shards must be positive');
    if ((q.minShards as number) <= 0) ctx.fail('min_shards', 'remote write queue min_shards must be positive');
    if ((q.minShards as number) > (q.maxShards as number)) ctx.fail('min_shards', 'remote write queue min_shards must not be greater than max_shards');
    if ((q.maxSamplesPerSend as number) <= 0) ctx.fail('max_samples_per_send', 'remote write queue max_samples_per_send must be positive');
    if ((q.capacity as number) <= 0) ctx.fail('capacity', 'remote write queue capacity must be positive');
    if ((q.maxBackoff as number) < (q.minBackoff as number)) ctx.fail('max_backoff', 'remote write queue max_backoff must not be less than min_backoff');
  },
};

const metadataSchema: Schema = {
  name: 'metadata_config',
  fields: [f('send', 'send', 'bool'), f('send_interval', 'sendInterval', 'duration'), f('max_samples_per_send', 'maxSamplesPerSend', 'int', o)],
  defaults: () => ({ send: true, sendInterval: 60_000, maxSamplesPerSend: 2000 }),
};

const PROTOBUF_MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request'];

export const remoteWriteSchema: Schema = {
  name: 'remote_write_config',
  fields: [
    f('url', 'url', 'string'), f('remote_timeout', 'remoteTimeout', 'duration', o), f('headers', 'headers', map('string'), o),
    f('write_relabel_configs', 'writeRelabelConfigs', list(struct(relabelSchema)), o), f('name', 'name', 'string', o),
    f('send_exemplars', 'sendExemplars', 'bool', o), f('send_native_histograms', 'sendNativeHistograms', 'bool', o),
    f('round_robin_dns', 'roundRobinDns', 'bool', o), f('protobuf_message', 'protobufMessage', 'string', o),
    f('failed_request_logging', 'failedRequestLogging', 'bool', o),
    { inline: remoteWriteHTTPClientSchema, prop: 'httpClient' },
    f('queue_config', 'queueConfig', struct(queueSchema), o), f('metadata_config', 'metadataConfig', struct(metadataSchema), o),
    f('sigv4', 'sigv4', 'any', o), f('azuread', 'azuread', 'any', o), f('google_iam', 'googleIam', 'any', o),
  ],
  defaults: () => ({
    url: '', remoteTimeout: 30_000, headers: {}, writeRelabelConfigs: [], name: '', sendExemplars: false, sendNativeHistograms: false,
    roundRobinDns: false, protobufMessage: 'prometheus.WriteRequest', failedRequestLogging: false, queueConfig: queueSchema.defaults!(), metadataConfig: metadataSchema.defaults!(),
  }),
  validate(c, ctx) {
    if (c.url === '') ctx.fail(ctx.has('url') ? 'url' : null, 'url for remote_write is empty');
    validateURL(ctx, 'url', c.url as string);
    rejectNullRules(c, ctx, 'write_relabel_configs', 'writeRelabelConfigs', 'empty or null relabeling rule in remote write config');
    validateHeaders(c.headers as Obj, ctx);
    if (!PROTOBUF_MESSAGES.includes(c.protobufMessage as string)) {
      ctx.fail('protobuf_message', `invalid protobuf_message value: unknown remote write protobuf message ${c.protobufMessage}, supported: ${PROTOBUF_MESSAGES.join(', ')}`);
    }
    const http = c.httpClient as Obj;
    const auth: string[] = [];
    if (http.basicAuth) auth.push('basic_auth');
    if (http.authorization) auth.push('authorization');
    if (http.oauth2) auth.push('oauth2');
    if (c.sigv4 !== undefined) auth.push('sigv4');
    if (c.azuread !== undefined) auth.push('azuread');
    if (c.googleIam !== undefined) auth.push('google_iam');
    if (auth.length > 1) ctx.fail(null, `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auth.join(' ')}]`);
  },
};

export const remoteReadSchema: Schema = {
  name: 'remote_read_config',
  fields: [
    f('url', 'url', 'string'), f('remote_timeout', 'remoteTimeout', 'duration', o), f('chunked_read_limit', 'chunkedReadLimit', 'uint', o),
    f('headers', 'headers', map('string'), o), f('read_recent', 'readRecent', 'bool', o), f('name', 'name', 'string', o),
    { inline: scrapeHTTPClientSchema, prop: 'httpClient' },
    f('required_matchers', 'requiredMatchers', labelSetKind, o), f('filter_external_labels', 'filterExternalLabels', 'bool', o),
  ],
  defaults: () => ({ url: '', remoteTimeout: 60_000, chunkedReadLimit: 5e7, headers: {}, readRecent: false, name: '', requiredMatchers: {}, filterExternalLabels: true }),
  validate(c, ctx) {
    if (c.url === '') ctx.fail(ctx.has('url') ? 'url' : null, 'url for remote_read is empty');
    validateURL(ctx, 'url', c.url as string);
    validateHeaders(c.headers as Obj, ctx);
  },
};

const retentionSchema: Schema = {
  name: 'tsdb_retention_config',
  fields: [f('time', 'time', 'duration', o), f('size', 'size', 'bytes', o), f('percentage', 'percentage', 'float', o)],
  defaults: () => ({ time: 0, size: 0, percentage: 0 }),
  validate(r, ctx) {
    const p = r.percentage as number;
    if (p < 0 || p > 100) ctx.fail('percentage', `'storage.tsdb.retention.percentage' must be in the range [0, 100], got ${p}`);
  },
};

const tsdbSchema: Schema = {
  name: 'tsdb_config',
  fields: [
    f('out_of_order_time_window', 'outOfOrderTimeWindow', 'duration', o),
    f('stale_series_compaction_threshold', 'staleSeriesCompactionThreshold', 'float', o),
    f('chunk_encoding', 'chunkEncoding', struct({ name: 'chunk_encoding_config', fields: [f('floats', 'floats', 'string', o)], defaults: () => ({ floats: '' }) }, true), o),
    f('retention', 'retention', struct(retentionSchema, true), o),
  ],
  defaults: () => ({ outOfOrderTimeWindow: 0, staleSeriesCompactionThreshold: 0 }),
  validate(t, ctx) {
    const floats = (t.chunkEncoding as Obj | undefined)?.floats;
    if (floats !== undefined && floats !== '' && floats !== 'xor' && floats !== 'xor2') {
      ctx.fail('chunk_encoding', `'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got ${JSON.stringify(floats)}`);
    }
  },
};

export const storageSchema: Schema = {
  name: 'storage_config',
  fields: [
    f('tsdb', 'tsdb', struct(tsdbSchema), o),
    f('exemplars', 'exemplars', struct({ name: 'exemplars_config', fields: [f('max_exemplars', 'maxExemplars', 'int', o)], defaults: () => ({ maxExemplars: 0 }) }, true), o),
  ],
  defaults: () => ({ tsdb: tsdbSchema.defaults!() }),
};

export const tracingSchema: Schema = {
  name: 'tracing_config',
  fields: [
    f('client_type', 'clientType', 'string', o), f('endpoint', 'endpoint', 'string', o), f('sampling_fraction', 'samplingFraction', 'float', o),
    f('insecure', 'insecure', 'bool', o), f('tls_config', 'tlsConfig', struct(tlsSchema), o), f('headers', 'headers', map('string'), o),
    f('compression', 'compression', 'string', o), f('timeout', 'timeout', 'duration', o),
  ],
  defaults: () => ({ clientType: 'grpc', endpoint: '', samplingFraction: 0, insecure: false, headers: {}, compression: '', timeout: 0 }),
  validate(t, ctx) {
    if (t.clientType !== 'http' && t.clientType !== 'grpc') ctx.fail('client_type', `expected tracing client type to be to be http or grpc, but got ${t.clientType}`);
    for (const name of Object.keys(t.headers as Obj)) {
      if (name.toLowerCase() === 'authorization') ctx.fail('headers', 'custom authorization header configuration is not yet supported');
      if (RESERVED_HTTP_HEADERS.has(name.toLowerCase())) ctx.fail('headers', `${name} is a reserved header. It must not be changed`);
    }
    if (t.endpoint === '') ctx.fail(null, 'tracing endpoint must be set');
    if (t.compression !== '' && t.compression !== 'gzip') ctx.fail('compression', `invalid compression type ${t.compression} provided, valid options: gzip`);
  },
};

export const otlpSchema: Schema = {
  name: 'otlp_config',
  fields: [
    f('promote_all_resource_attributes', 'promoteAllResourceAttributes', 'bool', o),
    f('promote_resource_attributes', 'promoteResourceAttributes', list('string'), o),
    f('ignore_resource_attributes', 'ignoreResourceAttributes', list('string'), o),
    f('translation_strategy', 'translationStrategy', 'string', o),
    f('keep_identifying_resource_attributes', 'keepIdentifyingResourceAttributes', 'bool', o),
    f('convert_histograms_to_nhcb', 'convertHistogramsToNhcb', 'bool', o),
    f('promote_scope_metadata', 'promoteScopeMetadata', 'bool', o),
    f('label_name_underscore_sanitization', 'labelNameUnderscoreSanitization', 'bool', o),
    f('label_name_preserve_multiple_underscores', 'labelNamePreserveMultipleUnderscores', 'bool', o),
  ],
  defaults: () => ({ translationStrategy: 'UnderscoreEscapingWithSuffixes', labelNameUnderscoreSanitization: true, labelNamePreserveMultipleUnderscores: true }),
  validate(c, ctx) {
    const strategies = ['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes', 'NoUTF8EscapingWithSuffixes', 'NoTranslation', ''];
    if (!strategies.includes(c.translationStrategy as string)) ctx.fail('translation_strategy', `unsupported OTLP translation strategy ${JSON.stringify(c.translationStrategy)}`);
    const promoteAll = c.promoteAllResourceAttributes === true;
    const promote = (c.promoteResourceAttributes as string[] | undefined) ?? [];
    const ignore = (c.ignoreResourceAttributes as string[] | undefined) ?? [];
    if (promoteAll && promote.length > 0) ctx.fail(null, "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously");
    if (!promoteAll && ignore.length > 0) ctx.fail(null, "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true");
  },
};

export const runtimeSchema: Schema = {
  name: 'runtime_config',
  fields: [f('gogc', 'gogc', 'int', o)],
  defaults: () => ({ gogc: 75 }),
};

/** The top level; `validate` is applied by `loadConfig` (it needs the global section first). */
export const configSchema: Schema = {
  name: 'config',
  fields: [
    f('global', 'global', struct(globalSchema)),
    f('runtime', 'runtime', struct(runtimeSchema), o),
    f('alerting', 'alerting', struct(alertingSchema), o),
    f('rule_files', 'ruleFiles', list('string'), o),
    f('scrape_config_files', 'scrapeConfigFiles', list('string'), o),
    f('scrape_configs', 'scrapeConfigs', list(struct(scrapeConfigSchema)), o),
    f('storage', 'storage', struct(storageSchema), o),
    f('tracing', 'tracing', struct(tracingSchema, true), o),
    f('remote_write', 'remoteWrite', list(struct(remoteWriteSchema)), o),
    f('remote_read', 'remoteRead', list(struct(remoteReadSchema)), o),
    f('otlp', 'otlp', struct(otlpSchema), o),
  ],
  defaults: () => ({
    global: defaultGlobal(), runtime: runtimeSchema.defaults!(), alerting: alertingSchema.defaults!(), ruleFiles: [], scrapeConfigFiles: [],
    scrapeConfigs: [], storage: storageSchema.defaults!(), remoteWrite: [], remoteRead: [], otlp: otlpSchema.defaults!(),
  }),
};

/** The schema of a file listed in `scrape_config_files`. */
export const scrapeConfigsFileSchema: Schema = {
  name: 'scrape_configs',
  fields: [f('scrape_configs', 'scrapeConfigs', list(struct(scrapeConfigSchema)), o)],
  defaults: () => ({ scrapeConfigs: [] }),
};

