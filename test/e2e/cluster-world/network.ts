// The cluster test world's network on this one machine: one Linux network namespace per node, each joined to a bridge
// in the host's namespace by a veth pair, on a private /24 of its own. Every name carries the run's id, and the run is
// registered (owner pid, namespaces, bridge, host-side pids) under /run, so a run killed before it could clean up is
// swept by the next one. Needs root (CAP_NET_ADMIN); skipped elsewhere by the suites.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { isProcessAlive, readStartTicks } from "../../../src/fs/process-alive.js";

export interface NodeNet {
  /** The node's name in the cluster ("web1"). */
  name: string;
  /** Its network namespace (`ip netns exec <ns> ...`). */
  ns: string;
  address: string;
  /** The veth end left in the host's namespace, on the bridge: down = the node is cut off. */
  hostVeth: string;
}

export interface ClusterNetwork {
  id: string;
  bridge: string;
  /** The host's address on the bridge: where Pebble's API and etcd listen for the nodes. */
  hostAddress: string;
  nodes: NodeNet[];
  /** Cuts a node off the network (its link down), or brings it back. */
  setLink(node: string, up: boolean): Promise<void>;
  /** Records a process of the world started in the host's namespace, so a later run can end it if this one dies. */
  recordPid(pid: number): void;
  /** Ends every process in the namespaces, deletes them, the veths and the bridge. Safe to call twice. */
  remove(): Promise<void>;
}

const REGISTRY = "/run/ngcert-cluster-test";
const IP = "/usr/sbin/ip";

interface Registration {
  owner: number;
  ownerTicks: number | undefined;
  namespaces: string[];
  bridge: string;
  pids: { pid: number; ticks: number | undefined }[];
}

async function ip(args: readonly string[]): Promise<string> {
  const result = await execa(IP, args, { reject: false, timeout: 20_000 });
  if (result.exitCode !== 0) throw new Error(`ip ${args.join(" ")} failed: ${String(result.stderr).trim()}`);
  return String(result.stdout);
}

/** Whether this machine lets us build namespaces (root with CAP_NET_ADMIN, iproute2 installed). */
export function canBuildNetwork(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not root: network namespaces need CAP_NET_ADMIN" };
  if (!existsSync(IP)) return { ok: false, reason: `${IP} missing (Debian: iproute2)` };
  return { ok: true };
}

function readRegistration(file: string): Registration | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Registration;
  } catch {
    return undefined;
  }
}

async function killNamespace(ns: string): Promise<void> {
  const pids = await execa(IP, ["netns", "pids", ns], { reject: false, timeout: 10_000 });
  for (const pid of String(pids.stdout).split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  // A process killed a moment ago may still hold the namespace: deleting it removes the name; the kernel frees it last.
  await execa(IP, ["netns", "del", ns], { reject: false, timeout: 10_000 });
}

async function sweep(reg: Registration): Promise<void> {
  for (const entry of reg.pids) {
    if (entry.ticks !== undefined && readStartTicks(entry.pid) !== entry.ticks) continue;
    try {
      process.kill(entry.pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  for (const ns of reg.namespaces) await killNamespace(ns);
  await execa(IP, ["link", "del", reg.bridge], { reject: false, timeout: 10_000 });
}

/** Cleans up after runs whose test process is gone (killed before its own cleanup could run). */
export async function sweepStaleWorlds(): Promise<string[]> {
  if (!existsSync(REGISTRY)) return [];
  const swept: string[] = [];
  for (const file of readdirSync(REGISTRY)) {
    const full = path.join(REGISTRY, file);
    const reg = readRegistration(full);
    const alive = reg !== undefined && isProcessAlive(reg.owner) && (reg.ownerTicks === undefined || readStartTicks(reg.owner) === reg.ownerTicks);
    if (alive) continue;
    if (reg) await sweep(reg);
    rmSync(full, { force: true });
    swept.push(file);
  }
  return swept;
}

/** A private /24 no interface of this machine uses yet: 10.<200..249>.<0..255>. */
async function pickSubnet(): Promise<string> {
  const used = await ip(["-4", "-o", "addr"]);
  const routes = await ip(["-4", "route"]);
  for (let attempt = 0; attempt < 50; attempt++) {
    const bytes = randomBytes(2);
    const subnet = `10.${200 + (bytes[0]! % 50)}.${bytes[1]!}`;
    if (!used.includes(` ${subnet}.`) && !routes.includes(`${subnet}.`)) return subnet;
  }
  throw new Error("no free 10.x.y.0/24 for the cluster test network");
}

export async function buildNetwork(nodeNames: readonly string[]): Promise<ClusterNetwork> {
  await sweepStaleWorlds();
  const id = randomBytes(2).toString("hex");
  const bridge = `ngc${id}br`;
  const subnet = await pickSubnet();
  const nodes: NodeNet[] = nodeNames.map((name, index) => ({ name, ns: `ngcert-${id}-${name}`, address: `${subnet}.${11 + index}`, hostVeth: `ngc${id}h${index}` }));
  mkdirSync(REGISTRY, { recursive: true, mode: 0o700 });
  const regFile = path.join(REGISTRY, `${id}.json`);
  const reg: Registration = { owner: process.pid, ownerTicks: readStartTicks(process.pid), namespaces: nodes.map((node) => node.ns), bridge, pids: [] };
  const save = (): void => writeFileSync(regFile, JSON.stringify(reg));
  // Registered before anything exists: whatever this run gets to create, a later run can remove.
  save();
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await sweep(reg);
    rmSync(regFile, { force: true });
  };
  try {
    await ip(["link", "add", bridge, "type", "bridge"]);
    await ip(["addr", "add", `${subnet}.1/24`, "dev", bridge]);
    await ip(["link", "set", bridge, "up"]);
    for (const [index, node] of nodes.entries()) {
      const inner = `ngc${id}n${index}`;
      await ip(["netns", "add", node.ns]);
      await ip(["link", "add", node.hostVeth, "type", "veth", "peer", "name", inner]);
      await ip(["link", "set", inner, "netns", node.ns]);
      await ip(["link", "set", node.hostVeth, "master", bridge]);
      await ip(["link", "set", node.hostVeth, "up"]);
      await ip(["-n", node.ns, "addr", "add", `${node.address}/24`, "dev", inner]);
      await ip(["-n", node.ns, "link", "set", inner, "up"]);
      await ip(["-n", node.ns, "link", "set", "lo", "up"]);
    }
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
  return {
    id,
    bridge,
    hostAddress: `${subnet}.1`,
    nodes,
    setLink: async (name, up) => {
      const node = nodes.find((entry) => entry.name === name);
      if (!node) throw new Error(`no node ${name}`);
      await ip(["link", "set", node.hostVeth, up ? "up" : "down"]);
    },
    recordPid: (pid) => {
      reg.pids.push({ pid, ticks: readStartTicks(pid) });
      save();
    },
    remove,
  };
}
