// The programs of the cluster test world besides the nodes' nginx: each node's sshd (in its namespace, its own host
// key, root's key only), Pebble listening on the host's bridge address (the nodes reach it there; it validates
// HTTP-01 on the balancer), the balancer (nginx `stream`, TCP, round robin over the nodes' ports 80 and 443) and etcd.
import { connect } from "node:net";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { request } from "node:https";
import { execa } from "execa";
import { issueServerCertificate, makeCertificateAuthority } from "../../../src/certs/issue-certificate.js";
import { describeStartFailure, startChild, type Child } from "../../../src/world/child-process.js";
import { httpGet } from "../../../src/world/http-get.js";
import { waitFor } from "../../../src/world/wait.js";

const IP = "/usr/sbin/ip";

/** A program run inside a node's namespace (`ip netns exec` becomes it: same pid). */
export function inNamespace(ns: string, program: string, args: readonly string[]): { program: string; args: string[] } {
  return { program: IP, args: ["netns", "exec", ns, program, ...args] };
}

function waitForBanner(host: string, port: number, prefix: string): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString("latin1").startsWith(prefix) ? true : undefined);
    });
    socket.once("error", () => resolve(undefined));
  });
}

export interface SshKeys {
  /** root's key on every node's authorized_keys (the issuer's ssh-key setting). */
  clientKey: string;
  authorizedKeys: string;
  knownHosts: string;
}

export async function makeClientKey(dir: string): Promise<Omit<SshKeys, "knownHosts">> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const clientKey = path.join(dir, "id_ed25519");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ngcert-cluster-test", "-f", clientKey]);
  const authorizedKeys = path.join(dir, "authorized_keys");
  await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`, "utf8"), { mode: 0o600 });
  return { clientKey, authorizedKeys };
}

export interface Sshd {
  child: Child;
  /** The known_hosts line for this node. */
  knownHostsLine: string;
}

export async function startSshd(options: { ns: string; address: string; dir: string; authorizedKeys: string; logDir: string }): Promise<Sshd> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  // sshd's privilege separation directory, as the Debian package's service creates it at boot.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = path.join(options.dir, "ssh_host_ed25519_key");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", options.ns, "-f", hostKey]);
  const config = path.join(options.dir, "sshd_config");
  await writeFile(
    config,
    [
      "Port 22",
      `ListenAddress ${options.address}`,
      `HostKey ${hostKey}`,
      "PidFile none",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      `AuthorizedKeysFile ${options.authorizedKeys}`,
      // The temp dir's parents are not root-only all the way up, which StrictModes would refuse.
      "StrictModes no",
      "AllowUsers root",
      "MaxStartups 100:30:200",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  const run = inNamespace(options.ns, "/usr/sbin/sshd", ["-D", "-e", "-f", config]);
  const child = startChild({ name: `sshd ${options.ns}`, program: run.program, args: run.args, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, logFile: path.join(options.logDir, `sshd-${options.ns}.log`) });
  try {
    await waitFor(() => waitForBanner(options.address, 22, "SSH-"), { what: `sshd on ${options.address}:22`, timeoutMs: 15_000, intervalMs: 100, abort: child.exitReason });
  } catch (error) {
    await child.stop();
    throw describeStartFailure(child, error);
  }
  const pub = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(/\s+/).slice(0, 2).join(" ");
  return { child, knownHostsLine: `${options.address} ${pub}` };
}

export interface ClusterPebble {
  child: Child;
  directoryUrl: string;
  caFile: string;
  logFile: string;
}

/** Pebble on the host's bridge address: the nodes order there, and it validates on the balancer (DNS: 127.0.0.1). */
export async function startClusterPebble(options: { dir: string; logDir: string; address: string; port: number; managementPort: number; httpPort: number; tlsPort: number; dnsPort: number }): Promise<ClusterPebble> {
  await mkdir(options.dir, { recursive: true });
  const now = Date.now();
  const validity = { notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 30 * 86_400_000) };
  const ca = makeCertificateAuthority({ ...validity, commonName: "ngcert cluster world Pebble listener CA", organization: "ngcert cluster world" });
  const leaf = issueServerCertificate({ ...validity, issuer: ca, dnsNames: ["localhost"], ipAddresses: [options.address, "127.0.0.1"], organization: "ngcert cluster world" });
  const caFile = path.join(options.dir, "ca.pem");
  await writeFile(caFile, ca.pem);
  await writeFile(path.join(options.dir, "cert.pem"), leaf.pem);
  await writeFile(path.join(options.dir, "key.pem"), leaf.keyPem, { mode: 0o600 });
  const config = {
    pebble: {
      listenAddress: `${options.address}:${options.port}`,
      managementListenAddress: `127.0.0.1:${options.managementPort}`,
      certificate: path.join(options.dir, "cert.pem"),
      privateKey: path.join(options.dir, "key.pem"),
      httpPort: options.httpPort,
      tlsPort: options.tlsPort,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
    },
  };
  const configFile = path.join(options.dir, "pebble-config.json");
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(options.logDir, "pebble.log");
  const child = startChild({
    name: "pebble",
    program: "pebble",
    args: ["-config", configFile, "-dnsserver", `127.0.0.1:${options.dnsPort}`],
    // As in the single-node world: validate at once, never reuse an authorization (every order is validated).
    env: { PATH: process.env.PATH, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
    logFile,
    cwd: options.dir,
  });
  const directoryUrl = `https://${options.address}:${options.port}/dir`;
  try {
    await waitFor(
      () =>
        new Promise<true | undefined>((resolve) => {
          const req = request(directoryUrl, { ca: ca.pem, timeout: 2_000 }, (res) => {
            res.resume();
            resolve(res.statusCode === 200 ? true : undefined);
          });
          req.on("error", () => resolve(undefined));
          req.on("timeout", () => req.destroy());
          req.end();
        }),
      { what: `Pebble's directory ${directoryUrl}`, timeoutMs: 15_000, intervalMs: 100, abort: child.exitReason },
    );
  } catch (error) {
    await child.stop();
    throw describeStartFailure(child, error);
  }
  return { child, directoryUrl, caFile, logFile };
}

