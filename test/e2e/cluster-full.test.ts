// The whole cluster suite (NGCERT_CLUSTER=all; scripts/cluster-e2e.sh): three nginx nodes, each a network namespace
// with its own address and sshd, behind a TCP balancer (nginx stream) that Pebble validates through. With a configured
// issuer: renewal validated on the other nodes, every node serving the new certificate under load through the balancer
// with no failed request, a node down during a renewal reported and caught up by the agent when it returns, doctor
// naming a node that answers challenges wrong. With etcd: the issuer killed right after ordering hands the lease over,
// and the next issuer fetches that certificate instead of ordering it again (orders counted in Pebble's log); killed
// while nothing is due, it orders nothing.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHttpsLoad } from "../../src/load/https-load.js";
import { sleep, waitFor } from "../../src/world/wait.js";
import { ageLineage, fileFingerprint, NODE_HEADER, startClusterWorld, type Agent, type ClusterWorld, type NgcertRun } from "./cluster-world/cluster-world.js";
import { challengeRequests, requireClusterWorld, servedByNode } from "./cluster-world/checks.js";
import { readPebbleLog } from "./cluster-world/services.js";

const all = process.env.NGCERT_CLUSTER === "all";
const check = all ? requireClusterWorld({ etcd: true }) : { skip: true, reason: "set NGCERT_CLUSTER=all (scripts/cluster-e2e.sh)" };
const DOMAIN = "app.cluster.test";
const NODES = ["web1", "web2", "web3"];
const said = (run: NgcertRun): string => `exit ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;

interface NodesJson {
  nodes: { name: string; issuer: boolean; reachable: boolean; problems: { code: string }[]; lineages: { name: string; fingerprint: string | null; servedFingerprint: string | null; problems: { code: string }[] }[] }[];
}

/** cluster init, then add on `issuer`, then the operator's site on every other node and a reload there. */
async function setUp(world: ClusterWorld, issuer: string): Promise<void> {
  const init = await world.ngcert(issuer, ["cluster", "init"]);
  expect(init.exitCode, said(init)).toBe(0);
  const add = await world.ngcert(issuer, ["add", DOMAIN, "--upstream", "http://127.0.0.1:9000"]);
  expect(add.exitCode, said(add)).toBe(0);
  for (const node of NODES.filter((name) => name !== issuer)) {
    await world.writeSite(node, DOMAIN, [DOMAIN]);
    const reload = await world.ngcert(node, ["reload"]);
    expect(reload.exitCode, said(reload)).toBe(0);
  }
}

const liveFingerprint = (world: ClusterWorld, node: string): Promise<string> => fileFingerprint(path.join(world.node(node).letsencryptDir, "live", DOMAIN, "cert.pem"));

async function waitForEvent(agent: Agent, match: (event: { event: string; [key: string]: unknown }) => boolean, what: string, timeoutMs = 180_000): Promise<{ event: string; [key: string]: unknown }> {
  try {
    return await waitFor(async () => (await agent.events()).find(match), { what: `${agent.node}'s agent: ${what}`, timeoutMs, intervalMs: 250, abort: agent.child.exitReason });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- its log ---\n${await agent.log()}`);
  }
}

