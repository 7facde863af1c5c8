// certbot's archive/live layout in a temp dir with dummy files: which version live/ points at, the previous complete
// one, re-linking, moving a refused version aside, and rolling back.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LINEAGE_KINDS, consistentVersion, linkedVersion, moveVersionAside, previousCompleteVersion, rejectedDirFor, relinkLineage } from "../../src/deploy/lineage-versions.js";
import { finishInterruptedRollbacks, rollBackLineage } from "../../src/deploy/rollback-journal.js";

const NOW = new Date("2026-06-01T12:34:56.789Z");
const STAMP = "2026-06-01T12-34-56-789Z";

let root: string;
let archiveDir: string;
let liveDir: string;

/** archive/example.com/<kind><N>.pem for every version and kind, each holding "<kind><N>". */
function writeVersions(...versions: number[]): void {
  for (const version of versions) for (const kind of LINEAGE_KINDS) writeFileSync(path.join(archiveDir, `${kind}${version}.pem`), `${kind}${version}`);
}

/** live/example.com/<kind>.pem → ../../archive/example.com/<kind><N>.pem, as certbot links them. */
function linkLive(version: number): void {
  for (const kind of LINEAGE_KINDS) {
    rmSync(path.join(liveDir, `${kind}.pem`), { force: true });
    symlinkSync(`../../archive/example.com/${kind}${version}.pem`, path.join(liveDir, `${kind}.pem`));
  }
}

const links = (): Record<string, string> => Object.fromEntries(LINEAGE_KINDS.map((kind) => [kind, readlinkSync(path.join(liveDir, `${kind}.pem`))]));

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "ngcert-lineage-"));
  archiveDir = path.join(root, "archive", "example.com");
  liveDir = path.join(root, "live", "example.com");
  mkdirSync(archiveDir, { recursive: true });
  mkdirSync(liveDir, { recursive: true });
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("linkedVersion", () => {
  it("reads the version number from cert.pem's link", () => {
    writeVersions(1, 2, 12);
    linkLive(12);
    expect(linkedVersion(liveDir)).toBe(12);
    linkLive(2);
    expect(linkedVersion(liveDir)).toBe(2);
  });

  it("is undefined when cert.pem is missing, a plain file, or links to a name without a number", () => {
    expect(linkedVersion(liveDir)).toBeUndefined();
    expect(linkedVersion(path.join(root, "live", "absent"))).toBeUndefined();
    writeFileSync(path.join(liveDir, "cert.pem"), "not a link");
    expect(linkedVersion(liveDir)).toBeUndefined();
    rmSync(path.join(liveDir, "cert.pem"));
    symlinkSync("../../archive/example.com/cert.pem", path.join(liveDir, "cert.pem"));
    expect(linkedVersion(liveDir)).toBeUndefined();
  });
});

describe("previousCompleteVersion", () => {
  it("is the highest version below, skipping versions with a file missing", () => {
    writeVersions(1, 2, 3, 4);
    rmSync(path.join(archiveDir, "chain3.pem"));
    rmSync(path.join(archiveDir, "privkey2.pem"));
    expect(previousCompleteVersion(archiveDir, 4)).toBe(1);
    expect(previousCompleteVersion(archiveDir, 2)).toBe(1);
  });

  it("is the one just below when it is complete", () => {
    writeVersions(1, 2, 3);
    expect(previousCompleteVersion(archiveDir, 3)).toBe(2);
  });

  it("is undefined for version 1, and when nothing below is complete", () => {
    writeVersions(1, 2);
    expect(previousCompleteVersion(archiveDir, 1)).toBeUndefined();
    rmSync(path.join(archiveDir, "fullchain1.pem"));
    expect(previousCompleteVersion(archiveDir, 2)).toBeUndefined();
  });
});

describe("relinkLineage", () => {
  it("points every live link at the version with relative targets, leaving no temp link", () => {
    writeVersions(1, 2);
    linkLive(2);
    relinkLineage(liveDir, archiveDir, 1);
    expect(links()).toEqual({
      cert: "../../archive/example.com/cert1.pem",
      chain: "../../archive/example.com/chain1.pem",
      fullchain: "../../archive/example.com/fullchain1.pem",
      privkey: "../../archive/example.com/privkey1.pem",
    });
    expect(readFileSync(path.join(liveDir, "privkey.pem"), "utf8")).toBe("privkey1");
    expect(readdirSync(liveDir).sort()).toEqual(["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"]);
    expect(lstatSync(path.join(liveDir, "cert.pem")).isSymbolicLink()).toBe(true);
  });

  it("creates the links when live/ has none, and replaces a stale temp link", () => {
    writeVersions(1);
    symlinkSync("nowhere", path.join(liveDir, ".cert.pem.ngcert-tmp"));
    relinkLineage(liveDir, archiveDir, 1);
    expect(links().cert).toBe("../../archive/example.com/cert1.pem");
    expect(readdirSync(liveDir).sort()).toEqual(["cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"]);
  });
});

