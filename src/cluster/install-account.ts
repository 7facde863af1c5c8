// Puts the issuing ACME account on this node as certbot keeps it (accounts/<server>/<id>/, directories 0700, the key
// 0400), so this node's challenge location can answer with the account's thumbprint and, should it become the issuer,
// certbot renews with the same account. Each file is written whole and renamed into place.
import { existsSync, lstatSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ACCOUNT_FILES } from "../certbot/account.js";
import { NgcertError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import type { BundleAccount } from "./bundle.js";

const MODES: Record<(typeof ACCOUNT_FILES)[number], number> = { "meta.json": 0o644, "regr.json": 0o644, "private_key.json": 0o400 };

export function installAccount(letsencryptDir: string, account: BundleAccount): "installed" | "unchanged" {
  const dir = path.join(letsencryptDir, account.relativeDir);
  // relativeDir was checked (bundle.ts); no component on the way may be a symlink someone planted.
  let walked = letsencryptDir;
  for (const part of account.relativeDir.split("/")) {
    walked = path.join(walked, part);
    if (existsSync(walked)) {
      if (!lstatSync(walked).isDirectory()) throw new NgcertError("CONFLICT", `${walked} is not a directory: certbot's account ${account.relativeDir} cannot be written there`);
    } else {
      mkdirSync(walked, { mode: 0o700 });
    }
  }
  let changed = false;
  for (const file of ACCOUNT_FILES) {
    const target = path.join(dir, file);
    let current: string | undefined;
    try {
      current = readFileSync(target, "utf8");
    } catch {
      current = undefined;
    }
    if (current === account.files[file]) continue;
    writeFileAtomic(target, account.files[file], MODES[file]);
    faultStep(`received account ${file}`);
    changed = true;
  }
  return changed ? "installed" : "unchanged";
}
