/**
 * Totals over all scrape loops of a manager, read by the server's `/metrics`
 * (`vigil_target_scrapes_*_total`, `vigil_target_interval_length_seconds`). Plain numbers: a loop adds
 * what one scrape refused, once per scrape.
 */
export class ScrapeStats {
  /** Scrapes rejected because they had more samples than `sample_limit`. */
  exceededSampleLimit = 0;
  /** Samples the storage refused, by reason. */
  sampleOutOfOrder = 0;
  sampleDuplicateTimestamp = 0;
  sampleOutOfBounds = 0;
  /**
   * Called with the time between the starts of two consecutive scrapes of a target, and the target's
   * configured interval as Go prints a duration (`15s`, `1m0s`): the label Prometheus uses.
   */
  observeInterval: (interval: string, seconds: number) => void = () => {};
}

/** Go's `time.Duration.String()` of a whole number of milliseconds: `15s`, `1m0s`, `1m30s`, `500ms`, `1.5s`. */
export function goDurationString(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 0) return '-' + goDurationString(-ms);
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  const frac = ms % 1000;
  const sec = frac > 0 ? `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : String(s);
  return h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
}