describe("moveVersionAside", () => {
  it("moves the version's 4 files to rejected/<version>-<time>/ and writes REJECTED.txt", () => {
    writeVersions(1, 2);
    const dir = rejectedDirFor(archiveDir, 2, NOW);
    moveVersionAside(archiveDir, 2, dir, "ngcert refused version 2 on 2026-06-01T12:34:56.789Z:\nKEY_MISMATCH: privkey.pem does not match\n");
    expect(dir).toBe(path.join(archiveDir, "rejected", `2-${STAMP}`));
    expect(readdirSync(dir).sort()).toEqual(["REJECTED.txt", "cert2.pem", "chain2.pem", "fullchain2.pem", "privkey2.pem"]);
    expect(readFileSync(path.join(dir, "fullchain2.pem"), "utf8")).toBe("fullchain2");
    expect(readFileSync(path.join(dir, "REJECTED.txt"), "utf8")).toBe("ngcert refused version 2 on 2026-06-01T12:34:56.789Z:\nKEY_MISMATCH: privkey.pem does not match\n");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(archiveDir).sort()).toEqual(["cert1.pem", "chain1.pem", "fullchain1.pem", "privkey1.pem", "rejected"]);
  });

  it("moves the files that exist when the version is incomplete, and can be repeated", () => {
    writeVersions(3);
    rmSync(path.join(archiveDir, "chain3.pem"));
    const dir = rejectedDirFor(archiveDir, 3, NOW);
    moveVersionAside(archiveDir, 3, dir, "incomplete\n");
    moveVersionAside(archiveDir, 3, dir, "incomplete\n");
    expect(readdirSync(dir).sort()).toEqual(["REJECTED.txt", "cert3.pem", "fullchain3.pem", "privkey3.pem"]);
    expect(readdirSync(archiveDir)).toEqual(["rejected"]);
  });
});

describe("rollBackLineage", () => {
  let letsencryptDir: string;
  beforeEach(() => {
    letsencryptDir = root;
  });

  it("re-links live/ to the previous complete version and moves the refused one aside, leaving no journal", () => {
    writeVersions(1, 2, 3);
    rmSync(path.join(archiveDir, "cert2.pem"));
    linkLive(3);
    const result = rollBackLineage(letsencryptDir, "example.com", liveDir, "EXPIRED: expired", NOW);
    const rejected = path.join(archiveDir, "rejected", `3-${STAMP}`);
    expect(result.message).toBe(`live/ points at version 1 again; the refused files are in ${rejected}`);
    expect(linkedVersion(liveDir)).toBe(1);
    expect(links().fullchain).toBe("../../archive/example.com/fullchain1.pem");
    expect(existsSync(path.join(archiveDir, "cert3.pem"))).toBe(false);
    expect(readFileSync(path.join(rejected, "REJECTED.txt"), "utf8")).toBe("ngcert refused version 3 of example.com on 2026-06-01T12:34:56.789Z:\nEXPIRED: expired\n");
    expect(readdirSync(path.join(letsencryptDir, ".ngcert", "journal"))).toEqual([]);
  });

  it("does nothing when live/ is not linked to a version", () => {
    expect(rollBackLineage(letsencryptDir, "example.com", liveDir, "reason", NOW)).toEqual({ rolledBack: false, message: "live/ is not linked to an archive version, nothing rolled back" });
  });

  it("does nothing when there is no previous version, keeping the refused files in place", () => {
    writeVersions(1);
    linkLive(1);
    expect(rollBackLineage(letsencryptDir, "example.com", liveDir, "reason", NOW).rolledBack).toBe(false);
    expect(linkedVersion(liveDir)).toBe(1);
    expect(readdirSync(archiveDir).sort()).toEqual(["cert1.pem", "chain1.pem", "fullchain1.pem", "privkey1.pem"]);
  });
});

describe("finishInterruptedRollbacks", () => {
  /** The journal a run killed right after recording its intent leaves: nothing else done yet. */
  function interruptedIntent(refused: number, to: number): void {
    const journal = path.join(root, ".ngcert", "journal");
    mkdirSync(journal, { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(journal, "rollback-0123456789abcdef.json"),
      JSON.stringify({ name: "example.com", liveDir, archiveDir, refused, to, rejectedDir: rejectedDirFor(archiveDir, refused, NOW), reason: "KEY_MISMATCH", time: NOW.toISOString() }),
    );
  }

  it("finishes a rollback killed between two link swaps: live/ on one version, the refused files out of archive/", () => {
    writeVersions(1, 2);
    linkLive(2);
    // Killed after the first two swaps: cert and chain on 1, fullchain and privkey still on 2.
    for (const kind of ["cert", "chain"]) {
      rmSync(path.join(liveDir, `${kind}.pem`));
      symlinkSync(`../../archive/example.com/${kind}1.pem`, path.join(liveDir, `${kind}.pem`));
    }
    interruptedIntent(2, 1);
    expect(finishInterruptedRollbacks(root).map((intent) => intent.refused)).toEqual([2]);
    expect(consistentVersion(liveDir)).toBe(1);
    expect(readdirSync(archiveDir).sort()).toEqual(["cert1.pem", "chain1.pem", "fullchain1.pem", "privkey1.pem", "rejected"]);
    expect(finishInterruptedRollbacks(root)).toEqual([]);
  });

  it("moves the refused files out even when certbot re-linked live/ to them since, and puts live/ back", () => {
    writeVersions(1, 2);
    linkLive(2); // certbot's ensure_deployed linked the newest complete version again
    interruptedIntent(2, 1);
    finishInterruptedRollbacks(root);
    expect(consistentVersion(liveDir)).toBe(1);
    expect(existsSync(path.join(archiveDir, "privkey2.pem"))).toBe(false);
  });

  it("leaves a newer version certbot renewed since alone, and still moves the refused one out", () => {
    writeVersions(1, 2, 3);
    linkLive(3);
    interruptedIntent(2, 1);
    finishInterruptedRollbacks(root);
    expect(consistentVersion(liveDir)).toBe(3);
    expect(existsSync(path.join(archiveDir, "cert2.pem"))).toBe(false);
    expect(existsSync(path.join(archiveDir, "cert3.pem"))).toBe(true);
  });
});
