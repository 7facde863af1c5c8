// Does the certbot ngcert runs read ACME Renewal Information itself (4.1 and later)? Then ngcert leaves ARI to it.
// `certbot --version` costs a second of Python start-up: the answer is kept in the timing state for a day.
import { certbotReadsAri, parseCertbotVersion } from "../certbot/certbot-version.js";
import type { Exec } from "../exec.js";
import type { Settings } from "../settings/settings.js";
import type { TimingState } from "../timing/timing-state.js";

const RECHECK_MS = 24 * 3600_000;

export async function checkCertbotReadsAri(settings: Settings, exec: Exec, state: TimingState, now: Date): Promise<boolean> {
  const known = state.certbot;
  if (known && known.bin === settings.certbotBin && now.getTime() - Date.parse(known.checkedAt) < RECHECK_MS && now.getTime() >= Date.parse(known.checkedAt)) {
    return certbotReadsAri(parseCertbotVersion(`certbot ${known.version}`));
  }
  const result = await exec(settings.certbotBin, ["--version"], { allowFailure: true, timeoutMs: 60_000 }).catch(() => undefined);
  const version = result === undefined ? undefined : parseCertbotVersion(`${result.stdout}\n${result.stderr}`);
  // An unknown version is treated as one that does not read ARI: asking the CA twice costs less than never asking.
  state.certbot = { bin: settings.certbotBin, version: version?.join(".") ?? "unknown", checkedAt: now.toISOString() };
  return certbotReadsAri(version);
}
