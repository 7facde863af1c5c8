// The real test world: Pebble + challtestsrv + nginx + an upstream on loopback high ports in one temp dir, with
// the environment that points certbot and ngcert at it. stop() (or a failed start) kills everything it started.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CleanupStack } from "../../src/world/cleanup-stack.js";
import { startUpstream, type Upstream } from "../../src/world/echo-upstream.js";
import { startLocalWorld, type LocalWorldPorts, type WorldDirs } from "../../src/world/local-world.js";
import type { NginxLayout } from "../../src/world/nginx-layout.js";
import { findPrograms, type Programs } from "../../src/world/programs.js";
import { readAccessLog, type AccessLogEntry } from "./access-log.js";
import { renderCertbotArgs } from "./certbot-args.js";

export type { WorldDirs } from "../../src/world/local-world.js";

export interface WorldOptions {
  /** Write the stand-in port-80 server that serves challenges from the webroot (default true). Turn it off to
   *  test `ngcert init`, which writes its own. */
  challengeServer?: boolean;
  /** Lifetime of the certificates Pebble issues, in seconds (default Pebble's 5 years); e.g. 6 days to test expiry rules. */
  certificateValidityPeriod?: number;
  /** Per-step startup timeout (default 15 s). */
  timeoutMs?: number;
}

export interface WorldPorts extends LocalWorldPorts {
  upstream: number;
}

export interface World {
  dirs: WorldDirs;
  /** nginx's files: conf.d/, snippets/, pid file, error and access logs. */
  nginx: NginxLayout;
  ports: WorldPorts;
  /** Pebble's ACME directory URL (the --server of certbot and ngcert). */
  directoryUrl: string;
  /** The CA that signed Pebble's HTTPS certificate; REQUESTS_CA_BUNDLE in `env`. */
  caFile: string;
  upstream: Upstream;
  /** Absolute paths of nginx, certbot, pebble, pebble-challtestsrv. */
  programs: Programs;
  /** Environment for certbot and ngcert: REQUESTS_CA_BUNDLE and every NGCERT_* setting point into the world. */
  env: Record<string, string>;
  /** Milliseconds startWorld took. */
  startupMs: number;
  /** certbot's common flags for this world; pass "renew" to add --no-random-sleep-on-renew. */
  certbotArgs(subcommand?: string): string[];
  /** `nginx -c <conf> -s reload`, then waits for the new workers. */
  reloadNginx(): Promise<void>;
  /** Parsed access log entries, oldest first. */
  readAccessLog(): Promise<AccessLogEntry[]>;
  /** Kills every process and removes the temp dir (kept when NGCERT_KEEP_WORLD=1). Safe to call twice. */
  stop(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const started = Date.now();
  const search = findPrograms();
  if (!search.found) throw new Error(`the test world needs ${search.missing.join(", ")}: apt-get install nginx certbot pebble`);
  const programs = search.programs;

  const root = await mkdtemp(path.join(tmpdir(), "ngcert-world-"));
  const keep = process.env.NGCERT_KEEP_WORLD === "1";
  const cleanups = new CleanupStack("the test world");
  cleanups.push(async () => (keep ? undefined : rm(root, { recursive: true, force: true })));
  try {
    const upstream = await startUpstream();
    cleanups.push(() => upstream.stop());
    const world = await startLocalWorld({
      root,
      programs,
      challengeServer: options.challengeServer ?? true,
      certificateValidityPeriod: options.certificateValidityPeriod,
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    cleanups.push(() => world.stop());
    const certbotInput = { letsencryptDir: world.dirs.letsencryptDir, workDir: world.dirs.workDir, logsDir: world.dirs.logsDir, directoryUrl: world.directoryUrl };
    return {
      dirs: world.dirs,
      nginx: world.layout,
      ports: { ...world.ports, upstream: upstream.port },
      directoryUrl: world.directoryUrl,
      caFile: world.caFile,
      upstream,
      programs,
      env: world.env,
      startupMs: Date.now() - started,
      certbotArgs: (subcommand) => renderCertbotArgs(certbotInput, subcommand),
      reloadNginx: () => world.nginx.reload(),
      readAccessLog: () => readAccessLog(world.layout.accessLog),
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run().catch(() => undefined);
    throw error;
  }
}
