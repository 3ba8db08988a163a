export type * from './config-types.js';
export { loadConfig, loadConfigFile, configToYAML, expandEnv, ConfigError, type LoadOptions } from './config.js';
export { DEFAULT_SCRAPE_PROTOCOLS, SCRAPE_PROTOCOL_HEADERS, checkTargetAddress } from './config-schema.js';
export { relabel, processRelabel, hashMod, expandTemplate, LabelSetBuilder } from './relabel.js';
export {
  Target, populateLabels, discoveredLabels, targetURL, globalURL, type TargetGroup, type TargetHealth, type DroppedTarget, type PopulateResult,
} from './target.js';
export { StaticDiscoverer, FileDiscoverer, HTTPDiscoverer, readGroupsFile, FILEPATH_LABEL, URL_LABEL, type Discoverer, type UpdateHandler } from './discovery.js';
export { parseGroupsJSON, parseGroupsYAML } from './target-groups.js';
export { HTTPClient, ScrapeError, USER_AGENT } from './http-client.js';
export { TargetScraper, chooseMediaType, DEFAULT_BODY_SIZE_LIMIT, type ScrapeBody } from './scraper.js';
export { ScrapeCache, appendScrape, mutateSampleLabels, REPORT_METRICS, type AppendSettings, type AppendResult } from './scrape-append.js';
export { ScrapeStats, goDurationString } from './scrape-stats.js';
export { ScrapeLoop, type ScrapeLoopOptions, type ScrapeOutcome } from './scrape-loop.js';
export { ScrapePool, type PoolDependencies } from './scrape-pool.js';
export { ScrapeManager, reloadConfigFile, type ScrapeManagerOptions } from './manager.js';
export { MetadataStore, type MetricMetadata } from './metadata.js';
export { glob } from './glob.js';
export { NOP_LOGGER, type Logger } from './log.js';
export { RecordingStorage } from './recording-storage.js';
export {
  targetsJSON, activeTargetJSON, droppedTargetJSON, targetMetadataJSON, formatGoTime,
  type TargetsJSON, type ActiveTargetJSON, type DroppedTargetJSON, type TargetMetadataJSON, type GlobalURLOptions,
} from './api.js';
