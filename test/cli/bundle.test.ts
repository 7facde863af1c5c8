// The built bundle (`node dist/cli.js`, what install.sh installs) behaves like the in-process CLI: same text, same
// exit codes, same JSON — including when status reads many lineages on worker threads.
import { readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeLineage } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { assertBundleBuilt, runBundle } from "../helpers/run-bundle.js";
import { runNgcert } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

// The bundle runs on the real clock, so these certificates are made around it, half a day from any day boundary.
let intermediate: TestCert;
let leaves: TestCert[];
beforeAll(async () => {
  assertBundleBuilt();
  intermediate = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Test Root X1" }) });
  const now = Date.now();
  leaves = await Promise.all(
    [60.5, 10.5, -2.5].map((left, i) => makeLeaf({ domains: [`site-${i}.example`], issuer: intermediate, notBefore: new Date(now + days(left - 90)), notAfter: new Date(now + days(left)) })),
  );
});

// The help text wraps at the terminal's width; the bundle has none, so neither may the in-process run.
let columns: PropertyDescriptor | undefined;
beforeAll(() => {
  columns = Object.getOwnPropertyDescriptor(process.stdout, "columns");
  Object.defineProperty(process.stdout, "columns", { value: undefined, configurable: true, writable: true });
});
afterAll(() => {
  if (columns) Object.defineProperty(process.stdout, "columns", columns);
  else delete (process.stdout as { columns?: number }).columns;
});

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

const inProcess = (argv: string[]) => runNgcert(argv, { now: new Date(), cwd: workspace.root });
const bundled = (argv: string[]) => runBundle(argv, { cwd: workspace.root });

describe("dist/cli.js", () => {
  it("prints the package version", async () => {
    expect(await bundled(["--version"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("prints the same status help", async () => {
    const bundle = await bundled(["status", "--help"]);
    expect(bundle.code).toBe(0);
    expect(bundle.stdout).toContain("--warn-days");
    expect(bundle).toEqual(await inProcess(["status", "--help"]));
  });

  it("fails usage errors the same way, exit 2", async () => {
    for (const argv of [["status", "--bogus"], [], ["status", "--warn-days", "soon", ...workspace.args], ["status", "--http-port", "http", ...workspace.args]]) {
      const bundle = await bundled(argv);
      expect(bundle.code).toBe(2);
      expect(bundle).toEqual(await inProcess(argv));
    }
  });

  it("fails on a missing letsencrypt dir in one line, exit 2", async () => {
    await rm(workspace.letsencryptDir, { recursive: true });
    const bundle = await bundled(["status", ...workspace.args]);
    expect(bundle).toEqual({ code: 2, stdout: "", stderr: `ngcert: letsencrypt dir ${workspace.letsencryptDir} does not exist; point --letsencrypt-dir at certbot's config dir\n` });
  });

  it("reports the same status, as JSON and as a table, without colour", async () => {
    for (const [i, leaf] of leaves.entries()) await writeLineage(workspace.letsencryptDir, { name: `site-${i}`, leaf, chain: [intermediate] });
    await writeLineage(workspace.letsencryptDir, { name: "broken", leaf: leaves[0]!, chain: [intermediate], files: { privkey: leaves[1]!.key.privateKeyPem } });
    const json = await bundled(["status", "--json", ...workspace.args]);
    expect([json.code, json.stderr]).toEqual([1, ""]);
    const codes = (JSON.parse(json.stdout) as { certificates: { name: string; problems: { code: string }[] }[] }).certificates.map((cert) => [cert.name, cert.problems.map((p) => p.code)]);
    expect(codes).toEqual([["broken", ["KEY_MISMATCH"]], ["site-0", []], ["site-1", ["EXPIRING"]], ["site-2", ["EXPIRED"]]]);
    expect(json).toEqual(await inProcess(["status", "--json", ...workspace.args]));
    const table = await bundled(["status", ...workspace.args]);
    expect(table.stdout).not.toContain("\u001b[");
    expect(table).toEqual(await inProcess(["status", ...workspace.args]));
  });

  it("reads many lineages on worker threads to the same result as one thread", async () => {
    const names = Array.from({ length: 120 }, (_, i) => `many-${String(i).padStart(3, "0")}`);
    for (const [i, name] of names.entries()) {
      const broken = i % 10 === 7 ? { files: { privkey: leaves[(i + 1) % 3]!.key.privateKeyPem } } : {};
      await writeLineage(workspace.letsencryptDir, { name, leaf: leaves[i % 3]!, chain: [intermediate], ...broken });
    }
    await mkdir(path.join(workspace.letsencryptDir, "live", "no-conf"));
    const argv = ["status", "--json", ...workspace.args];
    const bundle = await bundled(argv);
    expect([bundle.code, bundle.stderr]).toEqual([1, ""]);
    const certificates = (JSON.parse(bundle.stdout) as { certificates: { name: string; problems: { code: string }[] }[] }).certificates;
    expect(certificates.map((cert) => cert.name)).toEqual([...names, "no-conf"]);
    expect(certificates.filter((cert) => cert.problems.some((p) => p.code === "KEY_MISMATCH"))).toHaveLength(12);
    expect(bundle).toEqual(await inProcess(["status", "--json", "--letsencrypt-dir", workspace.letsencryptDir, "--cache-dir", path.join(workspace.root, "other-cache"), "--config", workspace.configPath]));
    // And again from the cache the first run wrote.
    expect(await bundled(argv)).toEqual(bundle);
  });
});
