/**
 * The schema of every section of the configuration file, with Prometheus 3.x's defaults and checks.
 * Error texts are Prometheus's (so that they can be searched for), prefixed by file, line and field.
 */
import { compileAnchoredRegex, errorMessage, isValidLabelName } from '@vigil/model';
import { DEFAULT_SCRAPE_PROTOCOLS, SCRAPE_PROTOCOL_HEADERS } from '@vigil/exposition';
import type { Node } from 'yaml';
import { contextOf, decodeStruct, encodeStruct, joinPath, type FieldSpec, type Kind, type Schema, type DecodeContext } from './yaml-schema.js';
import type { NameValidationScheme, RelabelAction, ScrapeProtocol } from './config-types.js';

type Obj = Record<string, unknown>;

const f = (yaml: string, prop: string, kind: Kind, opts: Partial<FieldSpec> = {}): FieldSpec => ({ yaml, prop, kind, ...opts });
const o = { omitempty: true } as const;
const list = (k: Kind): Kind => ({ list: k });
const map = (k: Kind): Kind => ({ map: k });
const struct = (s: Schema, optional = false): Kind => ({ struct: s, optional });

export function isValidUTF8LabelName(name: string): boolean {
  return name.length > 0 && (name as string & { isWellFormed(): boolean }).isWellFormed();
}

export function validLabelName(name: string, scheme: NameValidationScheme): boolean {
  return scheme === 'legacy' ? isValidLabelName(name) : isValidUTF8LabelName(name);
}

function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

// ---- scrape protocols --------------------------------------------------------------------------

export { SCRAPE_PROTOCOL_HEADERS, DEFAULT_SCRAPE_PROTOCOLS };
export const DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];

function protocolError(p: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(SCRAPE_PROTOCOL_HEADERS, p)) return undefined;
  return `unknown scrape protocol ${p}, supported: [${Object.keys(SCRAPE_PROTOCOL_HEADERS).sort().join(' ')}]`;
}

/** Prometheus's `validateAcceptScrapeProtocols`; returns the error text or undefined. */
export function scrapeProtocolsError(ps: readonly string[]): string | undefined {
  if (ps.length === 0) return 'scrape_protocols cannot be empty';
  const seen = new Set<string>();
  for (const p of ps) {
    if (seen.has(p.toLowerCase())) return `duplicated protocol in scrape_protocols, got [${ps.join(' ')}]`;
    const e = protocolError(p);
    if (e) return `scrape_protocols: ${e}`;
    seen.add(p.toLowerCase());
  }
  return undefined;
}

// ---- HTTP client -------------------------------------------------------------------------------

const TLS_VERSIONS = new Set(['TLS10', 'TLS11', 'TLS12', 'TLS13']);

export const tlsSchema: Schema = {
  name: 'tls_config',
  fields: [
    f('ca', 'ca', 'string', o), f('cert', 'cert', 'string', o), f('key', 'key', 'secret', o),
    f('ca_file', 'caFile', 'string', o), f('cert_file', 'certFile', 'string', o), f('key_file', 'keyFile', 'string', o),
    f('ca_ref', 'caRef', 'string', o), f('cert_ref', 'certRef', 'string', o), f('key_ref', 'keyRef', 'string', o),
    f('server_name', 'serverName', 'string', o), f('insecure_skip_verify', 'insecureSkipVerify', 'bool'),
    f('min_version', 'minVersion', 'string', o), f('max_version', 'maxVersion', 'string', o),
  ],
  defaults: () => ({ ca: '', cert: '', key: '', caFile: '', certFile: '', keyFile: '', caRef: '', certRef: '', keyRef: '', serverName: '', insecureSkipVerify: false, minVersion: '', maxVersion: '' }),
  validate(t, ctx) {
    const n = (...xs: unknown[]) => xs.filter((x) => x !== '').length;
    for (const v of ['min_version', 'max_version'] as const) {
      const val = t[v === 'min_version' ? 'minVersion' : 'maxVersion'] as string;
      if (val !== '' && !TLS_VERSIONS.has(val)) ctx.fail(v, `unknown TLS version: ${val}`);
    }
    if (n(t.ca, t.caFile, t.caRef) > 1) ctx.fail(null, 'at most one of ca, ca_file & ca_ref must be configured');
    if (n(t.cert, t.certFile, t.certRef) > 1) ctx.fail(null, 'at most one of cert, cert_file & cert_ref must be configured');
    if (n(t.key, t.keyFile, t.keyRef) > 1) ctx.fail(null, 'at most one of key and key_file must be configured');
    const cert = n(t.cert, t.certFile, t.certRef) > 0;
    const key = n(t.key, t.keyFile, t.keyRef) > 0;
    if (cert && !key) ctx.fail(null, 'exactly one of key or key_file must be configured when a client certificate is configured');
    if (key && !cert) ctx.fail(null, 'exactly one of cert or cert_file must be configured when a client key is configured');
  },
};

