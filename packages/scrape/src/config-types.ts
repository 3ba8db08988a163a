/**
 * The configuration file (`prometheus.yml`) as typed, validated, readonly objects. Durations are
 * milliseconds, sizes bytes; secrets are plain strings here and hidden only when printed. Names follow
 * the YAML fields in camelCase (`scrape_interval` → `scrapeInterval`).
 */

import type { ScrapeProtocol } from '@vigil/exposition';

export type { ScrapeProtocol };

export type NameValidationScheme = 'utf8' | 'legacy';

export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

export interface RelabelConfig {
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** The pattern as written (anchored when applied); `(.*)` by default. */
  readonly regex: string;
  /** Whether `regex` was given in the file (Prometheus prints and checks it only then). */
  readonly regexGiven: boolean;
  readonly modulus: number;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly action: RelabelAction;
  /** The label-name rules applied to targets built by this rule (from the scrape config). */
  readonly nameValidationScheme: NameValidationScheme;
}

export interface TLSConfig {
  readonly ca: string;
  readonly caFile: string;
  readonly caRef: string;
  readonly cert: string;
  readonly certFile: string;
  readonly certRef: string;
  /** Secret. */
  readonly key: string;
  readonly keyFile: string;
  readonly keyRef: string;
  readonly serverName: string;
  readonly insecureSkipVerify: boolean;
  /** `TLS10`…`TLS13`, or `''`. */
  readonly minVersion: string;
  readonly maxVersion: string;
}

export interface BasicAuth {
  readonly username: string;
  readonly usernameFile: string;
  readonly usernameRef: string;
  /** Secret. */
  readonly password: string;
  readonly passwordFile: string;
  readonly passwordRef: string;
}

export interface Authorization {
  /** `Bearer` unless given. */
  readonly type: string;
  /** Secret. */
  readonly credentials: string;
  readonly credentialsFile: string;
  readonly credentialsRef: string;
}

export interface HTTPHeader {
  readonly values: readonly string[];
  /** Secrets. */
  readonly secrets: readonly string[];
  readonly files: readonly string[];
}

/**
 * How to reach a target over HTTP. Proxy fields are accepted and validated but the scraper connects
 * directly (it has no proxy support); OAuth 2.0 is accepted but not performed (a scrape with it fails
 * with a clear error).
 */
export interface HTTPClientConfig {
  readonly basicAuth?: BasicAuth;
  /** Also holds the legacy `bearer_token` / `bearer_token_file`, folded in as Prometheus does. */
  readonly authorization?: Authorization;
  readonly oauth2?: Readonly<Record<string, unknown>>;
  readonly tlsConfig: TLSConfig;
  readonly proxyUrl: string;
  readonly noProxy: string;
  readonly proxyFromEnvironment: boolean;
  readonly proxyConnectHeader: Readonly<Record<string, readonly string[]>>;
  readonly followRedirects: boolean;
  readonly enableHttp2: boolean;
  readonly httpHeaders?: Readonly<Record<string, HTTPHeader>>;
}