describe.skipIf(check.skip)(`a cluster of three nodes with a configured issuer${check.skip ? ` (skipped: ${check.reason})` : ""}`, () => {
  let world: ClusterWorld | undefined;
  const w = (): ClusterWorld => world!;

  beforeAll(async () => {
    world = await startClusterWorld({ nodes: NODES, issuer: "web1", backupNodes: ["web1"] });
    await setUp(world, "web1");
  }, 360_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it("a renewal validated on the other nodes is served by every node, under load through the balancer, with no failed request", async () => {
    const before = await liveFingerprint(w(), "web1");
    expect(await servedByNode(w(), DOMAIN)).toEqual({ web1: before, web2: before, web3: before });
    const earlier = { web1: (await challengeRequests(w(), "web1")).length, web2: (await challengeRequests(w(), "web2")).length, web3: (await challengeRequests(w(), "web3")).length };
    const issuedBefore = (await readPebbleLog(w().pebble.logFile)).issued.length;

    const renewal = w().ngcert("web1", ["renew", "--force"]);
    // A new TLS connection per request, round robin over the nodes: every reload on every node happens under load.
    const load = runHttpsLoad({ port: w().balancer.httpsPort, servername: DOMAIN, concurrency: 4, pauseMs: 20, durationMs: 180_000, stopWhen: renewal.then(() => sleep(1_000)), requireHeader: NODE_HEADER });
    const run = await renewal;
    const result = await load;
    expect(run.exitCode, said(run)).toBe(0);
    const after = await liveFingerprint(w(), "web1");
    expect(after).not.toBe(before);
    expect(await servedByNode(w(), DOMAIN)).toEqual({ web1: after, web2: after, web3: after });
    expect(result.failed, JSON.stringify(result.samples.filter((sample) => !sample.ok).slice(0, 5))).toBe(0);
    expect(result.ok).toBeGreaterThan(20);
    expect(result.serials.length).toBe(2);
    expect((await readPebbleLog(w().pebble.logFile)).issued.length).toBe(issuedBefore + 1);
    // The CA's requests reached web2 and web3, never the issuer.
    expect((await challengeRequests(w(), "web1")).length).toBe(earlier.web1);
    const elsewhere = [...(await challengeRequests(w(), "web2")).slice(earlier.web2), ...(await challengeRequests(w(), "web3")).slice(earlier.web3)];
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.every((entry) => entry.status === 200)).toBe(true);
  }, 360_000);

  it("a node down during a renewal is reported (exit 1), and the agent brings it up to date when it returns", async () => {
    const metrics = path.join(w().root, "cluster.prom");
    const agent = w().startAgent("web1", ["--sync-interval", "2", "--metrics-file", metrics]);
    await waitForEvent(agent, (event) => event.event === "started", "started");
    const before = await liveFingerprint(w(), "web1");
    await w().network.setLink("web3", false);
    try {
      const run = await w().ngcert("web1", ["renew", "--force"]);
      expect(run.exitCode, said(run)).toBe(1);
      expect(run.stderr).toMatch(/web3: UNREACHABLE: .*it is retried/);
      const after = await liveFingerprint(w(), "web1");
      expect(after).not.toBe(before);
      // web2 has it, from this run's sync or the agent's, whichever took the lock first.
      expect(await liveFingerprint(w(), "web2")).toBe(after);

      const status = await w().ngcert("web1", ["status", "--nodes", "--json"]);
      expect(status.exitCode, said(status)).toBe(1);
      const nodes = (JSON.parse(status.stdout) as NodesJson).nodes;
      expect(nodes.find((node) => node.name === "web3")).toMatchObject({ reachable: false, problems: [{ code: "NODE_UNREACHABLE" }] });
      expect(nodes.find((node) => node.name === "web2")!.lineages[0]).toMatchObject({ fingerprint: after, servedFingerprint: after, problems: [] });
      await waitForEvent(agent, (event) => event.event === "node-failed" && event.node === "web3", "web3 failed");
      await waitFor(async () => ((await readFile(metrics, "utf8").catch(() => "")).includes('ngcert_cluster_node_up{node="web3"} 0') ? true : undefined), { what: "web3 down in the metrics", timeoutMs: 30_000 });
    } finally {
      await w().network.setLink("web3", true);
    }
    await waitForEvent(agent, (event) => event.event === "node-recovered" && event.node === "web3", "web3 recovered");
    const after = await liveFingerprint(w(), "web1");
    expect(await servedByNode(w(), DOMAIN)).toEqual({ web1: after, web2: after, web3: after });
    expect(await readFile(metrics, "utf8")).toMatch(/ngcert_cluster_node_in_sync\{node="web3"\} 1/);
    const status = await w().ngcert("web2", ["status", "--nodes"]);
    expect(status.exitCode, said(status)).toBe(0);
    expect(status.stdout).toMatch(/web1\*\s+app\.cluster\.test/);
    await agent.child.stop();
  }, 360_000);

  it("doctor names the node whose challenge answer is not the account's", async () => {
    const snippet = path.join(w().node("web2").nginx.snippets, "ngcert-acme.conf");
    const original = await readFile(snippet, "utf8");
    const thumbprint = /\$ngcert_acme_token\.([A-Za-z0-9_-]{43})"/.exec(original)?.[1];
    expect(thumbprint).toBeDefined();
    await writeFile(snippet, original.replace(`.${thumbprint}"`, `.${"x".repeat(43)}"`));
    await w().node("web2").nginxProcess.reload();
    try {
      const run = await w().ngcert("web1", ["doctor", "--json"]);
      expect(run.exitCode, said(run)).toBe(1);
      const findings = (JSON.parse(run.stdout) as { findings: { code: string; message: string }[] }).findings;
      expect(findings.filter((finding) => finding.code === "CLUSTER_THUMBPRINT").map((finding) => finding.message.split(" ")[0])).toEqual(["web2"]);
      const status = await w().ngcert("web1", ["status", "--nodes", "--json"]);
      expect(status.exitCode).toBe(1);
      expect((JSON.parse(status.stdout) as NodesJson).nodes.find((node) => node.name === "web2")!.problems.map((problem) => problem.code)).toEqual(["THUMBPRINT_MISMATCH"]);
    } finally {
      await writeFile(snippet, original);
      await w().node("web2").nginxProcess.reload();
    }
    const healthy = await w().ngcert("web1", ["doctor"]);
    expect(healthy.exitCode, said(healthy)).toBe(0);
  }, 360_000);
});