const basicAuthSchema: Schema = {
  name: 'basic_auth',
  fields: [
    f('username', 'username', 'string', o), f('username_file', 'usernameFile', 'string', o), f('username_ref', 'usernameRef', 'string', o),
    f('password', 'password', 'secret', o), f('password_file', 'passwordFile', 'string', o), f('password_ref', 'passwordRef', 'string', o),
  ],
  defaults: () => ({ username: '', usernameFile: '', usernameRef: '', password: '', passwordFile: '', passwordRef: '' }),
};

const authorizationSchema: Schema = {
  name: 'authorization',
  fields: [
    f('type', 'type', 'string', o), f('credentials', 'credentials', 'secret', o),
    f('credentials_file', 'credentialsFile', 'string', o), f('credentials_ref', 'credentialsRef', 'string', o),
  ],
  defaults: () => ({ type: '', credentials: '', credentialsFile: '', credentialsRef: '' }),
};

const proxyFields: FieldSpec[] = [
  f('proxy_url', 'proxyUrl', 'string', o), f('no_proxy', 'noProxy', 'string', o),
  f('proxy_from_environment', 'proxyFromEnvironment', 'bool', o), f('proxy_connect_header', 'proxyConnectHeader', map(list('secret')), o),
];
const proxyDefaults = () => ({ proxyUrl: '', noProxy: '', proxyFromEnvironment: false, proxyConnectHeader: {} });

function validateProxy(c: Obj, ctx: DecodeContext): void {
  const url = c.proxyUrl as string;
  if (url !== '') {
    try {
      new URL(url);
    } catch {
      ctx.fail('proxy_url', `parse ${JSON.stringify(url)}: invalid URL`);
    }
  }
  const headers = Object.keys(c.proxyConnectHeader as Obj).length > 0;
  if (headers && !c.proxyFromEnvironment && url === '') ctx.fail('proxy_connect_header', 'if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured');
  if (c.proxyFromEnvironment && url !== '') ctx.fail('proxy_from_environment', 'if proxy_from_environment is configured, proxy_url must not be configured');
  if (c.proxyFromEnvironment && c.noProxy !== '') ctx.fail('proxy_from_environment', 'if proxy_from_environment is configured, no_proxy must not be configured');
  if (url === '' && c.noProxy !== '') ctx.fail('no_proxy', 'if no_proxy is configured, proxy_url must also be configured');
}

const oauth2Schema: Schema = {
  name: 'oauth2',
  fields: [
    f('client_id', 'client_id', 'string', o), f('client_secret', 'client_secret', 'secret', o), f('client_secret_file', 'client_secret_file', 'string', o),
    f('client_secret_ref', 'client_secret_ref', 'string', o), f('client_certificate_key_id', 'client_certificate_key_id', 'string', o),
    f('client_certificate_key', 'client_certificate_key', 'secret', o), f('client_certificate_key_file', 'client_certificate_key_file', 'string', o),
    f('client_certificate_key_ref', 'client_certificate_key_ref', 'string', o), f('grant_type', 'grant_type', 'string', o),
    f('signature_algorithm', 'signature_algorithm', 'string', o), f('iss', 'iss', 'string', o), f('audience', 'audience', 'string', o),
    f('claims', 'claims', 'any', o), f('scopes', 'scopes', list('string'), o), f('token_url', 'token_url', 'string', o),
    f('endpoint_params', 'endpoint_params', map('string'), o), f('tls_config', 'tls_config', struct(tlsSchema), o), ...proxyFields,
  ],
  defaults: () => ({ client_id: '', client_secret: '', client_secret_file: '', client_secret_ref: '', client_certificate_key: '', client_certificate_key_file: '', client_certificate_key_ref: '', token_url: '', grant_type: '', ...proxyDefaults() }),
  validate: validateProxy,
};

const httpHeaderSchema: Schema = {
  name: 'header',
  fields: [f('values', 'values', list('string'), o), f('secrets', 'secrets', list('secret'), o), f('files', 'files', list('string'), o)],
  defaults: () => ({ values: [], secrets: [], files: [] }),
};

export const RESERVED_HTTP_HEADERS = new Set(['authorization', 'host', 'content-encoding', 'content-length', 'content-type', 'user-agent', 'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'www-authenticate', 'accept-encoding', 'x-prometheus-remote-write-version', 'x-prometheus-remote-read-version', 'x-prometheus-scrape-timeout-seconds', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']);

