// A real nginx to hold the configuration analysis to account: write a configuration, reload, read it back the way
// ngcert does (`nginx -T`), and send the very request the analysis predicted an answer for.
import { existsSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { buildConfigTree, type ConfigTree } from "../../../src/nginx/config-tree.js";
import { parseNginxConfig, splitNginxDump } from "../../../src/nginx/parse-config.js";
import type { TraceConfig } from "../../../src/nginx/trace-request.js";
import { describeServers } from "../../../src/nginx/virtual-servers.js";
import { makeCa, makeLeaf } from "../../helpers/pki.js";
import { planNginxLayout, type NginxLayout } from "../../../src/world/nginx-layout.js";
import { startNginx, type Nginx } from "../../../src/world/nginx.js";
import { findFreePorts } from "../../../src/world/free-ports.js";
import { findPrograms } from "../../world/programs.js";
import { startUpstream, UPSTREAM_HEADER, type Upstream } from "../../../src/world/echo-upstream.js";

export interface Answer {
  /** 0 when there was no HTTP answer. */
  status: number;
  location?: string;
  body: string;
  fromUpstream: boolean;
  error?: string;
}

export interface Oracle {
  root: string;
  layout: NginxLayout;
  ports: { http: number; https: number; alt: number };
  upstream: Upstream;
  /** Replaces {{ROOT}}, {{HTTP}}, {{HTTPS}}, {{ALT}} (a port no other case binds an address of), {{UPSTREAM}}, {{CERT}}, {{KEY}} in a template. */
  fill(template: string): string;
  /** Writes conf.d/oracle.conf and reloads. */
  load(config: string): Promise<void>;
  readTree(): Promise<ConfigTree>;
  traceConfig(tree: ConfigTree): TraceConfig;
  /** Creates files (relative to root) whose content is their own absolute path. */
  createFiles(files: readonly string[]): Promise<void>;
  get(options: { scheme: "http" | "https"; address: string; port: number; host: string; path: string }): Promise<Answer>;
  stop(): Promise<void>;
}

export async function startOracle(): Promise<Oracle> {
  const search = findPrograms();
  if (!search.found) throw new Error(`nginx is needed: ${search.missing.join(", ")}`);
  const nginxBin = search.programs.nginx;
  const root = await mkdtemp(path.join(tmpdir(), "ngcert-oracle-"));
  const layout = planNginxLayout(root);
  const [http, https, alt] = (await findFreePorts([{}, {}, {}])) as [number, number, number];
  const upstream = await startUpstream();
  const ca = await makeCa({ name: "oracle CA" });
  const leaf = await makeLeaf({ domains: ["oracle.test", "*.oracle.test"], issuer: ca });
  await mkdir(path.join(root, "tls"), { recursive: true });
  const cert = path.join(root, "tls", "cert.pem");
  const key = path.join(root, "tls", "key.pem");
  await writeFile(cert, leaf.pem + ca.pem);
  await writeFile(key, leaf.key.privateKeyPem, { mode: 0o600 });
  await mkdir(path.join(root, "logs"), { recursive: true });
  let nginx: Nginx | undefined;
  try {
    nginx = await startNginx({ program: nginxBin, layout, logDir: path.join(root, "logs"), httpPort: http, webroot: path.join(root, "webroot"), challengeServer: false, env: process.env });
  } catch (error) {
    await upstream.stop();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const running = nginx;
  const fill = (template: string): string =>
    template
      .replaceAll("{{ROOT}}", root)
      .replaceAll("{{HTTP}}", String(http))
      .replaceAll("{{HTTPS}}", String(https))
      .replaceAll("{{ALT}}", String(alt))
      .replaceAll("{{UPSTREAM}}", upstream.url)
      .replaceAll("{{CERT}}", cert)
      .replaceAll("{{KEY}}", key);
  return {
    root,
    layout,
    ports: { http, https, alt },
    upstream,
    fill,
    load: async (config) => {
      await writeFile(path.join(layout.confD, "oracle.conf"), fill(config));
      const test = await execa(nginxBin, ["-t", "-q", "-c", layout.conf], { reject: false });
      if (test.exitCode !== 0) throw new Error(`nginx -t refused the case:\n${test.stderr}`);
      await running.reload();
    },
    readTree: async () => {
      const dump = await execa(nginxBin, ["-T", "-q", "-c", layout.conf]);
      return buildConfigTree(splitNginxDump(dump.stdout).map(({ file, text }) => ({ file, directives: parseNginxConfig(text) })));
    },
    traceConfig: (tree) => ({
      servers: describeServers(tree),
      http: tree.http,
      prefix: "/usr/share/nginx",
      files: {
        fileExists: (file) => existsSync(file) && statSync(file).isFile(),
        directoryExists: (file) => existsSync(file) && statSync(file).isDirectory(),
      },
    }),
    createFiles: async (files) => {
      for (const file of files) {
        const full = path.join(root, file);
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, full);
      }
    },
    get: (options) => fetchOnce(options),
    stop: async () => {
      await running.child.stop();
      await upstream.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function fetchOnce(options: { scheme: "http" | "https"; address: string; port: number; host: string; path: string }): Promise<Answer> {
  return new Promise((resolve) => {
    const send = options.scheme === "https" ? httpsRequest : httpRequest;
    const req = send(
      {
        host: options.address,
        port: options.port,
        path: options.path,
        headers: { Host: options.host },
        agent: false,
        timeout: 5_000,
        ...(options.scheme === "https" ? { servername: options.host.replace(/:\d+$/, ""), rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), body, fromUpstream: res.headers[UPSTREAM_HEADER] !== undefined }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, body: "", fromUpstream: false, error: error.code ?? error.message }));
    req.end();
  });
}
