// A hosting provider's machine in miniature: N certbot lineages (each `siteN.example.com` and `www.siteN...`) and one
// real nginx serving all of them, one server block per lineage, tuned as a real host with thousands of sites is
// (worker processes per core, 1024 connections each, a names hash big enough for every name, a shared session cache).
// No CA is involved: the lineages are generated, signed by one intermediate, as the bench's are.
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startChild, type Child } from "../../src/world/child-process.js";
import { makeCleanEnv } from "../../src/world/clean-env.js";
import { findFreePorts } from "../../src/world/free-ports.js";
import { renderMimeTypes } from "../../src/world/nginx-conf.js";
import { listNginxDirs, planNginxLayout, type NginxLayout } from "../../src/world/nginx-layout.js";
import { waitFor } from "../../src/world/wait.js";
import { readChildren } from "../../src/nginx/nginx-processes.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";

export interface HostedSite {
  name: string;
  domains: string[];
  /** nginx's server block for it, or undefined when no block serves it (a site deliberately left out). */
  confFile: string | undefined;
}

export interface HostingWorldOptions {
  lineages: number;
  nginxBin: string;
  /** Lineages written to disk but given no server block (their names fall to the default server). */
  unserved?: readonly number[];
  /** nginx's worker_connections (default 1024, as a tuned host has). */
  workerConnections?: number;
  /** nginx's worker_processes (default auto: one per core). */
  workerProcesses?: number | "auto";
}

