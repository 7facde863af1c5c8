// Several nginx nodes behind one name, on this one machine: each node a network namespace with its own address, nginx
// (ports 80 and 443), sshd and ngcert directories; a TCP balancer (nginx stream) on 127.0.0.1 in front of their 80 and
// 443; Pebble validating HTTP-01 through the balancer (challtestsrv answers 127.0.0.1 for every name); etcd when asked.
// Every node's ngcert reads only its own config file (ssh passes no environment), as on real machines.
import { createHash, X509Certificate } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import { mkdtemp, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { issueServerCertificate, makeCertificateAuthority } from "../../../src/certs/issue-certificate.js";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { startChalltestsrv } from "../../../src/world/challtestsrv.js";
import { startChild, type Child } from "../../../src/world/child-process.js";
import { CleanupStack } from "../../../src/world/cleanup-stack.js";
import { makeCleanEnv } from "../../../src/world/clean-env.js";
import { findFreePorts } from "../../../src/world/free-ports.js";
import { planNginxLayout, type NginxLayout } from "../../../src/world/nginx-layout.js";
import { startNginx, type Nginx } from "../../../src/world/nginx.js";
import { buildNetwork, type ClusterNetwork, type NodeNet } from "./network.js";
import { makeClientKey, startBalancer, startClusterPebble, startEtcd, startSshd, type Balancer, type ClusterPebble, type Etcd, type Sshd } from "./services.js";

export const CLI = path.resolve("dist/cli.js");
export const UPSTREAM_PORT = 9000;
export const NODE_HEADER = "x-ngcert-node";

export interface ClusterWorldOptions {
  nodes: readonly string[];
  /** A configured issuer (default the first node), or "etcd": the nodes elect one. */
  issuer?: string | "etcd";
  leaseSeconds?: number;
  /** The balancer tries these nodes only when every other one is down (Pebble then validates elsewhere). */
  backupNodes?: readonly string[];
}

export interface ClusterNode {
  name: string;
  net: NodeNet;
  dir: string;
  configFile: string;
  letsencryptDir: string;
  webroot: string;
  nginx: NginxLayout;
  nginxProcess: Nginx;
  sshd: Sshd;
}

export interface NgcertRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface Agent {
  node: string;
  child: Child;
  /** The JSON events it printed so far. */
  events(): Promise<{ event: string; [key: string]: unknown }[]>;
  /** Everything it printed (events on stdout, messages on stderr). */
  log(): Promise<string>;
}

export interface ClusterWorld {
  root: string;
  network: ClusterNetwork;
  nodes: ClusterNode[];
  node(name: string): ClusterNode;
  pebble: ClusterPebble;
  balancer: Balancer;
  etcd: Etcd | undefined;
  env: Record<string, string>;
  /** `ngcert <args>` on a node, inside its namespace, with its config file. */
  ngcert(node: string, args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<NgcertRun>;
  /** `ngcert cluster run` on a node, in the background. */
  startAgent(node: string, args?: readonly string[]): Agent;
  /** The HTTPS site for `domain` on a node, using its own live/<name>/ (what an operator's config management writes). */
  writeSite(node: string, name: string, domains: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

function renderUpstream(node: string): string {
  return `# ngcert cluster world: the service behind every node's sites, saying which node answered.
server {
    listen 127.0.0.1:${UPSTREAM_PORT};
    location / {
        add_header ${NODE_HEADER} ${node} always;
        return 200 "${node}\\n";
    }
}
`;
}

export function renderSite(node: ClusterNode, name: string, domains: readonly string[]): string {
  const live = path.join(node.letsencryptDir, "live", name);
  return `# ${name} on ${node.name}: written by the operator on every node; ngcert brings the certificate.
server {
    listen 443 ssl;
    server_name ${domains.join(" ")};
    ssl_certificate ${live}/fullchain.pem;
    ssl_certificate_key ${live}/privkey.pem;
    location / {
        proxy_pass http://127.0.0.1:${UPSTREAM_PORT};
    }
}
`;
}

export async function startClusterWorld(options: ClusterWorldOptions): Promise<ClusterWorld> {
  const root = await mkdtemp(path.join(tmpdir(), "ngcert-cluster-"));
  const keep = process.env.NGCERT_KEEP_WORLD === "1";
  const cleanups = new CleanupStack("the cluster world");
  cleanups.push(async () => (keep ? undefined : rm(root, { recursive: true, force: true })));
  const logDir = path.join(root, "logs");
  await mkdir(logDir, { recursive: true });
  try {
    const network = await buildNetwork(options.nodes);
    cleanups.push(() => network.remove());
    const childEnv = makeCleanEnv();
    const [pebblePort, pebbleManagement, pebbleTls, dns, challMgmt, lbHttp, lbHttps, etcdClient, etcdPeer] = (await findFreePorts([{}, {}, {}, { udp: true }, {}, {}, {}, {}, {}])) as number[] as [number, number, number, number, number, number, number, number, number];
    const started = (child: Child): void => {
      network.recordPid(child.pid);
      cleanups.push(() => child.stop());
    };

    const challtestsrv = await startChalltestsrv({ program: "pebble-challtestsrv", dnsPort: dns, managementPort: challMgmt, logDir, env: childEnv });
    started(challtestsrv);
    const pebble = await startClusterPebble({ dir: path.join(root, "pebble"), logDir, address: network.hostAddress, port: pebblePort, managementPort: pebbleManagement, httpPort: lbHttp, tlsPort: pebbleTls, dnsPort: dns });
    started(pebble.child);
    const etcd = options.issuer === "etcd" ? await startEtcd({ dir: path.join(root, "etcd"), logDir, address: network.hostAddress, clientPort: etcdClient, peerPort: etcdPeer }) : undefined;
    if (etcd) started(etcd.child);
    const balancer = await startBalancer({
      dir: path.join(root, "balancer"),
      logDir,
      httpPort: lbHttp,
      httpsPort: lbHttps,
      nodes: network.nodes.map((node) => ({ address: node.address, backup: options.backupNodes?.includes(node.name) })),
    });
    started(balancer.child);

    const keys = await makeClientKey(path.join(root, "ssh"));
    const knownHosts = path.join(root, "ssh", "known_hosts");
    const nodes: ClusterNode[] = [];
    for (const net of network.nodes) {
      const dir = path.join(root, "nodes", net.name);
      const layout = planNginxLayout(dir);
      await mkdir(layout.confD, { recursive: true });
      await mkdir(path.join(dir, "bin"), { recursive: true });
      await writeFile(path.join(layout.confD, "ngcert-test-upstream.conf"), renderUpstream(net.name));
      // The test's nginx is the node's: started inside its namespace (`ip netns exec` becomes nginx, same pid).
      const wrapper = path.join(dir, "bin", "nginx");
      await writeFile(wrapper, `#!/bin/sh\nexec /usr/sbin/ip netns exec ${net.ns} /usr/sbin/nginx "$@"\n`, { mode: 0o755 });
      const webroot = path.join(dir, "webroot");
      await mkdir(webroot, { recursive: true });
      const nginxProcess = await startNginx({ program: wrapper, layout, logDir: dir, httpPort: 80, webroot, challengeServer: false, env: childEnv });
      const sshd = await startSshd({ ns: net.ns, address: net.address, dir: path.join(dir, "sshd"), authorizedKeys: keys.authorizedKeys, logDir });
      nodes.push({ name: net.name, net, dir, configFile: path.join(dir, "config.json"), letsencryptDir: path.join(dir, "letsencrypt"), webroot, nginx: layout, nginxProcess, sshd });
    }
    await writeFile(knownHosts, `${nodes.map((node) => node.sshd.knownHostsLine).join("\n")}\n`);

    const cluster = {
      nodes: nodes.map((node) => ({ name: node.name, host: node.net.address, command: [process.execPath, CLI, "--config", node.configFile] })),
      ...(options.issuer === "etcd" ? { "etcd-endpoints": [etcd!.endpoint], "lease-seconds": options.leaseSeconds ?? 5 } : { issuer: options.issuer ?? options.nodes[0] }),
      "ssh-key": keys.clientKey,
      "ssh-known-hosts": knownHosts,
      "ssh-connect-timeout": 3,
    };
    for (const node of nodes) {
      const config = {
        "letsencrypt-dir": node.letsencryptDir,
        "certbot-work-dir": path.join(node.dir, "letsencrypt-work"),
        "certbot-logs-dir": path.join(node.dir, "letsencrypt-logs"),
        webroot: node.webroot,
        "nginx-dir": node.nginx.dir,
        "nginx-conf": node.nginx.conf,
        "nginx-bin": "/usr/sbin/nginx",
        "certbot-bin": "/usr/bin/certbot",
        "http-port": 80,
        "https-port": 443,
        server: pebble.directoryUrl,
        email: "ops@cluster.test",
        "cache-dir": path.join(node.dir, "cache"),
        cluster,
      };
      await writeFile(node.configFile, `${JSON.stringify(config, null, 2)}\n`);
    }
    // What certbot needs on the node that issues: Pebble's CA, and no cli.ini of the developer's.
    const env: Record<string, string> = { ...childEnv, REQUESTS_CA_BUNDLE: pebble.caFile, XDG_CONFIG_HOME: path.join(root, "xdg-config") };
    await mkdir(env.XDG_CONFIG_HOME!, { recursive: true });
    const find = (name: string): ClusterNode => {
      const node = nodes.find((entry) => entry.name === name);
      if (!node) throw new Error(`no node ${name}`);
      return node;
    };
    const world: ClusterWorld = {
      root,
      network,
      nodes,
      node: find,
      pebble,
      balancer,
      etcd,
      env,
      ngcert: async (name, args, runOptions = {}) => {
        const node = find(name);
        const began = Date.now();
        const result = await execa("/usr/sbin/ip", ["netns", "exec", node.net.ns, process.execPath, CLI, "--config", node.configFile, ...args], {
          env,
          extendEnv: false,
          reject: false,
          timeout: runOptions.timeoutMs ?? 120_000,
          ...(runOptions.input === undefined ? { stdin: "ignore" as const } : { input: runOptions.input }),
        });
        return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), durationMs: Date.now() - began };
      },
      startAgent: (name, args = []) => {
        const node = find(name);
        const logFile = path.join(node.dir, `agent-${Date.now()}.log`);
        const child = startChild({ name: `agent ${name}`, program: "/usr/sbin/ip", args: ["netns", "exec", node.net.ns, process.execPath, CLI, "--config", node.configFile, "cluster", "run", ...args], env, logFile });
        cleanups.push(() => child.stop());
        return {
          node: name,
          child,
          log: () => readFile(logFile, "utf8").catch(() => ""),
          events: async () =>
            (await readFile(logFile, "utf8").catch(() => ""))
              .split("\n")
              .filter((line) => line.startsWith("{"))
              .map((line) => JSON.parse(line) as { event: string }),
        };
      },
      writeSite: async (name, lineage, domains) => {
        const node = find(name);
        await writeFile(path.join(node.nginx.confD, `site-${lineage}.conf`), renderSite(node, lineage, domains));
      },
      stop: () => cleanups.run(),
    };
    return world;
  } catch (error) {
    await cleanups.run().catch(() => undefined);
    throw error;
  }
}

/** SHA-256 of the certificate nginx presents for `servername` at host:port (one handshake, no trust decision). */
export function servedFingerprint(host: string, port: number, servername: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, servername, rejectUnauthorized: false });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS handshake with ${servername} at ${host}:${port} in time`)));
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate()?.raw;
      socket.destroy();
      if (!raw) reject(new Error(`no certificate for ${servername} at ${host}:${port}`));
      else resolve(createHash("sha256").update(raw).digest("hex"));
    });
    socket.once("error", reject);
  });
}

/** SHA-256 of the DER of a PEM certificate file (a lineage's cert.pem). */
export async function fileFingerprint(file: string): Promise<string> {
  return createHash("sha256").update(new X509Certificate(await readFile(file)).raw).digest("hex");
}

/**
 * Makes a lineage look close to its end, as certbot would find it weeks after the last renewal: a new archive version
 * holding a certificate for the same names that expires in `daysLeft` days (signed by a throw-away CA, valid from now,
 * so it is newer than what the nodes hold), and live/ switched to it. Its own lifetime is short, so ngcert's
 * lifetime window would not open for days: the renewal conf says `renew_before_expiry = 30 days` as an owner may, and
 * certbot's `renew` and ngcert's then find it due.
 */
export async function ageLineage(letsencryptDir: string, name: string, domains: readonly string[], daysLeft: number): Promise<string> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - 1_000), notAfter: new Date(now + daysLeft * 86_400_000) };
  const ca = makeCertificateAuthority({ ...validity, notBefore: new Date(now - 86_400_000), commonName: "ngcert cluster world aged CA", organization: "ngcert cluster world" });
  const leaf = issueServerCertificate({ ...validity, issuer: ca, dnsNames: domains, ipAddresses: [], organization: "ngcert cluster world" });
  const archive = path.join(letsencryptDir, "archive", name);
  const versions = (await readdir(archive)).map((file) => Number(/^cert(\d+)\.pem$/.exec(file)?.[1] ?? 0));
  const version = Math.max(0, ...versions) + 1;
  const files = { cert: leaf.pem, chain: ca.pem, fullchain: `${leaf.pem}${ca.pem}`, privkey: leaf.keyPem };
  for (const [kind, text] of Object.entries(files)) await writeFile(path.join(archive, `${kind}${version}.pem`), text, { mode: kind === "privkey" ? 0o600 : 0o644 });
  for (const kind of Object.keys(files)) {
    const link = path.join(letsencryptDir, "live", name, `${kind}.pem`);
    await symlink(`../../archive/${name}/${kind}${version}.pem`, `${link}.new`);
    await rename(`${link}.new`, link);
  }
  const confPath = path.join(letsencryptDir, "renewal", `${name}.conf`);
  const lines = (await readFile(confPath, "utf8")).split("\n").filter((line) => !/^\s*renew_before_expiry\s*=/.test(line) && !line.startsWith("# ngcert-owned:"));
  const firstSection = lines.findIndex((line) => line.startsWith("["));
  lines.splice(firstSection < 0 ? lines.length : firstSection, 0, "renew_before_expiry = 30 days");
  await writeFile(confPath, lines.join("\n"));
  return createHash("sha256").update(leaf.der).digest("hex");
}