export interface StaticConfig {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface FileSDConfig {
  /** Paths or globs (`*` in the last element), made absolute against the config file's folder. */
  readonly files: readonly string[];
  readonly refreshInterval: number;
}

export interface HTTPSDConfig {
  readonly httpClient: HTTPClientConfig;
  readonly refreshInterval: number;
  readonly url: string;
}

export interface GlobalConfig {
  readonly scrapeInterval: number;
  readonly scrapeTimeout: number;
  /** Undefined when not set (each scrape config then picks its default). */
  readonly scrapeProtocols?: readonly ScrapeProtocol[];
  readonly evaluationInterval: number;
  readonly ruleQueryOffset: number;
  readonly queryLogFile: string;
  readonly scrapeFailureLogFile: string;
  /** After `${VAR}` expansion. */
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly bodySizeLimit: number;
  readonly sampleLimit: number;
  readonly targetLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly keepDroppedTargets: number;
  readonly metricNameValidationScheme: NameValidationScheme;
  readonly metricNameEscapingScheme: string;
  readonly scrapeNativeHistograms: boolean;
  readonly convertClassicHistogramsToNhcb: boolean;
  readonly alwaysScrapeClassicHistograms: boolean;
  readonly extraScrapeMetrics: boolean;
}

export interface ScrapeConfig {
  readonly jobName: string;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  readonly trackTimestampsStaleness: boolean;
  readonly params: Readonly<Record<string, readonly string[]>>;
  readonly scrapeInterval: number;
  readonly scrapeTimeout: number;
  readonly scrapeProtocols: readonly ScrapeProtocol[];
  /** `''` when not set. */
  readonly fallbackScrapeProtocol: ScrapeProtocol | '';
  readonly scrapeNativeHistograms: boolean;
  readonly alwaysScrapeClassicHistograms: boolean;
  readonly convertClassicHistogramsToNhcb: boolean;
  readonly scrapeFailureLogFile: string;
  readonly metricsPath: string;
  readonly scheme: string;
  readonly enableCompression: boolean;
  /** Bytes; 0 means no limit from the config (the scraper still applies its own cap). */
  readonly bodySizeLimit: number;
  readonly sampleLimit: number;
  readonly targetLimit: number;
  readonly labelLimit: number;
  readonly labelNameLengthLimit: number;
  readonly labelValueLengthLimit: number;
  readonly nativeHistogramBucketLimit: number;
  readonly nativeHistogramMinBucketFactor: number;
  readonly keepDroppedTargets: number;
  readonly metricNameValidationScheme: NameValidationScheme;
  readonly metricNameEscapingScheme: string;
  readonly extraScrapeMetrics: boolean;
  readonly httpClient: HTTPClientConfig;
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly metricRelabelConfigs: readonly RelabelConfig[];
  readonly staticConfigs: readonly StaticConfig[];
  readonly fileSDConfigs: readonly FileSDConfig[];
  readonly httpSDConfigs: readonly HTTPSDConfig[];
}

export interface AlertmanagerConfig {
  readonly httpClient: HTTPClientConfig;
  readonly sigv4?: Readonly<Record<string, unknown>>;
  readonly scheme: string;
  readonly pathPrefix: string;
  readonly timeout: number;
  readonly apiVersion: string;
  readonly relabelConfigs: readonly RelabelConfig[];
  readonly alertRelabelConfigs: readonly RelabelConfig[];
  readonly staticConfigs: readonly StaticConfig[];
  readonly fileSDConfigs: readonly FileSDConfig[];
  readonly httpSDConfigs: readonly HTTPSDConfig[];
}

export interface AlertingConfig {
  readonly alertRelabelConfigs: readonly RelabelConfig[];
  readonly alertmanagers: readonly AlertmanagerConfig[];
}

export interface QueueConfig {
  readonly capacity: number;
  readonly maxShards: number;
  readonly minShards: number;
  readonly maxSamplesPerSend: number;
  readonly batchSendDeadline: number;
  readonly minBackoff: number;
  readonly maxBackoff: number;
  readonly retryOnHttp429: boolean;
  readonly sampleAgeLimit: number;
}

export interface MetadataConfig {
  readonly send: boolean;
  readonly sendInterval: number;
  readonly maxSamplesPerSend: number;
}

export interface RemoteWriteConfig {
  readonly url: string;
  readonly remoteTimeout: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly writeRelabelConfigs: readonly RelabelConfig[];
  readonly name: string;
  readonly sendExemplars: boolean;
  readonly sendNativeHistograms: boolean;
  readonly roundRobinDns: boolean;
  readonly protobufMessage: string;
  readonly httpClient: HTTPClientConfig;
  readonly queueConfig: QueueConfig;
  readonly metadataConfig: MetadataConfig;
  readonly sigv4?: Readonly<Record<string, unknown>>;
  readonly azuread?: Readonly<Record<string, unknown>>;
  readonly googleIam?: Readonly<Record<string, unknown>>;
}

export interface RemoteReadConfig {
  readonly url: string;
  readonly remoteTimeout: number;
  readonly chunkedReadLimit: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly readRecent: boolean;
  readonly name: string;
  readonly httpClient: HTTPClientConfig;
  readonly requiredMatchers: Readonly<Record<string, string>>;
  readonly filterExternalLabels: boolean;
}

export interface StorageConfig {
  readonly tsdb: {
    readonly outOfOrderTimeWindow: number;
    readonly retention?: { readonly time: number; readonly size: number; readonly percentage: number };
  };
  readonly exemplars?: { readonly maxExemplars: number };
}

export interface Config {
  readonly global: GlobalConfig;
  readonly runtime: { readonly gogc: number };
  readonly alerting: AlertingConfig;
  /** Paths or globs, made absolute against the config file's folder by `loadConfigFile`. */
  readonly ruleFiles: readonly string[];
  readonly scrapeConfigFiles: readonly string[];
  /** The scrape configs of the main file followed by those of `scrape_config_files`. */
  readonly scrapeConfigs: readonly ScrapeConfig[];
  readonly storage: StorageConfig;
  readonly tracing?: Readonly<Record<string, unknown>>;
  readonly remoteWrite: readonly RemoteWriteConfig[];
  readonly remoteRead: readonly RemoteReadConfig[];
  readonly otlp: Readonly<Record<string, unknown>>;
}
