// The "cluster" object of the config file: the nodes behind one name, how the issuer reaches them over ssh, and who
// issues (one configured node, or whoever holds a lease in etcd). Pure: checked here, before anything acts on it, so
// that nothing from the file reaches an ssh command line or an etcd request unchecked.
import { isIP } from "node:net";
import path from "node:path";
import { NgcertError } from "../errors.js";
import { splitCommand } from "./split-command.js";

export interface ClusterNode {
  name: string;
  /** Address or DNS name the other nodes reach it at (ssh, and doctor's challenge fetch). */
  host: string;
  sshPort: number;
  /** How ngcert is run there over ssh: program and arguments. */
  command: string[];
}

export interface EtcdConfig {
  endpoints: string[];
  /** Keys live under this prefix (several clusters can share one etcd). */
  prefix: string;
  /** The issuer's lease: a dead issuer is replaced after at most this long. */
  leaseSeconds: number;
}

export interface ClusterConfig {
  nodes: ClusterNode[];
  /** This node's name; undefined: found by matching a node's host with this machine's addresses and name. */
  self: string | undefined;
  /** The configured issuer; undefined when etcd elects it. */
  issuer: string | undefined;
  etcd: EtcdConfig | undefined;
  ssh: { user: string; key: string | undefined; knownHosts: string | undefined; connectTimeoutSeconds: number };
  /** certbot account id to issue with, when the server has several. */
  account: string | undefined;
  /** Nodes pushed to at once. */
  parallel: number;
}

