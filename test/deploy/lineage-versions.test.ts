// certbot's archive/live layout in a temp dir with dummy files: which version live/ points at, the previous complete
// one, re-linking, moving a refused version aside, and rolling back.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LINEAGE_KINDS, consistentVersion, linkedVersion, moveVersionAside, previousCompleteVersion, rejectedDirFor } from "../../src/deploy/lineage-versions.js";
import { relinkOneByOne, switchLiveDir } from "../../src/deploy/switch-live-dir.js";
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

describe("switchLiveDir", () => {
  it("replaces live/<name> in one exchange: the same links, README kept, nothing left beside it", () => {
    writeVersions(1, 2);
    linkLive(2);
    writeFileSync(path.join(liveDir, "README"), "certbot's README\n");
    const inodeBefore = statSync(liveDir).ino;
    switchLiveDir(liveDir, archiveDir, 1);
    expect(links()).toEqual({
      cert: "../../archive/example.com/cert1.pem",
      chain: "../../archive/example.com/chain1.pem",
      fullchain: "../../archive/example.com/fullchain1.pem",
      privkey: "../../archive/example.com/privkey1.pem",
    });
    expect(readFileSync(path.join(liveDir, "README"), "utf8")).toBe("certbot's README\n");
    // A new directory took the old one's place (renameat2 RENAME_EXCHANGE), and the old one is gone.
    expect(statSync(liveDir).ino).not.toBe(inodeBefore);
    expect(readdirSync(path.dirname(liveDir))).toEqual(["example.com"]);
  });
});

describe("relinkOneByOne", () => {
  it("points every live link at the version with relative targets, leaving no temp link", () => {
    writeVersions(1, 2);
    linkLive(2);
    relinkOneByOne(liveDir, archiveDir, 1);
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
    relinkOneByOne(liveDir, archiveDir, 1);
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

  it("brings the previous complete version back as a new highest version, moves the refused one aside, leaves no journal", () => {
    writeVersions(1, 2, 3);
    rmSync(path.join(archiveDir, "cert2.pem"));
    linkLive(3);
    const result = rollBackLineage(letsencryptDir, "example.com", liveDir, "EXPIRED: expired", NOW);
    const rejected = path.join(archiveDir, "rejected", `3-${STAMP}`);
    expect(result.message).toBe(`live/ points at the previous certificate again (version 1, now as version 4); the refused files are in ${rejected}`);
    // Version 4 is newer than anything certbot could re-link to, and holds version 1's files (the key still 0600).
    expect(consistentVersion(liveDir)).toBe(4);
    for (const kind of LINEAGE_KINDS) expect(readFileSync(path.join(archiveDir, `${kind}4.pem`), "utf8")).toBe(`${kind}1`);
    expect(existsSync(path.join(archiveDir, "cert3.pem"))).toBe(false);
    expect(readFileSync(path.join(rejected, "REJECTED.txt"), "utf8")).toBe("ngcert refused version 3 of example.com on 2026-06-01T12:34:56.789Z:\nEXPIRED: expired\n");
    expect(readdirSync(path.join(letsencryptDir, ".ngcert", "journal"))).toEqual([]);
  });

  it("copies the private key with its own mode", () => {
    writeVersions(1, 2);
    chmodSync(path.join(archiveDir, "privkey1.pem"), 0o600);
    linkLive(2);
    rollBackLineage(letsencryptDir, "example.com", liveDir, "KEY_MISMATCH", NOW);
    expect(statSync(path.join(archiveDir, "privkey3.pem")).mode & 0o777).toBe(0o600);
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
  /** The journal a run killed right after recording its intent leaves: refuse `refused`, bring `source` back as `target`. */
  function interruptedIntent(refused: number, source: number, target: number): void {
    const journal = path.join(root, ".ngcert", "journal");
    mkdirSync(journal, { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(journal, "rollback-0123456789abcdef.json"),
      JSON.stringify({ name: "example.com", liveDir, archiveDir, refused, source, target, rejectedDir: rejectedDirFor(archiveDir, refused, NOW), reason: "KEY_MISMATCH", time: NOW.toISOString() }),
    );
  }

  it("finishes a rollback killed halfway through copying the previous version", () => {
    writeVersions(1, 2);
    linkLive(2);
    writeFileSync(path.join(archiveDir, "cert3.pem"), "cert1");
    writeFileSync(path.join(archiveDir, ".chain3.pem.ngcert-0badc0de.tmp"), "chai");
    interruptedIntent(2, 1, 3);
    expect(finishInterruptedRollbacks(root).map((intent) => intent.refused)).toEqual([2]);
    expect(consistentVersion(liveDir)).toBe(3);
    expect(readdirSync(archiveDir).sort()).toEqual(["cert1.pem", "cert3.pem", "chain1.pem", "chain3.pem", "fullchain1.pem", "fullchain3.pem", "privkey1.pem", "privkey3.pem", "rejected"]);
    expect(finishInterruptedRollbacks(root)).toEqual([]);
  });

  it("finishes one killed after live/ was switched: the refused files leave archive/", () => {
    writeVersions(1, 2, 3);
    linkLive(3);
    interruptedIntent(2, 1, 3);
    finishInterruptedRollbacks(root);
    expect(consistentVersion(liveDir)).toBe(3);
    expect(existsSync(path.join(archiveDir, "privkey2.pem"))).toBe(false);
  });

  it("finishes a fallback relink killed between two link swaps: live/ on one version again", () => {
    writeVersions(1, 2, 3);
    linkLive(2);
    rmSync(path.join(liveDir, "cert.pem"));
    symlinkSync("../../archive/example.com/cert3.pem", path.join(liveDir, "cert.pem"));
    interruptedIntent(2, 1, 3);
    finishInterruptedRollbacks(root);
    expect(consistentVersion(liveDir)).toBe(3);
  });

  it("leaves a newer version certbot renewed since alone, and still moves the refused one out", () => {
    writeVersions(1, 2, 3, 4);
    linkLive(4);
    interruptedIntent(2, 1, 3);
    finishInterruptedRollbacks(root);
    expect(consistentVersion(liveDir)).toBe(4);
    expect(existsSync(path.join(archiveDir, "cert2.pem"))).toBe(false);
    expect(existsSync(path.join(archiveDir, "cert4.pem"))).toBe(true);
  });
});
