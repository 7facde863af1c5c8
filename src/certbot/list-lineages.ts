// Which lineages a letsencrypt dir holds: every renewal conf, plus live/ directories certbot has no conf for.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { NgcertError, isNodeError } from "../errors.js";

export interface LineageEntry {
  name: string;
  hasConf: boolean;
}

export function listLineages(letsencryptDir: string): LineageEntry[] {
  let stat;
  try {
    stat = statSync(letsencryptDir);
  } catch (error) {
    const reason = isNodeError(error) && error.code === "ENOENT" ? "does not exist" : `cannot be read (${isNodeError(error) ? error.code : String(error)})`;
    throw new NgcertError("INVALID_INPUT", `letsencrypt dir ${letsencryptDir} ${reason}; point --letsencrypt-dir at certbot's config dir`, { cause: error });
  }
  if (!stat.isDirectory()) throw new NgcertError("INVALID_INPUT", `letsencrypt dir ${letsencryptDir} is not a directory`);
  const names = new Map<string, LineageEntry>();
  for (const file of readDir(path.join(letsencryptDir, "renewal"))) {
    if (file.endsWith(".conf") && file.length > ".conf".length) {
      const name = file.slice(0, -".conf".length);
      names.set(name, { name, hasConf: true });
    }
  }
  for (const name of readDir(path.join(letsencryptDir, "live"))) {
    if (!names.has(name) && name !== "README" && !name.startsWith(".")) names.set(name, { name, hasConf: false });
  }
  return [...names.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function readDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return [];
    throw new NgcertError("INVALID_INPUT", `${dir} cannot be read (${isNodeError(error) ? error.code : String(error)})`, { cause: error });
  }
}