const httpHeadersSchema: Schema = {
  name: 'http_headers',
  fields: [],
  extra: headerEntry,
  encodeExtra: (obj, showSecrets) => {
    const out: Obj = {};
    for (const [k, v] of Object.entries(obj)) out[k] = encodeStruct(v as Obj, httpHeaderSchema, showSecrets);
    return out;
  },
};

function httpClientSchema(followRedirects: boolean, enableHttp2: boolean): Schema {
  return {
    name: 'http_client_config',
    fields: [
      f('basic_auth', 'basicAuth', struct(basicAuthSchema, true), o),
      f('authorization', 'authorization', struct(authorizationSchema, true), o),
      f('oauth2', 'oauth2', struct(oauth2Schema, true), o),
      f('bearer_token', 'bearerToken', 'secret', { readOnly: true }),
      f('bearer_token_file', 'bearerTokenFile', 'string', { readOnly: true }),
      f('tls_config', 'tlsConfig', struct(tlsSchema), o),
      ...proxyFields,
      f('follow_redirects', 'followRedirects', 'bool'),
      f('enable_http2', 'enableHttp2', 'bool'),
      f('http_headers', 'httpHeaders', { struct: httpHeadersSchema, optional: true }, o),
    ],
    defaults: () => ({ tlsConfig: tlsSchema.defaults!(), ...proxyDefaults(), followRedirects, enableHttp2, bearerToken: '', bearerTokenFile: '' }),
    validate: validateHTTPClient,
  };
}

function headerEntry(key: string, node: unknown, ctx: DecodeContext, obj: Obj): boolean {
  if (RESERVED_HTTP_HEADERS.has(key.toLowerCase())) ctx.fail(key, `setting header ${JSON.stringify(key)} is not allowed`);
  obj[key] = decodeNested(ctx, key, node, httpHeaderSchema);
  return true;
}

function decodeNested(ctx: DecodeContext, key: string, node: unknown, schema: Schema): Obj {
  return decodeStruct(ctx.src, (node ?? null) as Node | null, joinPath(ctx.path, key), schema);
}

