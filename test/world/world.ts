// The real test world: Pebble + challtestsrv + nginx + an upstream on loopback high ports in one temp dir, with
// the environment that points certbot and ngcert at it. stop() (or a failed start) kills everything it started.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readAccessLog, type AccessLogEntry } from "./access-log.js";
import { renderCertbotArgs } from "./certbot-args.js";
import { startAriResponder, type AriResponder } from "./ari-responder.js";
import { startChalltestsrv } from "./challtestsrv.js";
import { makeCleanEnv } from "./clean-env.js";
import { planNginxLayout, type NginxLayout } from "./nginx-layout.js";
import { startNginx } from "./nginx.js";
import { writePebbleTls } from "./pebble-tls.js";
import { startPebble } from "./pebble.js";
import { findFreePorts } from "./ports.js";
import { findPrograms, type Programs } from "./programs.js";
import { startUpstream, type Upstream } from "./upstream.js";

export interface WorldOptions {
  /** Write the stand-in port-80 server that serves challenges from the webroot (default true). Turn it off to
   *  test `ngcert init`, which writes its own. */
  challengeServer?: boolean;
  /** Lifetime of the certificates Pebble issues, in seconds (default Pebble's 5 years); e.g. 6 days to test expiry rules. */
  certificateValidityPeriod?: number;
  /** Put the ACME Renewal Information responder in front of Pebble's directory (test/world/ari-responder.ts): the
   *  world's directory URL is then the responder's, which adds `renewalInfo` to Pebble's. */
  ari?: boolean;
  /** Per-step startup timeout (default 15 s). */
  timeoutMs?: number;
}

export interface WorldDirs {
  root: string;
  letsencryptDir: string;
  workDir: string;
  logsDir: string;
  webroot: string;
  nginxDir: string;
  nginxConf: string;
  cacheDir: string;
  /** stdout/stderr of nginx, Pebble and challtestsrv. */
  processLogs: string;
}

export interface WorldPorts {
  /** nginx's HTTP port, where Pebble validates HTTP-01 (the world's port 80). */
  http: number;
  /** The world's port 443; nothing listens until a site is written. */
  https: number;
  pebble: number;
  pebbleManagement: number;
  /** Pebble's TLS-ALPN-01 port: unused, nothing listens. */
  pebbleTls: number;
  dns: number;
  challtestsrvManagement: number;
  upstream: number;
}

