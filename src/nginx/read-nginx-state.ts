// The running configuration ready for request analysis: `nginx -T` assembled into one tree, its server blocks,
// nginx's prefix (relative roots hang off it) and whether nginx runs to answer real requests.
import path from "node:path";
import type { Exec } from "../exec.js";
import type { Settings } from "../settings/settings.js";
import { buildConfigTree, type ConfigTree, type ParsedFile } from "./config-tree.js";
import { isNginxRunning, readNginxDump, type NginxDump } from "./read-nginx-dump.js";
import { describeServers, type VirtualServer } from "./virtual-servers.js";

export interface NginxState {
  dump: NginxDump;
  tree: ConfigTree;
  servers: VirtualServer[];
  prefix: string;
  running: boolean;
}

export async function readNginxPrefix(settings: Settings, exec: Exec): Promise<string> {
  const version = await exec(settings.nginxBin, ["-V"], { allowFailure: true, timeoutMs: 10_000 });
  return /--prefix=(\S+)/.exec(version.stderr + version.stdout)?.[1] ?? path.dirname(settings.nginxConf);
}

/** The analysis view of a set of parsed files (the dump's, or the dump's with one file edited). */
export function analyseFiles(files: readonly ParsedFile[], skipped: readonly string[]): { tree: ConfigTree; servers: VirtualServer[] } {
  const tree = buildConfigTree(files, skipped);
  return { tree, servers: describeServers(tree) };
}

/** Throws NgcertError NGINX_INVALID when nginx -T refuses the configuration. */
export async function readNginxState(settings: Settings, exec: Exec): Promise<NginxState> {
  const dump = await readNginxDump(settings, exec);
  const { tree, servers } = analyseFiles(dump.files, dump.skipped.map((entry) => entry.file));
  return { dump, tree, servers, prefix: await readNginxPrefix(settings, exec), running: isNginxRunning(dump) };
}
