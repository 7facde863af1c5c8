// The goals from the benchmark issue, in one place: speed-ups against certbot measured in the same run, memory, start-up.
export const TARGETS = {
  /** certbot certificates / ngcert status with an empty cache. */
  coldSpeedup: 8,
  /** certbot certificates / ngcert status with the cache primed. */
  warmSpeedup: 20,
  /** Peak RSS of one ngcert status run, MiB. */
  peakRssMiB: 150,
  /** `ngcert --version` minus `node -e 0`, ms: "within a few ms". */
  versionOverheadMs: 5,
} as const;