const KEYS = ["nodes", "self", "issuer", "etcd-endpoints", "etcd-prefix", "lease-seconds", "ssh-user", "ssh-key", "ssh-known-hosts", "ssh-connect-timeout", "account", "parallel"];
const NODE_KEYS = ["name", "host", "ssh-port", "command"];
const NODE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const UNSAFE_PATH = /[\s;{}'"`$\\#\0]/;

export function parseClusterConfig(value: unknown, configPath: string, cwd: string): ClusterConfig {
  const where = `"cluster" in ${configPath}`;
  const fail = (why: string): never => {
    throw new NgcertError("CONFIG", `${where}: ${why}`);
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) return fail("must be an object with \"nodes\" and an \"issuer\" or \"etcd-endpoints\"");
  const data = value as Record<string, unknown>;
  for (const key of Object.keys(data)) if (!KEYS.includes(key)) fail(`unknown key "${key}"; known: ${KEYS.join(", ")}`);
  const string = (key: string): string | undefined => {
    const v = data[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.trim() === "" || /[\0\r\n]/.test(v)) return fail(`"${key}" must be a non-empty string`);
    return v.trim();
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const v = data[key];
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return fail(`"${key}" must be a whole number from ${min} to ${max}`);
    return v;
  };
  const filePath = (key: string): string | undefined => {
    const v = string(key);
    if (v === undefined) return undefined;
    if (UNSAFE_PATH.test(v)) fail(`"${key}": \`${v}\` is not a usable path: spaces, quotes and ; { } $ \\ # are not allowed`);
    return path.resolve(cwd, v);
  };

  if (!Array.isArray(data.nodes) || data.nodes.length === 0) return fail('"nodes" must be a non-empty list such as [{"name": "web1", "host": "10.0.0.1"}]');
  const nodes = data.nodes.map((entry, index) => parseNode(entry, `${where}: nodes[${index}]`));
  for (const [index, node] of nodes.entries()) {
    if (nodes.findIndex((other) => other.name === node.name) !== index) fail(`two nodes are named "${node.name}"`);
    if (nodes.findIndex((other) => other.host === node.host && other.sshPort === node.sshPort) !== index) fail(`nodes "${nodes.find((other) => other.host === node.host)!.name}" and "${node.name}" have the same host and ssh port`);
  }
  const known = (key: string): string | undefined => {
    const name = string(key);
    if (name !== undefined && !nodes.some((node) => node.name === name)) fail(`"${key}": "${name}" is not one of the nodes (${nodes.map((node) => node.name).join(", ")})`);
    return name;
  };
  const self = known("self");
  const issuer = known("issuer");

  let etcd: EtcdConfig | undefined;
  if (data["etcd-endpoints"] !== undefined) {
    const raw = data["etcd-endpoints"];
    const list = typeof raw === "string" ? [raw] : raw;
    if (!Array.isArray(list) || list.length === 0) return fail('"etcd-endpoints" must be a list of URLs such as ["http://10.0.0.1:2379"]');
    const endpoints = list.map((endpoint) => {
      let url: URL | undefined;
      try {
        url = typeof endpoint === "string" ? new URL(endpoint) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password || (url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
        return fail(`"etcd-endpoints": ${JSON.stringify(endpoint)} is not an http(s)://host:port URL`);
      }
      return url.origin;
    });
    const prefix = string("etcd-prefix") ?? "/ngcert/";
    if (!/^\/[\x21-\x7e]*\/$/.test(prefix)) fail(`"etcd-prefix" must start and end with / and hold only printable characters, not ${JSON.stringify(prefix)}`);
    etcd = { endpoints, prefix, leaseSeconds: integer("lease-seconds", 15, 3, 3600) };
  } else {
    for (const key of ["etcd-prefix", "lease-seconds"]) if (data[key] !== undefined) fail(`"${key}" is for etcd: give "etcd-endpoints" too`);
  }
  if (etcd && issuer !== undefined) fail('give either "issuer" (one configured node issues) or "etcd-endpoints" (the nodes elect the issuer), not both');
  if (!etcd && issuer === undefined) fail('name the node that issues ("issuer": "web1"), or give "etcd-endpoints" for the nodes to elect one');

  const user = string("ssh-user") ?? "root";
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) fail(`"ssh-user": \`${user}\` is not a user name`);
  const account = string("account");
  if (account !== undefined && !/^[0-9a-f]{32}$/.test(account)) fail(`"account": \`${account}\` is not a certbot account id (32 hexadecimal digits, as in ${"accounts/<server>/<id>/"})`);
  return {
    nodes,
    self,
    issuer,
    etcd,
    ssh: { user, key: filePath("ssh-key"), knownHosts: filePath("ssh-known-hosts"), connectTimeoutSeconds: integer("ssh-connect-timeout", 10, 1, 300) },
    account,
    parallel: integer("parallel", 8, 1, 256),
  };
}

function parseNode(entry: unknown, where: string): ClusterNode {
  const fail = (why: string): never => {
    throw new NgcertError("CONFIG", `${where}: ${why}`);
  };
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return fail('must be an object such as {"name": "web1", "host": "10.0.0.1"}');
  const data = entry as Record<string, unknown>;
  for (const key of Object.keys(data)) if (!NODE_KEYS.includes(key)) fail(`unknown key "${key}"; known: ${NODE_KEYS.join(", ")}`);
  const name = data.name;
  if (typeof name !== "string" || !NODE_NAME.test(name)) fail(`"name" must be lower-case letters, digits and hyphens (a host-name label), not ${JSON.stringify(name)}`);
  const rawHost = data.host;
  const host = typeof rawHost === "string" ? rawHost.trim().replace(/^\[(.*)\]$/, "$1") : "";
  // The host ends up as ssh's destination: an address or a DNS name, never something ssh could read as an option.
  if (isIP(host) === 0 && !HOST_NAME.test(host)) fail(`"host" must be an IP address or a DNS name, not ${JSON.stringify(rawHost)}`);
  const port = data["ssh-port"] ?? 22;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) fail(`"ssh-port" must be a port number, not ${JSON.stringify(port)}`);
  let command = ["ngcert"];
  const rawCommand = data.command;
  if (typeof rawCommand === "string") command = splitCommand(rawCommand, `${where}: "command"`);
  else if (Array.isArray(rawCommand) && rawCommand.length > 0 && rawCommand.every((part) => typeof part === "string" && part !== "" && !/[\0\r\n]/.test(part))) command = rawCommand as string[];
  else if (rawCommand !== undefined) fail('"command" must be a command line such as "ngcert" or a list of its words');
  return { name: name as string, host, sshPort: port as number, command };
}

/** This node's entry: named in the config, or the one whose host is one of this machine's addresses or its name. */
export function findSelf(cluster: ClusterConfig, machine: { addresses: readonly string[]; hostname: string }): ClusterNode | undefined {
  if (cluster.self !== undefined) return cluster.nodes.find((node) => node.name === cluster.self);
  const names = new Set([machine.hostname.toLowerCase(), machine.hostname.toLowerCase().split(".")[0]!]);
  const matches = cluster.nodes.filter((node) => machine.addresses.includes(node.host) || names.has(node.host.toLowerCase()));
  return matches.length === 1 ? matches[0] : undefined;
}
