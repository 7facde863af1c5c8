// collectFacts: the lineages of a letsencrypt dir as certbot finds them — a renamed lineage once (its conf points into
// its old live/ directory), a live/ directory no conf points into as an orphan, and asking for the old name explained.
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NgcertError } from "../../src/errors.js";
import { collectFacts } from "../../src/status/collect-status.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

let workspace: Workspace;
let le: string;
let intermediate: TestCert;

beforeAll(async () => {
  workspace = await createWorkspace();
  le = workspace.letsencryptDir;
  intermediate = await makeCa({ name: "Collect R1", issuer: await makeCa({ name: "Collect Root" }) });
  await writeLineage(le, { name: "old.example", leaf: await makeLeaf({ domains: ["old.example"], issuer: intermediate }), chain: [intermediate] });
  // certbot's rename moves the conf only.
  await rename(path.join(le, "renewal", "old.example.conf"), path.join(le, "renewal", "new.example.conf"));
  await writeLineage(le, { name: "orphan.example", leaf: await makeLeaf({ domains: ["orphan.example"], issuer: intermediate }), chain: [intermediate] });
  await rename(path.join(le, "renewal", "orphan.example.conf"), path.join(workspace.root, "moved-away.conf"));
  // An editor's lock file next to the confs.
  await mkdir(path.join(le, "renewal"), { recursive: true });
  await writeFile(path.join(le, "renewal", ".#new.example.conf"), "");
});
afterAll(async () => {
  await removeWorkspace(workspace);
});

describe("collectFacts", () => {
  it("lists a renamed lineage once, under its conf's name, and a live/ directory no conf points into as an orphan", async () => {
    const facts = await collectFacts({ letsencryptDir: le, names: [] });
    expect(facts.map((lineage) => [lineage.name, lineage.domains, lineage.fileProblems.map((problem) => problem.code)])).toEqual([
      ["new.example", ["old.example"], []],
      ["orphan.example", ["orphan.example"], ["RENEWAL_CONF_INVALID"]],
    ]);
    expect(facts[0]!.paths.cert).toBe(path.join(le, "live", "old.example", "cert.pem"));
  });

  it("answers a name that is only the old live directory of another lineage with whose it is", async () => {
    await expect(collectFacts({ letsencryptDir: le, names: ["old.example"] })).rejects.toThrow(
      new NgcertError("NOT_FOUND", `no certificate named old.example in ${le}: live/old.example/ is the live directory of new.example`),
    );
    expect((await collectFacts({ letsencryptDir: le, names: ["orphan.example"] })).map((lineage) => lineage.name)).toEqual(["orphan.example"]);
  });
});
