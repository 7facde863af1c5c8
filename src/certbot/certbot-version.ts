// Which certbot runs: `certbot --version` prints "certbot 2.1.0". certbot reads ACME Renewal Information itself from
// 4.1 on; below that ngcert asks the CA (renewal/refresh-ari.ts).

export type Version = [number, number, number];

export function parseCertbotVersion(output: string): Version | undefined {
  const match = /\bcertbot\s+(\d+)\.(\d+)(?:\.(\d+))?/.exec(output);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

export function certbotReadsAri(version: Version | undefined): boolean {
  return version !== undefined && (version[0] > 4 || (version[0] === 4 && version[1] >= 1));
}
