// doctor and migrate take lineages in certbot's order: renewal/*.conf sorted as file names, then the live/ directories
// no conf points into. It decides which fix doctor --fix applies first and which finding a shared diff is shown with.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
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

it("refuses a conf as certbot does when it is not UTF-8, a FIFO or a device, without blocking on it", async () => {
  const issuer = await makeCa({ name: "Test R1" });
  const leaf = await makeLeaf({ domains: ["a.example"], issuer });
  for (const name of ["bad-bytes.example", "fifo.example", "device.example"]) await writeLineage(root, { name, leaf, chain: [issuer] });
  const conf = (name: string) => path.join(root, "renewal", `${name}.conf`);
  // One byte that is not UTF-8 in a value: certbot's configobj fails to decode the file (status says so too).
  await writeFile(conf("bad-bytes.example"), Buffer.concat([Buffer.from((await readFile(conf("bad-bytes.example"), "utf8")).replace(/\n$/, "")), Buffer.from("\nkey_type = ecdsa\xff\n", "latin1")]));
  await rm(conf("fifo.example"));
  execFileSync("mkfifo", [conf("fifo.example")]);
  await rm(conf("device.example"));
  await symlink("/dev/zero", conf("device.example"));
  const records = await readLineageRecords({ letsencryptDir: root, names: [] });
  const errors = Object.fromEntries(records.map((record) => [record.name, record.confError?.replace(`${root}/renewal/`, "")]));
  expect(errors["bad-bytes.example"]).toMatch(/^bad-bytes\.example\.conf: .*'utf-8' codec can't decode byte 0xff/);
  expect(errors["fifo.example"]).toBe("fifo.example.conf: it is a FIFO, not a regular file");
  expect(errors["device.example"]).toBe("device.example.conf: it is a character device, not a regular file");
  for (const name of ["bad-bytes.example", "fifo.example", "device.example"]) {
    expect(records.find((record) => record.name === name)!.facts.fileProblems.map((problem) => problem.code)).toContain("RENEWAL_CONF_INVALID");
  }
});