export interface HostingWorld {
  root: string;
  letsencryptDir: string;
  layout: NginxLayout;
  httpPort: number;
  httpsPort: number;
  sites: HostedSite[];
  /** NGCERT_* settings pointing ngcert at this world (and nothing of the machine's). */
  env: Record<string, string>;
  nginx: Child;
  /** The default server's certificate: what nginx presents for a name no block claims. */
  defaultCert: TestCert;
  /** SIGHUP to nginx's master; resolves once the new workers run and the old ones have exited. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

const CONCURRENCY = 32;

export async function startHostingWorld(options: HostingWorldOptions): Promise<HostingWorld> {
  const root = await mkdtemp(path.join(tmpdir(), "ngcert-hosting-"));
  let nginx: Child | undefined;
  const stop = async (): Promise<void> => {
    await nginx?.stop();
    if (process.env.NGCERT_KEEP_WORLD !== "1") await rm(root, { recursive: true, force: true });
  };
  try {
    const letsencryptDir = path.join(root, "letsencrypt");
    const layout = planNginxLayout(root);
    for (const dir of listNginxDirs(layout)) await mkdir(dir, { recursive: true });
    const [httpPort, httpsPort] = await findFreePorts([{}, {}]);
    const now = Date.now();
    const rootCa = await makeCa({ name: "ngcert Hosting Root", algorithm: "ecdsa-p384", notBefore: new Date(now - 400 * 86_400_000) });
    const intermediate = await makeCa({ name: "H1", issuer: rootCa, algorithm: "ecdsa-p384", notBefore: new Date(now - 300 * 86_400_000) });
    const defaultCert = await makeLeaf({ domains: ["default.invalid"], issuer: intermediate });
    const defaultDir = path.join(root, "default-cert");
    await mkdir(defaultDir);
    await writeFile(path.join(defaultDir, "fullchain.pem"), defaultCert.pem + intermediate.pem);
    await writeFile(path.join(defaultDir, "privkey.pem"), defaultCert.key.privateKeyPem, { mode: 0o600 });

    const webroot = path.join(root, "webroot");
    await mkdir(webroot, { mode: 0o755 });
    const width = String(options.lineages).length;
    const unserved = new Set(options.unserved ?? []);
    const sites: HostedSite[] = Array.from({ length: options.lineages }, (_, index) => {
      const name = `site${String(index + 1).padStart(width, "0")}.example.com`;
      return { name, domains: [name, `www.${name}`], confFile: unserved.has(index) ? undefined : path.join(layout.confD, `${name}.conf`) };
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < sites.length) {
        const site = sites[next++]!;
        const leaf = await makeLeaf({ domains: site.domains, issuer: intermediate, notBefore: new Date(now - 10 * 86_400_000) });
        await writeLineage(letsencryptDir, { name: site.name, leaf, chain: [intermediate], webroot, webrootDomains: site.domains });
        if (site.confFile) await writeFile(site.confFile, renderSite(site, path.join(letsencryptDir, "live", site.name), httpsPort!));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    await writeFile(path.join(layout.dir, "mime.types"), renderMimeTypes());
    await writeFile(layout.conf, renderHostConf(layout, { ...options, httpPort: httpPort!, httpsPort: httpsPort!, defaultDir, webroot }));
    const childEnv = makeCleanEnv();
    nginx = startChild({
      name: "nginx",
      program: options.nginxBin,
      args: ["-e", layout.errorLog, "-c", layout.conf, "-g", "daemon off;"],
      env: childEnv,
      logFile: path.join(layout.runtimeDir, "nginx.log"),
      cwd: layout.runtimeDir,
    });
    const child = nginx;
    await waitFor(async () => ((await readPid(layout.pidFile)) === child.pid ? true : undefined), {
      what: `nginx's pid file ${layout.pidFile}`,
      timeoutMs: 60_000,
      abort: child.exitReason,
    });
    const cacheDir = path.join(root, "cache");
    await mkdir(cacheDir, { mode: 0o700 });
    const env: Record<string, string> = {
      ...childEnv,
      NGCERT_LETSENCRYPT_DIR: letsencryptDir,
      NGCERT_CERTBOT_WORK_DIR: path.join(root, "certbot-work"),
      NGCERT_CERTBOT_LOGS_DIR: path.join(root, "certbot-logs"),
      NGCERT_WEBROOT: webroot,
      NGCERT_NGINX_DIR: layout.dir,
      NGCERT_NGINX_CONF: layout.conf,
      NGCERT_NGINX_BIN: options.nginxBin,
      NGCERT_HTTP_PORT: String(httpPort),
      NGCERT_HTTPS_PORT: String(httpsPort),
      NGCERT_LISTEN_ADDRESS: "127.0.0.1",
      NGCERT_CACHE_DIR: cacheDir,
      NGCERT_CONFIG: path.join(root, "no-config.json"),
    };
    const reload = async (): Promise<void> => {
      const before = await countWorkerStarts(layout.errorLog);
      const oldWorkers = readChildren(child.pid);
      process.kill(child.pid, "SIGHUP");
      await waitFor(async () => ((await countWorkerStarts(layout.errorLog)) > before ? true : undefined), { what: "nginx's new workers", timeoutMs: 60_000, abort: child.exitReason });
      await waitFor(async () => (oldWorkers.every((pid) => !readChildren(child.pid).includes(pid)) ? true : undefined), { what: "nginx's old workers to exit", timeoutMs: 60_000, abort: child.exitReason });
    };
    return { root, letsencryptDir, layout, httpPort: httpPort!, httpsPort: httpsPort!, sites, env, nginx, defaultCert, reload, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function countWorkerStarts(errorLog: string): Promise<number> {
  return (await readFile(errorLog, "utf8").catch(() => "")).split("start worker processes").length - 1;
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  return /^\d+\s*$/.test(text) ? Number(text) : undefined;
}

function renderSite(site: HostedSite, live: string, httpsPort: number): string {
  return `server {
    listen 127.0.0.1:${httpsPort} ssl;
    server_name ${site.domains.join(" ")};
    ssl_certificate ${live}/fullchain.pem;
    ssl_certificate_key ${live}/privkey.pem;
    location / { return 204; }
}
`;
}

/** The main configuration of a host with thousands of sites. */
function renderHostConf(layout: NginxLayout, options: HostingWorldOptions & { httpPort: number; httpsPort: number; defaultDir: string; webroot: string }): string {
  return `# ngcert hosting world: one nginx for ${options.lineages} sites.
${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes ${options.workerProcesses ?? "auto"};
worker_rlimit_nofile 8192;
pid ${layout.pidFile};
error_log ${layout.errorLog} notice;

events {
    worker_connections ${options.workerConnections ?? 1024};
}

http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    server_names_hash_bucket_size 128;
    server_names_hash_max_size 16384;
    include ${layout.dir}/mime.types;
    default_type application/octet-stream;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1d;

    access_log off;

    client_body_temp_path ${layout.tempDirs.clientBody};
    proxy_temp_path ${layout.tempDirs.proxy};
    fastcgi_temp_path ${layout.tempDirs.fastcgi};
    uwsgi_temp_path ${layout.tempDirs.uwsgi};
    scgi_temp_path ${layout.tempDirs.scgi};

    # ACME challenges for every name from the shared webroot, as ngcert's catch-all answers them.
    server {
        listen 127.0.0.1:${options.httpPort} default_server;
        server_name _;
        location ^~ /.well-known/acme-challenge/ {
            root ${options.webroot};
            default_type text/plain;
            try_files $uri =404;
        }
        location / { return 404; }
    }

    server {
        listen 127.0.0.1:${options.httpsPort} ssl default_server;
        server_name _;
        ssl_certificate ${options.defaultDir}/fullchain.pem;
        ssl_certificate_key ${options.defaultDir}/privkey.pem;
        return 444;
    }

    include ${layout.confD}/*.conf;
}
`;
}