/** Order ids, issued serials and the host names Pebble validated, from its log. */
export async function readPebbleLog(file: string): Promise<{ orders: string[]; issued: string[]; validated: string[] }> {
  const log = await readFile(file, "utf8");
  const all = (pattern: RegExp): string[] => [...log.matchAll(pattern)].map((match) => match[1]!);
  return {
    orders: all(/Added order "([^"]+)" to the db/g),
    issued: all(/Issued certificate serial ([0-9a-f]+) for order/g),
    validated: all(/Attempting to validate w\/ HTTP: http:\/\/([^:/]+)[:/]/g),
  };
}

export interface Balancer {
  child: Child;
  httpPort: number;
  httpsPort: number;
  conf: string;
  /** Rewrites the upstreams (backup: tried only when every other is down) and reloads. */
  setNodes(nodes: readonly { address: string; backup?: boolean }[]): Promise<void>;
}

function renderBalancer(dir: string, httpPort: number, httpsPort: number, nodes: readonly { address: string; backup?: boolean }[]): string {
  const servers = (port: number): string => nodes.map((node) => `        server ${node.address}:${port} max_fails=1 fail_timeout=5s${node.backup ? " backup" : ""};`).join("\n");
  return `# ngcert cluster world: a TCP balancer in front of every node's ports 80 and 443, round robin.
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
pid ${dir}/balancer.pid;
error_log ${dir}/balancer-error.log notice;
events { worker_connections 1024; }
stream {
    log_format tcp '$time_iso8601 $remote_addr $server_port -> $upstream_addr $status $session_time';
    access_log ${dir}/balancer-access.log tcp;
    # A node that is down costs one second, then the next node is tried.
    proxy_connect_timeout 1s;
    proxy_next_upstream on;
    proxy_next_upstream_tries 3;
    upstream http_nodes {
${servers(80)}
    }
    upstream https_nodes {
${servers(443)}
    }
    server {
        listen 127.0.0.1:${httpPort};
        proxy_pass http_nodes;
    }
    server {
        listen 127.0.0.1:${httpsPort};
        proxy_pass https_nodes;
    }
}
`;
}

export async function startBalancer(options: { dir: string; logDir: string; httpPort: number; httpsPort: number; nodes: readonly { address: string; backup?: boolean }[] }): Promise<Balancer> {
  await mkdir(options.dir, { recursive: true });
  const conf = path.join(options.dir, "balancer.conf");
  await writeFile(conf, renderBalancer(options.dir, options.httpPort, options.httpsPort, options.nodes));
  const child = startChild({ name: "balancer", program: "/usr/sbin/nginx", args: ["-e", path.join(options.dir, "balancer-error.log"), "-c", conf, "-g", "daemon off;"], env: { PATH: process.env.PATH }, logFile: path.join(options.logDir, "balancer.log") });
  try {
    await waitFor(() => waitForListen(options.httpsPort), { what: `the balancer on 127.0.0.1:${options.httpsPort}`, timeoutMs: 10_000, abort: child.exitReason });
  } catch (error) {
    await child.stop();
    throw describeStartFailure(child, error);
  }
  return {
    child,
    httpPort: options.httpPort,
    httpsPort: options.httpsPort,
    conf,
    setNodes: async (nodes) => {
      await writeFile(conf, renderBalancer(options.dir, options.httpPort, options.httpsPort, nodes));
      await execa("/usr/sbin/nginx", ["-c", conf, "-s", "reload"], { timeout: 10_000 });
      // The new workers take over within a moment; there is no reload confirmation a test needs beyond that.
      await new Promise((resolve) => setTimeout(resolve, 500));
    },
  };
}

function waitForListen(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(undefined));
  });
}

export interface Etcd {
  child: Child;
  endpoint: string;
}

export async function startEtcd(options: { dir: string; logDir: string; address: string; clientPort: number; peerPort: number }): Promise<Etcd> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const endpoint = `http://${options.address}:${options.clientPort}`;
  const peer = `http://127.0.0.1:${options.peerPort}`;
  const child = startChild({
    name: "etcd",
    program: "etcd",
    args: [
      "--name", "ngcert-test",
      "--data-dir", path.join(options.dir, "data"),
      "--listen-client-urls", endpoint,
      "--advertise-client-urls", endpoint,
      "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer,
      "--initial-cluster", `ngcert-test=${peer}`,
      "--initial-cluster-state", "new",
      "--log-level", "warn",
    ],
    env: { PATH: process.env.PATH },
    logFile: path.join(options.logDir, "etcd.log"),
  });
  try {
    await waitFor(async () => ((await httpGet({ address: options.address, port: options.clientPort, path: "/health", timeoutMs: 1_000 })).body.includes('"health":"true"') ? true : undefined), {
      what: `etcd on ${endpoint}`,
      timeoutMs: 20_000,
      intervalMs: 200,
      abort: child.exitReason,
    });
  } catch (error) {
    await child.stop();
    throw describeStartFailure(child, error);
  }
  return { child, endpoint };
}
