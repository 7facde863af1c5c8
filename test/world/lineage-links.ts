// Re-points a lineage's live/ links at another archive version the way certbot does (a new link renamed over the old
// one, one file at a time), so tests can stage what a renewal, a bad renewal or a restored backup leaves behind.
import { readlink, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";

export const LINEAGE_FILES = ["cert", "chain", "fullchain", "privkey"] as const;
export type LineageFile = (typeof LINEAGE_FILES)[number];

export async function pointLiveAt(letsencryptDir: string, name: string, version: number, files: readonly LineageFile[] = LINEAGE_FILES): Promise<void> {
  const liveDir = path.join(letsencryptDir, "live", name);
  for (const kind of files) {
    const temp = path.join(liveDir, `.${kind}.pem.test-tmp`);
    await rm(temp, { force: true });
    await symlink(`../../archive/${name}/${kind}${version}.pem`, temp);
    await rename(temp, path.join(liveDir, `${kind}.pem`));
  }
}

/** Where each live/ link points. */
export async function readLiveLinks(letsencryptDir: string, name: string): Promise<Record<LineageFile, string>> {
  const links: Partial<Record<LineageFile, string>> = {};
  for (const kind of LINEAGE_FILES) links[kind] = await readlink(path.join(letsencryptDir, "live", name, `${kind}.pem`));
  return links as Record<LineageFile, string>;
}
