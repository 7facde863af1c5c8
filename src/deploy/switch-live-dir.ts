// Points a lineage's live directory at another archive version in one atomic step: a complete new directory (four
// links and certbot's README) is built beside it under a hidden name and exchanged with it, so nginx and certbot see
// either every old link or every new one, never a certificate with another version's key. Where the exchange is not
// possible, the links are swapped one by one (each swap atomic), and the caller's journal covers the gap.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { exchangePaths } from "../fs/exchange-paths.js";
import { faultStep } from "../fs/fault-injection.js";
import { LINEAGE_KINDS } from "./lineage-versions.js";

export function switchLiveDir(liveDir: string, archiveDir: string, version: number): void {
  const staged = path.join(path.dirname(liveDir), `.${path.basename(liveDir)}.ngcert-staged-${randomBytes(4).toString("hex")}`);
  mkdirSync(staged, { mode: statSync(liveDir).mode & 0o7777 });
  for (const kind of LINEAGE_KINDS) symlinkSync(path.relative(liveDir, path.join(archiveDir, `${kind}${version}.pem`)), path.join(staged, `${kind}.pem`));
  if (existsSync(path.join(liveDir, "README"))) copyFileSync(path.join(liveDir, "README"), path.join(staged, "README"));
  faultStep("live dir staged");
  if (exchangePaths(staged, liveDir) === "exchanged") {
    faultStep("live dir exchanged");
    rmSync(staged, { recursive: true, force: true });
    return;
  }
  rmSync(staged, { recursive: true, force: true });
  relinkOneByOne(liveDir, archiveDir, version);
}

/** Each link swapped atomically (new link, then rename over the old one). */
export function relinkOneByOne(liveDir: string, archiveDir: string, version: number): void {
  for (const kind of LINEAGE_KINDS) {
    const link = path.join(liveDir, `${kind}.pem`);
    const temp = path.join(liveDir, `.${kind}.pem.ngcert-tmp`);
    rmSync(temp, { force: true });
    symlinkSync(path.relative(liveDir, path.join(archiveDir, `${kind}${version}.pem`)), temp);
    renameSync(temp, link);
    faultStep(`relink ${kind}`);
  }
}
