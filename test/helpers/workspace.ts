// A throwaway directory per test holding the letsencrypt dir, the cache dir and the config path, so a CLI run never
// touches /etc, /var or the machine's NGCERT_* settings.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Workspace {
  root: string;
  letsencryptDir: string;
  cacheDir: string;
  /** Does not exist until a test writes it: a missing config file is fine. */
  configPath: string;
  /** The flags that point a CLI run at this workspace. */
  args: string[];
}

export async function createWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(path.join(tmpdir(), "ngcert-test-"));
  const letsencryptDir = path.join(root, "letsencrypt");
  const cacheDir = path.join(root, "cache");
  const configPath = path.join(root, "config.json");
  await mkdir(letsencryptDir);
  return {
    root,
    letsencryptDir,
    cacheDir,
    configPath,
    args: ["--letsencrypt-dir", letsencryptDir, "--cache-dir", cacheDir, "--config", configPath],
  };
}

export async function removeWorkspace(workspace: Workspace | undefined): Promise<void> {
  if (workspace) await rm(workspace.root, { recursive: true, force: true });
}

/** Replaces the temporary root in output so it can be compared with fixed text. */
export function scrubRoot(text: string, workspace: Workspace): string {
  return text.split(workspace.root).join("<root>");
}