export interface World {
  dirs: WorldDirs;
  /** nginx's files: conf.d/, snippets/, pid file, error and access logs. */
  nginx: NginxLayout;
  ports: WorldPorts;
  /** The ACME directory URL (the --server of certbot and ngcert): Pebble's, or the ARI responder's in front of it. */
  directoryUrl: string;
  /** The ARI responder, when the world was started with `ari`. */
  ari: AriResponder | undefined;
  /** Pebble's own directory, without renewalInfo: a CA without ARI. */
  pebbleDirectoryUrl: string;
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

type Cleanup = () => Promise<void>;

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => errors.push(error));
  cleanups.length = 0;
  if (errors.length > 0) throw new AggregateError(errors, "the test world did not stop cleanly");
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const started = Date.now();
  const search = findPrograms();
  if (!search.found) throw new Error(`the test world needs ${search.missing.join(", ")}: apt-get install nginx certbot pebble`);
  const programs = search.programs;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const challengeServer = options.challengeServer ?? true;

  const root = await mkdtemp(path.join(tmpdir(), "ngcert-world-"));
  const keep = process.env.NGCERT_KEEP_WORLD === "1";
  const cleanups: Cleanup[] = [async () => (keep ? undefined : rm(root, { recursive: true, force: true }))];
  try {
    const dirs: WorldDirs = {
      root,
      letsencryptDir: path.join(root, "letsencrypt"),
      workDir: path.join(root, "letsencrypt-work"),
      logsDir: path.join(root, "letsencrypt-logs"),
      webroot: path.join(root, "webroot"),
      nginxDir: path.join(root, "nginx"),
      nginxConf: path.join(root, "nginx", "nginx.conf"),
      cacheDir: path.join(root, "cache"),
      processLogs: path.join(root, "logs"),
    };
    const pebbleDir = path.join(root, "pebble");
    for (const dir of [dirs.letsencryptDir, dirs.workDir, dirs.logsDir, dirs.webroot, dirs.processLogs, pebbleDir, path.join(root, "xdg-config")]) {
      await mkdir(dir, { recursive: true });
    }
    const [http, https, pebblePort, pebbleManagement, pebbleTls, dns, challtestsrvManagement] = (await findFreePorts([
      {}, {}, {}, {}, {}, { udp: true }, {},
    ])) as [number, number, number, number, number, number, number];

    const childEnv = makeCleanEnv();
    const upstream = await startUpstream();
    cleanups.push(() => upstream.stop());

    const challtestsrv = await startChalltestsrv({ program: programs.challtestsrv, dnsPort: dns, managementPort: challtestsrvManagement, logDir: dirs.processLogs, env: childEnv, timeoutMs });
    cleanups.push(() => challtestsrv.stop());

    const tls = await writePebbleTls(pebbleDir);
    const pebble = await startPebble({
      program: programs.pebble,
      dir: pebbleDir,
      logDir: dirs.processLogs,
      tls,
      port: pebblePort,
      managementPort: pebbleManagement,
      httpPort: http,
      tlsPort: pebbleTls,
      dnsPort: dns,
      certificateValidityPeriod: options.certificateValidityPeriod,
      env: childEnv,
      timeoutMs,
    });
    cleanups.push(() => pebble.child.stop());
    let ari: AriResponder | undefined;
    if (options.ari) {
      const key = await readFile(tls.keyFile, "utf8");
      ari = await startAriResponder({ cert: await readFile(tls.certFile, "utf8"), key, upstreamDirectory: pebble.directoryUrl, ca: tls.caPem });
      const responder = ari;
      cleanups.push(() => responder.stop());
    }
    const directoryUrl = ari?.directoryUrl ?? pebble.directoryUrl;

    const layout = planNginxLayout(root);
    const nginx = await startNginx({ program: programs.nginx, layout, logDir: dirs.processLogs, httpPort: http, webroot: dirs.webroot, challengeServer, env: childEnv, timeoutMs });
    cleanups.push(() => nginx.child.stop());

    const certbotInput = { letsencryptDir: dirs.letsencryptDir, workDir: dirs.workDir, logsDir: dirs.logsDir, directoryUrl };
    const env: Record<string, string> = {
      ...childEnv,
      REQUESTS_CA_BUNDLE: tls.caFile,
      // certbot also reads ~/.config/letsencrypt/cli.ini; keep a developer's own out of the tests.
      XDG_CONFIG_HOME: path.join(root, "xdg-config"),
      NGCERT_LETSENCRYPT_DIR: dirs.letsencryptDir,
      NGCERT_CERTBOT_WORK_DIR: dirs.workDir,
      NGCERT_CERTBOT_LOGS_DIR: dirs.logsDir,
      NGCERT_WEBROOT: dirs.webroot,
      NGCERT_NGINX_DIR: dirs.nginxDir,
      NGCERT_NGINX_CONF: dirs.nginxConf,
      NGCERT_NGINX_BIN: programs.nginx,
      NGCERT_CERTBOT_BIN: programs.certbot,
      NGCERT_HTTP_PORT: String(http),
      NGCERT_HTTPS_PORT: String(https),
      NGCERT_LISTEN_ADDRESS: "127.0.0.1",
      NGCERT_SERVER: directoryUrl,
      NGCERT_CACHE_DIR: dirs.cacheDir,
    };
    return {
      dirs,
      nginx: layout,
      ports: { http, https, pebble: pebblePort, pebbleManagement, pebbleTls, dns, challtestsrvManagement, upstream: upstream.port },
      directoryUrl,
      ari,
      pebbleDirectoryUrl: pebble.directoryUrl,
      caFile: tls.caFile,
      upstream,
      programs,
      env,
      startupMs: Date.now() - started,
      certbotArgs: (subcommand) => renderCertbotArgs(certbotInput, subcommand),
      reloadNginx: () => nginx.reload(),
      readAccessLog: () => readAccessLog(layout.accessLog),
      stop: () => runCleanups(cleanups),
    };
  } catch (error) {
    await runCleanups(cleanups).catch(() => undefined);
    throw error;
  }
}
