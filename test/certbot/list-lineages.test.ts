// listLineages: every renewal conf plus the live/ directories certbot has no conf for; a letsencrypt dir that cannot
// be used is one clear error.
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findOrphanLiveDirs, listLetsencryptDir, listLineages } from "../../src/certbot/list-lineages.js";
import { NgcertError, exitCodeFor } from "../../src/errors.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

let workspace: Workspace;
let le: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  le = workspace.letsencryptDir;
});
afterEach(async () => {
  await chmod(le, 0o755).catch(() => undefined);
  await removeWorkspace(workspace);
});

function errorOf(run: () => unknown): NgcertError {
  try {
    run();
  } catch (error) {
    if (error instanceof NgcertError) return error;
    throw error;
  }
  throw new Error("no error was thrown");
}

// Tests run as root in CI, where permission bits do not stop reads: those cases only run for other users.
const isRoot = process.getuid?.() === 0;

describe("listLineages", () => {
  it("lists nothing in an empty letsencrypt dir", () => {
    expect(listLineages(le)).toEqual([]);
  });

  it("lists renewal confs and conf-less live/ dirs, sorted, skipping README, dot files and non-.conf files", async () => {
    await mkdir(path.join(le, "renewal"));
    for (const file of ["b.example.conf", "a.example.conf", "notes.txt", ".conf", "c.example.conf.bak"]) await writeFile(path.join(le, "renewal", file), "");
    for (const dir of ["a.example", "z.example", ".hidden"]) await mkdir(path.join(le, "live", dir), { recursive: true });
    await writeFile(path.join(le, "live", "README"), "This directory contains your keys and certificates.\n");
    expect(listLineages(le)).toEqual([
      { name: "a.example", hasConf: true },
      { name: "b.example", hasConf: true },
      { name: "z.example", hasConf: false },
    ]);
  });

  it("matches renewal/*.conf as certbot's glob does: editor files skipped, case kept, directories and dangling links included", async () => {
    const renewal = path.join(le, "renewal");
    await mkdir(renewal);
    await writeFile(path.join(renewal, "a.example.conf"), "");
    // Emacs' lock (a dangling symlink), vim's swap file, a backup, another case: not certbot's.
    await symlink("root@host.4242:1700000000", path.join(renewal, ".#a.example.conf"));
    await writeFile(path.join(renewal, ".a.example.conf.swp"), "");
    await writeFile(path.join(renewal, "a.example.conf~"), "");
    await writeFile(path.join(renewal, "b.example.CONF"), "");
    // Matched by the glob: certbot reads them as empty confs and calls them invalid.
    await mkdir(path.join(renewal, "dir.example.conf"));
    await symlink("nowhere", path.join(renewal, "gone.example.conf"));
    // A file in live/ is no lineage.
    await mkdir(path.join(le, "live"));
    await writeFile(path.join(le, "live", "stray.pem"), "");
    expect(listLetsencryptDir(le)).toEqual({ confs: ["a.example", "dir.example", "gone.example"], liveCandidates: [] });
  });

  it("counts a live/ directory some conf's files lie in as that lineage's, not an orphan", () => {
    const paths = (dir: string) => ({ cert: `${dir}/cert.pem`, chain: `${dir}/chain.pem`, fullchain: `${dir}/fullchain.pem`, privkey: `${dir}/privkey.pem` });
    const renamedOld = path.join(le, "live", "old.example");
    expect(findOrphanLiveDirs(le, ["old.example", "left.example"], [paths(renamedOld), paths("/elsewhere/x")])).toEqual(["left.example"]);
  });

  it("refuses a letsencrypt dir that does not exist", () => {
    const missing = path.join(workspace.root, "nope");
    const error = errorOf(() => listLineages(missing));
    expect(error.message).toBe(`letsencrypt dir ${missing} does not exist; point --letsencrypt-dir at certbot's config dir`);
    expect(exitCodeFor(error)).toBe(2);
  });

  it("refuses a letsencrypt dir that is a file", async () => {
    const file = path.join(workspace.root, "file");
    await writeFile(file, "");
    expect(errorOf(() => listLineages(file)).message).toBe(`letsencrypt dir ${file} is not a directory`);
  });

  it("refuses a renewal/ it cannot list", async () => {
    await writeFile(path.join(le, "renewal"), "not a directory");
    const error = errorOf(() => listLineages(le));
    expect(error.message).toBe(`${path.join(le, "renewal")} cannot be read (ENOTDIR)`);
    expect(exitCodeFor(error)).toBe(2);
  });

  it.skipIf(isRoot)("refuses a letsencrypt dir it may not read", async () => {
    await mkdir(path.join(le, "renewal"));
    await chmod(le, 0o000);
    expect(errorOf(() => listLineages(le)).message).toBe(`${path.join(le, "renewal")} cannot be read (EACCES)`);
  });
});