function validateHTTPClient(c: Obj, ctx: DecodeContext): void {
  const basic = c.basicAuth as Obj | undefined;
  let authz = c.authorization as Obj | undefined;
  const oauth2 = c.oauth2 as Obj | undefined;
  const bearer = c.bearerToken as string;
  const bearerFile = c.bearerTokenFile as string;
  const nz = (...xs: unknown[]) => xs.filter((x) => x !== '' && x !== undefined).length;
  if (bearer !== '' && bearerFile !== '') ctx.fail('bearer_token', 'at most one of bearer_token & bearer_token_file must be configured');
  if ((basic || oauth2) && (bearer !== '' || bearerFile !== '')) ctx.fail(bearer !== '' ? 'bearer_token' : 'bearer_token_file', 'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  if (basic && nz(basic.username, basic.usernameFile, basic.usernameRef) > 1) ctx.fail('basic_auth', 'at most one of basic_auth username, username_file & username_ref must be configured');
  if (basic && nz(basic.password, basic.passwordFile, basic.passwordRef) > 1) ctx.fail('basic_auth', 'at most one of basic_auth password, password_file & password_ref must be configured');
  if (authz) {
    if (bearer !== '' || bearerFile !== '') ctx.fail('authorization', 'authorization is not compatible with bearer_token & bearer_token_file');
    if (nz(authz.credentials, authz.credentialsFile, authz.credentialsRef) > 1) ctx.fail('authorization', 'at most one of authorization credentials & credentials_file must be configured');
    authz.type = (authz.type as string).trim() || 'Bearer';
    if ((authz.type as string).toLowerCase() === 'basic') ctx.fail('authorization', 'authorization type cannot be set to "basic", use "basic_auth" instead');
    if (basic || oauth2) ctx.fail('authorization', 'at most one of basic_auth, oauth2 & authorization must be configured');
  } else if (bearer !== '' || bearerFile !== '') {
    // The legacy fields become an `authorization` of type Bearer, as Prometheus folds them.
    authz = { type: 'Bearer', credentials: bearer, credentialsFile: bearerFile, credentialsRef: '' };
    c.authorization = authz;
  }
  c.bearerToken = '';
  c.bearerTokenFile = '';
  if (oauth2) {
    if (basic) ctx.fail('oauth2', 'at most one of basic_auth, oauth2 & authorization must be configured');
    if (oauth2.client_id === '') ctx.fail('oauth2', 'oauth2 client_id must be configured');
    if (oauth2.token_url === '') ctx.fail('oauth2', 'oauth2 token_url must be configured');
    if (oauth2.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' && nz(oauth2.client_secret, oauth2.client_secret_file, oauth2.client_secret_ref) > 1) {
      ctx.fail('oauth2', 'at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials');
    }
  }
  validateProxy(c, ctx);
}

export const scrapeHTTPClientSchema = httpClientSchema(true, true);
export const remoteWriteHTTPClientSchema = httpClientSchema(true, false);

// ---- relabeling --------------------------------------------------------------------------------

const RELABEL_ACTIONS: readonly RelabelAction[] = ['replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase'];

/** `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: a legacy label name in which `$1`/`${name}` may stand for characters. */
const RELABEL_TARGET_LEGACY = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

export const relabelSchema: Schema = {
  name: 'relabel_config',
  fields: [
    f('source_labels', 'sourceLabels', list('string'), { omitempty: true, flow: true }),
    f('separator', 'separator', 'string'),
    f('regex', 'regex', 'string', { omitempty: true, omitIf: (r) => r.regexGiven !== true }),
    f('modulus', 'modulus', 'uint', o),
    f('target_label', 'targetLabel', 'string', o),
    f('replacement', 'replacement', 'string'),
    f('action', 'action', 'string', o),
  ],
  defaults: () => ({ sourceLabels: [], separator: ';', regex: '(.*)', regexGiven: false, modulus: 0, targetLabel: '', replacement: '$1', action: 'replace', nameValidationScheme: 'utf8' }),
  validate(r, ctx) {
    if (ctx.has('regex')) {
      r.regexGiven = true;
      const node = ctx.fieldNode('regex');
      if (node && (node as { value?: unknown }).value === null) r.regex = '';
      try {
        compileAnchoredRegex(r.regex as string);
      } catch (e) {
        ctx.fail('regex', `error parsing regexp: ${errorMessage(e)}`);
      }
    }
    const action = (r.action as string).toLowerCase();
    if (ctx.has('action') && !RELABEL_ACTIONS.includes(action as RelabelAction)) ctx.fail('action', `unknown relabel action ${JSON.stringify(r.action)}`);
    r.action = action;
    for (const l of r.sourceLabels as string[]) {
      if (!isValidUTF8LabelName(l)) ctx.fail('source_labels', `${JSON.stringify(l)} is not a valid label name`);
    }
  },
};

/** Prometheus's `relabel.Config.Validate` (run once the scrape config's name validation scheme is known). */
export function relabelConfigError(r: Obj, scheme: NameValidationScheme): { field: string | null; why: string } | undefined {
  const action = r.action as RelabelAction | '';
  const target = r.targetLabel as string;
  const replacement = r.replacement as string;
  const isDefaultRegex = !(r.regexGiven as boolean);
  r.nameValidationScheme = scheme;
  if (action === '') return { field: 'action', why: 'relabel action cannot be empty' };
  if (r.modulus === 0 && action === 'hashmod') return { field: null, why: 'relabel configuration for hashmod requires non-zero modulus' };
  if (['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && target === '') {
    return { field: null, why: `relabel configuration for ${action} action requires 'target_label' value` };
  }
  const hasVar = (s: string) => s.includes('$');
  const validWithVars = (s: string) => (scheme === 'utf8' ? isValidUTF8LabelName(s) : RELABEL_TARGET_LEGACY.test(s));
  if (action === 'replace' && !hasVar(target) && !validLabelName(target, scheme)) return { field: 'target_label', why: `${JSON.stringify(target)} is invalid 'target_label' for ${action} action` };
  if (action === 'replace' && hasVar(target) && !validWithVars(target)) return { field: 'target_label', why: `${JSON.stringify(target)} is invalid 'target_label' for ${action} action` };
  const noReplacement = ['lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (noReplacement.includes(action) && !validLabelName(target, scheme)) return { field: 'target_label', why: `${JSON.stringify(target)} is invalid 'target_label' for ${action} action` };
  if (noReplacement.includes(action) && replacement !== '$1') return { field: 'replacement', why: `'replacement' can not be set for ${action} action` };
  if (action === 'labelmap' && !validWithVars(replacement)) return { field: 'replacement', why: `${JSON.stringify(replacement)} is invalid 'replacement' for ${action} action` };
  if (action === 'hashmod' && !validLabelName(target, scheme)) return { field: 'target_label', why: `${JSON.stringify(target)} is invalid 'target_label' for ${action} action` };
  if (action === 'dropequal' || action === 'keepequal') {
    if (!isDefaultRegex || r.modulus !== 0 || r.separator !== ';' || replacement !== '$1') {
      return { field: null, why: `${action} action requires only 'source_labels' and \`target_label\`, and no other fields` };
    }
  }
  if (action === 'labeldrop' || action === 'labelkeep') {
    if ((r.sourceLabels as string[]).length > 0 || target !== '' || r.modulus !== 0 || r.separator !== ';' || replacement !== '$1') {
      return { field: null, why: `${action} action requires only 'regex', and no other fields` };
    }
  }
  return undefined;
}

// ---- service discovery -------------------------------------------------------------------------

const labelSetKind: Kind = map('string');

export const staticConfigSchema: Schema = {
  name: 'static_config',
  fields: [f('targets', 'targets', list('string')), f('labels', 'labels', labelSetKind, o)],
  defaults: () => ({ targets: [], labels: {} }),
  validate(g, ctx) {
    for (const [name, value] of Object.entries(g.labels as Obj)) {
      if (!isValidUTF8LabelName(name)) ctx.fail('labels', `${JSON.stringify(name)} is not a valid label name`);
      if (!isWellFormed(value as string)) ctx.fail('labels', `${JSON.stringify(value)} is not a valid label value`);
    }
  },
};

const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

export const fileSDSchema: Schema = {
  name: 'file_sd_config',
  fields: [f('files', 'files', list('string')), f('refresh_interval', 'refreshInterval', 'duration', o)],
  defaults: () => ({ files: [], refreshInterval: 5 * 60_000 }),
  validate(c, ctx) {
    const files = c.files as string[];
    if (files.length === 0) ctx.fail('files', 'file service discovery config must contain at least one path name');
    files.forEach((name, i) => {
      if (!FILE_SD_NAME.test(name)) ctx.failItem('files', i, `path name ${JSON.stringify(name)} is not valid for file discovery`);
    });
  },
};

export const httpSDSchema: Schema = {
  name: 'http_sd_config',
  fields: [{ inline: scrapeHTTPClientSchema, prop: 'httpClient' }, f('refresh_interval', 'refreshInterval', 'duration', o), f('url', 'url', 'string')],
  defaults: () => ({ refreshInterval: 60_000, url: '' }),
  validate(c, ctx) {
    const url = c.url as string;
    if (url === '') ctx.fail('url', 'URL is missing');
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed) return ctx.fail('url', `parse ${JSON.stringify(url)}: invalid URL`);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ctx.fail('url', "URL scheme must be 'http' or 'https'");
    if (parsed.host === '') ctx.fail('url', 'host is missing in URL');
  },
};

/** Discovery mechanisms Prometheus has and Vigil does not: named in a clear error rather than "unknown field". */
export const UNSUPPORTED_SD = [
  'azure', 'consul', 'digitalocean', 'docker', 'dockerswarm', 'dns', 'ec2', 'eureka', 'gce', 'hetzner', 'ionos',
  'kubernetes', 'kuma', 'lightsail', 'linode', 'marathon', 'nerve', 'nomad', 'openstack', 'ovhcloud', 'puppetdb',
  'scaleway', 'serverset', 'stackit', 'triton', 'uyuni', 'vultr',
];

export function unsupportedSD(key: string, _node: unknown, ctx: DecodeContext): boolean {
  const m = /^(\w+)_sd_configs?$/.exec(key);
  if (m && UNSUPPORTED_SD.includes(m[1])) {
    ctx.fail(key, `service discovery "${m[1]}" is not supported by Vigil (supported: static_configs, file_sd_configs, http_sd_configs)`);
  }
  return false;
}

export const sdFields: FieldSpec[] = [
  f('file_sd_configs', 'fileSDConfigs', list(struct(fileSDSchema)), o),
  f('http_sd_configs', 'httpSDConfigs', list(struct(httpSDSchema)), o),
  f('static_configs', 'staticConfigs', list(struct(staticConfigSchema)), o),
];

// ---- scrape config -----------------------------------------------------------------------------

/** Null entries in relabel lists: Prometheus rejects them with these words. */
export function rejectNullRules(c: Obj, ctx: DecodeContext, fieldYaml: string, prop: string, why: string): void {
  const node = ctx.fieldNode(fieldYaml) as { items?: Array<{ value?: unknown } | null> } | null;
  const items = node?.items;
  if (!items) return;
  items.forEach((it, i) => {
    if (it === null || (it && 'value' in it && it.value === null)) {
      throw ctx.child(`${ctx.path}.${fieldYaml}[${i}]`, (it as never) ?? (node as never)).fail(null, why);
    }
  });
  void c[prop];
}

export function checkTargetAddress(address: string): string | undefined {
  return address.includes('/') ? `${JSON.stringify(address)} is not a valid hostname` : undefined;
}

export const scrapeConfigSchema: Schema = {
  name: 'scrape_config',
  fields: [
    f('job_name', 'jobName', 'string'),
    f('honor_labels', 'honorLabels', 'bool', o),
    f('honor_timestamps', 'honorTimestamps', 'bool'),
    f('track_timestamps_staleness', 'trackTimestampsStaleness', 'bool'),
    f('params', 'params', map(list('string')), o),
    f('scrape_interval', 'scrapeInterval', 'duration', o),
    f('scrape_timeout', 'scrapeTimeout', 'duration', o),
    f('scrape_protocols', 'scrapeProtocols', list('string'), o),
    f('fallback_scrape_protocol', 'fallbackScrapeProtocol', 'string', o),
    f('scrape_native_histograms', 'scrapeNativeHistograms', 'bool'),
    f('always_scrape_classic_histograms', 'alwaysScrapeClassicHistograms', 'bool'),
    f('convert_classic_histograms_to_nhcb', 'convertClassicHistogramsToNhcb', 'bool'),
    f('scrape_failure_log_file', 'scrapeFailureLogFile', 'string', o),
    f('metrics_path', 'metricsPath', 'string', o),
    f('scheme', 'scheme', 'string', o),
    f('enable_compression', 'enableCompression', 'bool'),
    f('body_size_limit', 'bodySizeLimit', 'bytes', o),
    f('sample_limit', 'sampleLimit', 'uint', o),
    f('target_limit', 'targetLimit', 'uint', o),
    f('label_limit', 'labelLimit', 'uint', o),
    f('label_name_length_limit', 'labelNameLengthLimit', 'uint', o),
    f('label_value_length_limit', 'labelValueLengthLimit', 'uint', o),
    f('native_histogram_bucket_limit', 'nativeHistogramBucketLimit', 'uint', o),
    f('native_histogram_min_bucket_factor', 'nativeHistogramMinBucketFactor', 'float', o),
    f('keep_dropped_targets', 'keepDroppedTargets', 'uint', o),
    f('metric_name_validation_scheme', 'metricNameValidationScheme', 'string', o),
    f('metric_name_escaping_scheme', 'metricNameEscapingScheme', 'string', o),
    f('extra_scrape_metrics', 'extraScrapeMetrics', 'bool'),
    { inline: scrapeHTTPClientSchema, prop: 'httpClient' },
    f('relabel_configs', 'relabelConfigs', list(struct(relabelSchema)), o),
    f('metric_relabel_configs', 'metricRelabelConfigs', list(struct(relabelSchema)), o),
    ...sdFields,
  ],
  defaults: () => ({
    jobName: '', honorLabels: false, honorTimestamps: true, trackTimestampsStaleness: false, params: {}, scrapeInterval: 0, scrapeTimeout: 0,
    fallbackScrapeProtocol: '', scrapeFailureLogFile: '', metricsPath: '/metrics', scheme: 'http', enableCompression: true, bodySizeLimit: 0,
    sampleLimit: 0, targetLimit: 0, labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0, nativeHistogramBucketLimit: 0,
    nativeHistogramMinBucketFactor: 0, keepDroppedTargets: 0, metricNameValidationScheme: '', metricNameEscapingScheme: '',
    relabelConfigs: [], metricRelabelConfigs: [], staticConfigs: [], fileSDConfigs: [], httpSDConfigs: [],
  }),
  extra: unsupportedSD,
  validate(c, ctx) {
    if (c.jobName === '') ctx.fail(ctx.has('job_name') ? 'job_name' : null, 'job_name is empty');
    rememberUnset(c, ctx, ['scrape_protocols', 'scrape_native_histograms', 'always_scrape_classic_histograms', 'convert_classic_histograms_to_nhcb', 'extra_scrape_metrics']);
    if ((c.relabelConfigs as unknown[]).length === 0) {
      (c.staticConfigs as Obj[]).forEach((g, i) => {
        for (const t of g.targets as string[]) {
          const e = checkTargetAddress(t);
          if (e) (contextOf(g) ?? ctx.child(`${ctx.path}.static_configs[${i}]`, null)).fail(null, e);
        }
      });
    }
    rejectNullRules(c, ctx, 'relabel_configs', 'relabelConfigs', 'empty or null target relabeling rule in scrape config');
    rejectNullRules(c, ctx, 'metric_relabel_configs', 'metricRelabelConfigs', 'empty or null metric relabeling rule in scrape config');
  },
};

const UNSET = Symbol('unset');
/** Remembers which optional fields were absent, for defaults that depend on the global section. */
function rememberUnset(c: Obj, ctx: DecodeContext, names: string[]): void {
  const unset = new Set(names.filter((n) => !ctx.has(n) || (ctx.fieldNode(n) as { value?: unknown } | null)?.value === null));
  Object.defineProperty(c, UNSET, { value: unset, enumerable: false });
}
export function wasUnset(c: Obj, yamlName: string): boolean {
  return ((c as { [UNSET]?: Set<string> })[UNSET])?.has(yamlName) ?? false;
}

// ---- global ------------------------------------------------------------------------------------

export const globalSchema: Schema = {
  name: 'global',
  fields: [
    f('scrape_interval', 'scrapeInterval', 'duration', o),
    f('scrape_timeout', 'scrapeTimeout', 'duration', o),
    f('scrape_protocols', 'scrapeProtocols', list('string'), o),
    f('evaluation_interval', 'evaluationInterval', 'duration', o),
    f('rule_query_offset', 'ruleQueryOffset', 'duration', o),
    f('query_log_file', 'queryLogFile', 'string', o),
    f('scrape_failure_log_file', 'scrapeFailureLogFile', 'string', o),
    f('external_labels', 'externalLabels', labelSetKind, o),
    f('body_size_limit', 'bodySizeLimit', 'bytes', o),
    f('sample_limit', 'sampleLimit', 'uint', o),
    f('target_limit', 'targetLimit', 'uint', o),
    f('label_limit', 'labelLimit', 'uint', o),
    f('label_name_length_limit', 'labelNameLengthLimit', 'uint', o),
    f('label_value_length_limit', 'labelValueLengthLimit', 'uint', o),
    f('keep_dropped_targets', 'keepDroppedTargets', 'uint', o),
    f('metric_name_validation_scheme', 'metricNameValidationScheme', 'string', o),
    f('metric_name_escaping_scheme', 'metricNameEscapingScheme', 'string', o),
    f('scrape_native_histograms', 'scrapeNativeHistograms', 'bool', o),
    f('convert_classic_histograms_to_nhcb', 'convertClassicHistogramsToNhcb', 'bool', o),
    f('always_scrape_classic_histograms', 'alwaysScrapeClassicHistograms', 'bool', o),
    f('extra_scrape_metrics', 'extraScrapeMetrics', 'bool', o),
  ],
  defaults: () => ({
    scrapeInterval: 0, scrapeTimeout: 0, evaluationInterval: 0, ruleQueryOffset: 0, queryLogFile: '', scrapeFailureLogFile: '',
    externalLabels: {}, bodySizeLimit: 0, sampleLimit: 0, targetLimit: 0, labelLimit: 0, labelNameLengthLimit: 0,
    labelValueLengthLimit: 0, keepDroppedTargets: 0, metricNameValidationScheme: '', metricNameEscapingScheme: '',
    scrapeNativeHistograms: false, convertClassicHistogramsToNhcb: false, alwaysScrapeClassicHistograms: false, extraScrapeMetrics: false,
  }),
  validate: validateGlobal,
};

export function validateGlobal(g: Obj, ctx: DecodeContext): void {
  if (g.metricNameValidationScheme !== 'utf8' && g.metricNameValidationScheme !== 'legacy') g.metricNameValidationScheme = 'utf8';
  const scheme = g.metricNameValidationScheme as NameValidationScheme;
  for (const [name, value] of Object.entries(g.externalLabels as Obj)) {
    if (!validLabelName(name, scheme)) ctx.fail('external_labels', `${JSON.stringify(name)} is not a valid label name`);
    if (!isWellFormed(value as string)) ctx.fail('external_labels', `${JSON.stringify(value)} is not a valid label value`);
  }
  if (g.scrapeInterval === 0) g.scrapeInterval = 60_000;
  if ((g.scrapeTimeout as number) > (g.scrapeInterval as number)) ctx.fail('scrape_timeout', 'global scrape timeout greater than scrape interval');
  if (g.scrapeTimeout === 0) g.scrapeTimeout = Math.min(10_000, g.scrapeInterval as number);
  if (g.evaluationInterval === 0) g.evaluationInterval = 60_000;
  const protoNode = ctx.fieldNode('scrape_protocols') as { value?: unknown } | null;
  if (!ctx.has('scrape_protocols') || protoNode?.value === null) {
    delete g.scrapeProtocols;
  } else {
    const e = scrapeProtocolsError(g.scrapeProtocols as string[]);
    if (e) ctx.fail('scrape_protocols', `${e} for global config`);
  }
}

/** The global section when the file has none. */
export function defaultGlobal(): Obj {
  const g = globalSchema.defaults!();
  g.scrapeInterval = 60_000;
  g.scrapeTimeout = 10_000;
  g.evaluationInterval = 60_000;
  g.metricNameValidationScheme = 'utf8';
  g.metricNameEscapingScheme = 'allow-utf-8';
  return g;
}

const ESCAPING_SCHEMES = ['allow-utf-8', 'underscores', 'dots', 'values'];

/** Prometheus's `ScrapeConfig.Validate(global)`: defaults from the global section, then checks. */
export function validateScrapeConfig(c: Obj, g: Obj, ctx: DecodeContext): void {
  const job = JSON.stringify(c.jobName);
  if (c.scrapeInterval === 0) c.scrapeInterval = g.scrapeInterval;
  if ((c.scrapeTimeout as number) > (c.scrapeInterval as number)) ctx.fail('scrape_timeout', `scrape timeout greater than scrape interval for scrape config with job name ${job}`);
  if (c.scrapeTimeout === 0) c.scrapeTimeout = Math.min(g.scrapeTimeout as number, c.scrapeInterval as number);
  for (const k of ['bodySizeLimit', 'sampleLimit', 'targetLimit', 'labelLimit', 'labelNameLengthLimit', 'labelValueLengthLimit', 'keepDroppedTargets'] as const) {
    if (c[k] === 0) c[k] = g[k];
  }
  if (c.scrapeFailureLogFile === '') c.scrapeFailureLogFile = g.scrapeFailureLogFile;
  if (wasUnset(c, 'scrape_native_histograms')) c.scrapeNativeHistograms = g.scrapeNativeHistograms;
  if (wasUnset(c, 'extra_scrape_metrics')) c.extraScrapeMetrics = g.extraScrapeMetrics;
  if (wasUnset(c, 'scrape_protocols')) {
    c.scrapeProtocols = g.scrapeProtocols ?? (c.scrapeNativeHistograms ? DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS : DEFAULT_SCRAPE_PROTOCOLS);
  }
  const pe = scrapeProtocolsError(c.scrapeProtocols as string[]);
  if (pe) ctx.fail('scrape_protocols', `${pe} for scrape config with job name ${job}`);
  if (c.fallbackScrapeProtocol !== '') {
    const e = protocolError(c.fallbackScrapeProtocol as string);
    if (e) ctx.fail('fallback_scrape_protocol', `invalid fallback_scrape_protocol for scrape config with job name ${job}: ${e}`);
  }
  let localUnset = false;
  switch (c.metricNameValidationScheme) {
    case '':
      localUnset = true;
      c.metricNameValidationScheme = g.metricNameValidationScheme;
      break;
    case 'legacy':
    case 'utf8':
      break;
    default:
      ctx.fail('metric_name_validation_scheme', `unknown scrape config name validation method specified, must be either '', 'legacy' or 'utf8', got ${c.metricNameValidationScheme}`);
  }
  let globalEscaping = g.metricNameEscapingScheme as string;
  if (globalEscaping === '') globalEscaping = g.metricNameValidationScheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  if (!ESCAPING_SCHEMES.includes(globalEscaping)) {
    ctx.fail(null, `unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(globalEscaping)}`);
  }
  if (c.metricNameEscapingScheme === '') {
    if (localUnset) c.metricNameEscapingScheme = globalEscaping;
    else c.metricNameEscapingScheme = c.metricNameValidationScheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  }
  if (c.metricNameEscapingScheme === 'allow-utf-8') {
    if (c.metricNameValidationScheme !== 'utf8') ctx.fail('metric_name_escaping_scheme', 'utf8 metric names requested but validation scheme is not set to UTF8');
  } else if (!ESCAPING_SCHEMES.includes(c.metricNameEscapingScheme as string)) {
    ctx.fail('metric_name_escaping_scheme', `unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(c.metricNameEscapingScheme)}`);
  }
  if (wasUnset(c, 'convert_classic_histograms_to_nhcb')) c.convertClassicHistogramsToNhcb = g.convertClassicHistogramsToNhcb;
  if (wasUnset(c, 'always_scrape_classic_histograms')) c.alwaysScrapeClassicHistograms = g.alwaysScrapeClassicHistograms;
  const scheme = c.metricNameValidationScheme as NameValidationScheme;
  for (const [field, prop] of [['relabel_configs', 'relabelConfigs'], ['metric_relabel_configs', 'metricRelabelConfigs']] as const) {
    (c[prop] as Obj[]).forEach((r, i) => {
      const e = relabelConfigError(r, scheme);
      if (e) {
        const rctx = contextOf(r) ?? ctx.child(`${ctx.path}.${field}[${i}]`, null);
        rctx.fail(e.field && rctx.has(e.field) ? e.field : null, e.why);
      }
    });
  }
}


