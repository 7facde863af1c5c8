// doctor and migrate take lineages in certbot's order: renewal/*.conf sorted as file names, then the live/ directories
// no conf points into. It decides which fix doctor --fix applies first and which finding a shared diff is shown with.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { readLineageRecords } from "../../src/checks/read-lineages.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { makeCa, makeLeaf } from "../helpers/pki.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ngcert-records-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it("lists lineages in certbot's order, conf file names first, orphan live/ directories after, cached or not", async () => {
  const issuer = await makeCa({ name: "Test R1" });
  const leaf = await makeLeaf({ domains: ["a.example"], issuer });
  // "a.example-0001.conf" sorts before "a.example.conf" ('-' < '.'); by bare name it is the other way round.
  for (const name of ["a.example", "a.example-0001", "b.example"]) await writeLineage(root, { name, leaf, chain: [issuer] });
  await mkdir(path.join(root, "live", "0-orphan"));
  const expected = ["a.example-0001", "a.example", "b.example", "0-orphan"];
  const cacheDir = path.join(root, "cache");
  for (let run = 0; run < 2; run++) {
    expect((await readLineageRecords({ letsencryptDir: root, names: [], cacheDir })).map((record) => record.name)).toEqual(expected);
  }
  expect((await readLineageRecords({ letsencryptDir: root, names: ["a.example", "a.example-0001"] })).map((record) => record.name)).toEqual(["a.example-0001", "a.example"]);
});
