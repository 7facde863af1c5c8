// Two nginx nodes behind a TCP balancer, each in a network namespace with its own address and sshd; web1 issues, and
// the balancer sends the CA to web2 (web1 is its backup). The short sample of the cluster suite that `npm test` runs:
// issuance validated on the node that did not order (no token file there: the stateless answer), the certificate
// brought to web2 over ssh and served there, `status --nodes`, and doctor's check of each node's challenge answer.
// The rest (three nodes, renewal under load, a node down, a wrong answer found by doctor, etcd's hand-over) is
// test/e2e/cluster-full.test.ts, which scripts/cluster-e2e.sh runs.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../src/world/http-get.js";
import { fileFingerprint, startClusterWorld, type ClusterWorld, type NgcertRun } from "./cluster-world/cluster-world.js";
import { challengeRequests, requireClusterWorld, servedByNode } from "./cluster-world/checks.js";
import { readPebbleLog } from "./cluster-world/services.js";

const check = requireClusterWorld();
const DOMAIN = "app.cluster.test";
const said = (run: NgcertRun): string => `exit ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;

describe.skipIf(check.skip)(`a cluster of two nodes behind a balancer${check.skip ? ` (skipped: ${check.reason})` : ""}`, () => {
  let world: ClusterWorld | undefined;
  const w = (): ClusterWorld => world!;
  let thumbprint = "";

  beforeAll(async () => {
    world = await startClusterWorld({ nodes: ["web1", "web2"], issuer: "web1", backupNodes: ["web1"] });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it("cluster init registers the account on the issuer and sets every node up to answer its challenges", async () => {
    const run = await w().ngcert("web1", ["cluster", "init"]);
    expect(run.exitCode, said(run)).toBe(0);
    thumbprint = /thumbprint ([A-Za-z0-9_-]{43})/.exec(run.stderr)?.[1] ?? "";
    expect(thumbprint, said(run)).not.toBe("");
    expect(run.stderr).toMatch(/web2: challenge location now answers for the cluster's account/);
    // web2 answers any token of the account with the key authorization, as text/plain, with no file anywhere.
    const token = "abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJ-0123";
    const answer = await httpGet({ address: w().node("web2").net.address, port: 80, path: `/.well-known/acme-challenge/${token}`, host: DOMAIN });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(`${token}.${thumbprint}`);
    expect(String(answer.headers["content-type"])).toMatch(/^text\/plain/);
    // Only ACME's alphabet is a token: anything else is not answered.
    for (const bad of ["short", "abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJ-0123", "abcdefghijklmnopqrstuvwxyz%20ABCDEFGHIJ0123", "a/abcdefghijklmnopqrstuvwxyz_ABCDEFGHIJ"]) {
      const refused = await httpGet({ address: w().node("web2").net.address, port: 80, path: `/.well-known/acme-challenge/${bad}`, host: DOMAIN });
      expect(refused.status, bad).toBe(404);
    }
  });

  it("add on the issuer is validated on the other node and brings the certificate there", async () => {
    const earlier = (await challengeRequests(w(), "web2")).length;
    const run = await w().ngcert("web1", ["add", DOMAIN, "--upstream", "http://127.0.0.1:9000"]);
    expect(run.exitCode, said(run)).toBe(0);
    expect(run.stderr).toMatch(/web2: app\.cluster\.test: installed \(version 1\), verified on disk/);
    // The CA reached web2 only (web1 is the balancer's backup), and web2 holds no token file: it answered statelessly.
    const onWeb2 = (await challengeRequests(w(), "web2")).slice(earlier);
    expect(onWeb2.length).toBeGreaterThan(0);
    expect(onWeb2.every((entry) => entry.status === 200)).toBe(true);
    expect(await challengeRequests(w(), "web1")).toEqual([]);
    expect(await readdir(path.join(w().node("web2").webroot, ".well-known", "acme-challenge")).catch(() => [])).toEqual([]);
    expect((await readPebbleLog(w().pebble.logFile)).issued).toHaveLength(1);
    const issued = await fileFingerprint(path.join(w().node("web1").letsencryptDir, "live", DOMAIN, "cert.pem"));
    expect(await fileFingerprint(path.join(w().node("web2").letsencryptDir, "live", DOMAIN, "cert.pem"))).toBe(issued);
  });

  it("once web2 has a site for it, both nodes serve it and status --nodes says so", async () => {
    await w().writeSite("web2", DOMAIN, [DOMAIN]);
    const reload = await w().ngcert("web2", ["reload"]);
    expect(reload.exitCode, said(reload)).toBe(0);
    const issued = await fileFingerprint(path.join(w().node("web1").letsencryptDir, "live", DOMAIN, "cert.pem"));
    expect(await servedByNode(w(), DOMAIN)).toEqual({ web1: issued, web2: issued });

    const status = await w().ngcert("web1", ["status", "--nodes", "--json"]);
    expect(status.exitCode, said(status)).toBe(0);
    const nodes = (JSON.parse(status.stdout) as { nodes: { name: string; issuer: boolean; lineages: { name: string; version: number; fingerprint: string; servedFingerprint: string; lastSync: string | null; problems: unknown[] }[] }[] }).nodes;
    expect(nodes.map((node) => [node.name, node.issuer])).toEqual([["web1", true], ["web2", false]]);
    for (const node of nodes) {
      expect(node.lineages).toHaveLength(1);
      expect(node.lineages[0]).toMatchObject({ name: DOMAIN, version: 1, fingerprint: issued, servedFingerprint: issued, problems: [] });
    }
    expect(nodes[1]!.lineages[0]!.lastSync).toMatch(/^\d{4}-/);
  });

  it("doctor asks every node for a challenge of the account: all answer", async () => {
    const run = await w().ngcert("web1", ["doctor", "--json"]);
    expect(run.exitCode, said(run)).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ findings: [] });
  });
});