describe.skipIf(check.skip)(`a cluster of three nodes electing its issuer in etcd${check.skip ? ` (skipped: ${check.reason})` : ""}`, () => {
  let world: ClusterWorld | undefined;
  const w = (): ClusterWorld => world!;
  const agents = new Map<string, Agent>();
  let elected: Agent | undefined;
  const AGENT_ARGS = ["--sync-interval", "2", "--renew-interval", "3600"];

  beforeAll(async () => {
    world = await startClusterWorld({ nodes: NODES, issuer: "etcd", leaseSeconds: 5 });
    await setUp(world, "web1");
    // Weeks later: the certificate has 10 days left on every node, so certbot finds it due wherever it runs.
    await ageLineage(world.node("web1").letsencryptDir, DOMAIN, [DOMAIN], 10);
    const reload = await world.ngcert("web1", ["reload"]);
    expect(reload.exitCode, said(reload)).toBe(0);
    const sync = await world.ngcert("web1", ["cluster", "sync"]);
    expect(sync.exitCode, said(sync)).toBe(0);
  }, 360_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it("the issuer killed after it ordered hands the lease over, and the next issuer fetches that certificate instead of ordering it again", async () => {
    const aged = await liveFingerprint(w(), "web1");
    expect(await servedByNode(w(), DOMAIN)).toEqual({ web1: aged, web2: aged, web3: aged });
    const ordersBefore = (await readPebbleLog(w().pebble.logFile)).orders.length;
    // web2 and web3 cut off: web1 is elected alone, renews, records it in etcd, and cannot bring it to them.
    await w().network.setLink("web2", false);
    await w().network.setLink("web3", false);
    let web1: Agent;
    try {
      web1 = w().startAgent("web1", AGENT_ARGS);
      await waitForEvent(web1, (event) => event.event === "elected", "elected");
      const renewed = await waitForEvent(web1, (event) => event.event === "renewed", "renewed");
      expect(renewed.issued).toEqual([DOMAIN]);
      await waitForEvent(web1, (event) => event.event === "node-failed", "web2 and web3 unreachable");
      // Killed: no resignation, its lease runs out in etcd.
      process.kill(web1.child.pid, "SIGKILL");
    } finally {
      await w().network.setLink("web2", true);
      await w().network.setLink("web3", true);
    }
    const renewedCert = await liveFingerprint(w(), "web1");
    expect(renewedCert).not.toBe(aged);
    expect((await readPebbleLog(w().pebble.logFile)).orders.length).toBe(ordersBefore + 1);

    for (const node of ["web2", "web3"]) agents.set(node, w().startAgent(node, AGENT_ARGS));
    elected = await Promise.any([...agents.values()].map(async (agent) => (await waitForEvent(agent, (event) => event.event === "elected", "elected"), agent)));
    const fetched = await waitForEvent(elected!, (event) => event.event === "fetched", "fetched from web1");
    expect(fetched).toMatchObject({ from: "web1", names: [DOMAIN] });
    const renewed = await waitForEvent(elected!, (event) => event.event === "renewed", "renewed");
    expect(renewed.issued).toEqual([]);
    await waitFor(async () => (Object.values(await servedByNode(w(), DOMAIN)).every((served) => served === renewedCert) ? true : undefined), { what: "every node serving web1's renewal", timeoutMs: 60_000, intervalMs: 500 });
    // One order in all: the certificate web1 obtained reached every node, and nobody ordered it again.
    expect((await readPebbleLog(w().pebble.logFile)).orders.length).toBe(ordersBefore + 1);
    const status = await w().ngcert(elected!.node, ["status", "--nodes", "--json"]);
    expect(status.exitCode, said(status)).toBe(0);
    expect((JSON.parse(status.stdout) as NodesJson).nodes.filter((node) => node.issuer).map((node) => node.name)).toEqual([elected!.node]);
  }, 360_000);

  it("the issuer killed while nothing is due hands the lease to the other node, which orders nothing", async () => {
    const orders = (await readPebbleLog(w().pebble.logFile)).orders.length;
    const current = elected!;
    const other = [...agents.values()].find((agent) => agent !== current)!;
    process.kill(current.child.pid, "SIGKILL");
    // The lease (5 s) runs out, and the other agent's next round takes it.
    await waitForEvent(other, (event) => event.event === "elected", "elected", 60_000);
    const renewed = await waitForEvent(other, (event) => event.event === "renewed", "renewed");
    expect(renewed.issued).toEqual([]);
    expect((await readPebbleLog(w().pebble.logFile)).orders.length).toBe(orders);
    const status = await w().ngcert(other.node, ["status", "--nodes", "--json"]);
    expect((JSON.parse(status.stdout) as NodesJson).nodes.filter((node) => node.issuer).map((node) => node.name)).toEqual([other.node]);
  }, 360_000);
});
