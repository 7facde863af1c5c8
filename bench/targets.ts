// The goals from the benchmark issues, in one place: status speed-ups against certbot measured in the same run, memory,
// start-up; renewal without failed requests; the watcher's reaction time and idle cost.
export const TARGETS = {
  /** certbot certificates / ngcert status with an empty cache. */
  coldSpeedup: 8,
  /** certbot certificates / ngcert status with the cache primed. */
  warmSpeedup: 20,
  /** Peak RSS of one ngcert status run, MiB. */
  peakRssMiB: 150,
  /** `ngcert --version` minus `node -e 0`, ms: "within a few ms". */
  versionOverheadMs: 5,
  /** Requests failed by a forced `ngcert renew` under 8-client HTTPS load (issue 5). */
  zeroDowntimeFailed: 0,
  /** certbot renewal done (no ngcert hook) to nginx serving the new certificate, median ms (issue 6). */
  watchReactionMs: 1_000,
  /** `ngcert watch` RSS with 2,000 lineages once its first check is done, MiB. */
  watchIdleRssMiB: 100,
  /** CPU of an idle `ngcert watch` between checks, percent of one core: "near zero". */
  watchIdleCpuPercent: 0.5,
} as const;
