// findLineageByLiveDir: the lineage certbot means by RENEWED_LINEAGE, the directory of its conf's cert, wherever that is.
import { mkdir, rename, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findLineageByLiveDir } from "../../src/certbot/find-lineage.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

let workspace: Workspace;
let le: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  le = workspace.letsencryptDir;
  await mkdir(path.join(le, "renewal"));
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

async function conf(name: string, liveDir: string): Promise<void> {
  const lines = ["cert", "privkey", "chain", "fullchain"].map((kind) => `${kind} = ${path.join(liveDir, `${kind}.pem`)}`);
  await writeFile(path.join(le, "renewal", `${name}.conf`), `${lines.join("\n")}\n[renewalparams]\nauthenticator = webroot\n`);
  await mkdir(liveDir, { recursive: true });
}

describe("findLineageByLiveDir", () => {
  it("finds live/<name> by its conf", async () => {
    await conf("a.example", path.join(le, "live", "a.example"));
    expect(findLineageByLiveDir(le, path.join(le, "live", "a.example"))).toBe("a.example");
    expect(findLineageByLiveDir(le, `${path.join(le, "live", "a.example")}/`)).toBe("a.example");
  });

  it("finds a renamed lineage by its old live directory, and a live directory anywhere a conf points", async () => {
    await conf("a.example", path.join(le, "live", "a.example"));
    await rename(path.join(le, "renewal", "a.example.conf"), path.join(le, "renewal", "renamed.example.conf"));
    await conf("b.example", path.join(workspace.root, "certs", "b"));
    expect(findLineageByLiveDir(le, path.join(le, "live", "a.example"))).toBe("renamed.example");
    expect(findLineageByLiveDir(le, path.join(workspace.root, "certs", "b"))).toBe("b.example");
  });

  it("finds it through a symlinked path, and nothing where no conf points", async () => {
    await conf("a.example", path.join(le, "live", "a.example"));
    await symlink(le, path.join(workspace.root, "le-link"));
    expect(findLineageByLiveDir(le, path.join(workspace.root, "le-link", "live", "a.example"))).toBe("a.example");
    await mkdir(path.join(le, "live", "orphan.example"));
    expect(findLineageByLiveDir(le, path.join(le, "live", "orphan.example"))).toBeUndefined();
  });
});
