// A local ACME world in one directory: Pebble (the CA) and pebble-challtestsrv (its DNS, every name is 127.0.0.1) and
// an nginx shaped like Debian's, all on free loopback ports, with the environment that points certbot and ngcert at it.
// The test world and `ngcert demo` are both built on it. stop() (or a failed start) ends every process it started;
// the directory is the caller's.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Child } from "./child-process.js";
import { CleanupStack } from "./cleanup-stack.js";
import { startChalltestsrv } from "./challtestsrv.js";
import { makeCleanEnv } from "./clean-env.js";
import { findFreePorts } from "./free-ports.js";
import { planNginxLayout, type NginxLayout } from "./nginx-layout.js";
import { startNginx, type Nginx } from "./nginx.js";
import { writePebbleTls } from "./pebble-tls.js";
import { startPebble } from "./pebble.js";
import type { Programs } from "./programs.js";

export interface LocalWorldOptions {
  /** An empty directory that holds everything; the caller creates and removes it. */
  root: string;
  programs: Programs;
  /** Write the stand-in port-80 server that serves challenges from the webroot (default true). Off when `ngcert
   *  init` is to write its own. */
  challengeServer?: boolean;
  /** Lifetime of the certificates Pebble issues, in seconds (default Pebble's 5 years). */
  certificateValidityPeriod?: number;
  /** Per-step startup timeout (default 15 s). */
  timeoutMs?: number;
  /** Start every process in a session of its own (see ChildOptions.detached). */
  detached?: boolean;
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
  /** certbot's XDG_CONFIG_HOME: certbot reads <it>/letsencrypt/cli.ini, never a developer's own. */
  xdgConfig: string;
}

export interface LocalWorldPorts {
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
}

export interface LocalWorld {
  dirs: WorldDirs;
  layout: NginxLayout;
  nginx: Nginx;
  ports: LocalWorldPorts;
  /** Pebble's ACME directory URL (the --server of certbot and ngcert). */
  directoryUrl: string;
  /** The CA that signed Pebble's HTTPS certificate; REQUESTS_CA_BUNDLE in `env`. */
  caFile: string;
  /** The caller's environment without proxies or ngcert settings: what the world's own processes run with. */
  childEnv: Record<string, string>;
  /** Environment for certbot and ngcert: REQUESTS_CA_BUNDLE and every NGCERT_* setting point into the world. */
  env: Record<string, string>;
  /** The world's long-running processes, in start order. */
  children: Child[];
  /** Ends every process the world started, last started first. Safe to call twice. */
  stop(): Promise<void>;
}

export function planWorldDirs(root: string): WorldDirs {
  return {
    root,
    letsencryptDir: path.join(root, "letsencrypt"),
    workDir: path.join(root, "letsencrypt-work"),
    logsDir: path.join(root, "letsencrypt-logs"),
    webroot: path.join(root, "webroot"),
    nginxDir: path.join(root, "nginx"),
    nginxConf: path.join(root, "nginx", "nginx.conf"),
    cacheDir: path.join(root, "cache"),
    processLogs: path.join(root, "logs"),
    xdgConfig: path.join(root, "xdg-config"),
  };
}

export async function startLocalWorld(options: LocalWorldOptions): Promise<LocalWorld> {
  const { programs, root } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const challengeServer = options.challengeServer ?? true;
  const detached = options.detached === true;
  const dirs = planWorldDirs(root);
  const pebbleDir = path.join(root, "pebble");
  for (const dir of [dirs.letsencryptDir, dirs.workDir, dirs.logsDir, dirs.webroot, dirs.processLogs, pebbleDir, dirs.xdgConfig]) {
    await mkdir(dir, { recursive: true });
  }
  const [http, https, pebblePort, pebbleManagement, pebbleTls, dns, challtestsrvManagement] = (await findFreePorts([
    {}, {}, {}, {}, {}, { udp: true }, {},
  ])) as [number, number, number, number, number, number, number];

  const childEnv = makeCleanEnv();
  const children: Child[] = [];
  const cleanups = new CleanupStack("the local world");
  try {
    const challtestsrv = await startChalltestsrv({ program: programs.challtestsrv, dnsPort: dns, managementPort: challtestsrvManagement, logDir: dirs.processLogs, env: childEnv, timeoutMs, detached });
    children.push(challtestsrv);
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
      detached,
    });
    children.push(pebble.child);
    cleanups.push(() => pebble.child.stop());

    const layout = planNginxLayout(root);
    const nginx = await startNginx({ program: programs.nginx, layout, logDir: dirs.processLogs, httpPort: http, webroot: dirs.webroot, challengeServer, env: childEnv, timeoutMs, detached });
    children.push(nginx.child);
    cleanups.push(() => nginx.child.stop());

    const env: Record<string, string> = {
      ...childEnv,
      REQUESTS_CA_BUNDLE: tls.caFile,
      // certbot also reads ~/.config/letsencrypt/cli.ini; keep a person's own out of the world.
      XDG_CONFIG_HOME: dirs.xdgConfig,
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
      NGCERT_SERVER: pebble.directoryUrl,
      NGCERT_CACHE_DIR: dirs.cacheDir,
    };
    return {
      dirs,
      layout,
      nginx,
      ports: { http, https, pebble: pebblePort, pebbleManagement, pebbleTls, dns, challtestsrvManagement },
      directoryUrl: pebble.directoryUrl,
      caFile: tls.caFile,
      childEnv,
      env,
      children,
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run().catch(() => undefined);
    throw error;
  }
}
