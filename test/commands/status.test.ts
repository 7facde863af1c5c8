// `ngcert status` in-process on fixture lineages with a fixed clock: exit codes, the JSON contract, the table, NAME
// filters and the errors that stop it before it starts.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeLineage, type LineageSpec } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { FIXED_NOW, runNgcert } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, scrubRoot, type Workspace } from "../helpers/workspace.js";

let intermediate: TestCert;
let fresh: TestCert; // 60 of 90 days left at FIXED_NOW
let expiring: TestCert; // 10 of 90 days left
let expired: TestCert; // expired 3 days ago
let spare: TestCert;

const at = (offsetDays: number): Date => new Date(FIXED_NOW.getTime() + days(offsetDays));

beforeAll(async () => {
  intermediate = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Test Root X1" }) });
  const leaf = (domains: string[], leftDays: number, serial: string) =>
    makeLeaf({ domains, issuer: intermediate, notBefore: at(leftDays - 90), notAfter: at(leftDays), serial });
  fresh = await leaf(["alpha.example", "www.alpha.example"], 60, "0a01");
  expiring = await leaf(["beta.example"], 10, "0b02");
  expired = await leaf(["delta.example"], -3, "0d04");
  spare = await leaf(["spare.example"], 60, "0e05");
});

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(async () => {
  await chmod(workspace.letsencryptDir, 0o755).catch(() => undefined);
  await removeWorkspace(workspace);
});

const lineage = (spec: Omit<LineageSpec, "chain">): Promise<void> => writeLineage(workspace.letsencryptDir, { chain: [intermediate], ...spec });
const status = (...args: string[]) => runNgcert(["status", ...args, ...workspace.args]);

describe("ngcert status --json", () => {
  it("prints SPEC.md's document for a clean lineage and exits 0", async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    const result = await status("--json");
    expect(result).toEqual({ code: 0, stdout: expect.any(String), stderr: "" });
    const document = JSON.parse(result.stdout);
    expect(document).toEqual({
      certificates: [
        {
          name: "alpha.example",
          domains: ["alpha.example", "www.alpha.example"],
          notBefore: "2026-05-02T12:00:00.000Z",
          notAfter: "2026-07-31T12:00:00.000Z",
          daysLeft: 60,
          serial: "a01",
          issuer: "O=ngcert tests, CN=Test R1",
          keyType: "ecdsa-p256",
          authenticator: "webroot",
          // A third of its 90-day lifetime before expiry: the conf has no renew_before_expiry of the owner's.
          renewAfter: "2026-07-01T12:00:00.000Z",
          renewReason: "lifetime",
          explanationURL: null,
          nextAttempt: null,
          lastError: null,
          problems: [],
        },
      ],
    });
    expect(Object.keys(document.certificates[0])).toEqual(["name", "domains", "notBefore", "notAfter", "daysLeft", "serial", "issuer", "keyType", "authenticator", "renewAfter", "renewReason", "explanationURL", "nextAttempt", "lastError", "problems"]);
    expect(result.stdout.endsWith("}\n")).toBe(true);
  });

  it("keeps every key, as null, for a lineage whose certificate cannot be read, and exits 1", async () => {
    await lineage({ name: "alpha.example", leaf: fresh, files: { cert: "garbage\n" } });
    const result = await status("--json");
    expect(result.code).toBe(1);
    expect(scrubRoot(result.stdout, workspace)).toMatchInlineSnapshot(`
      "{
        "certificates": [
          {
            "name": "alpha.example",
            "domains": [],
            "notBefore": null,
            "notAfter": null,
            "daysLeft": null,
            "serial": null,
            "issuer": null,
            "keyType": null,
            "authenticator": "webroot",
            "renewAfter": null,
            "renewReason": null,
            "explanationURL": null,
            "nextAttempt": null,
            "lastError": null,
            "problems": [
              {
                "code": "RENEWAL_CONF_INVALID",
                "message": "<root>/letsencrypt/renewal/alpha.example.conf: certbot will not renew this certificate: it cannot read the certificate's names from <root>/letsencrypt/live/alpha.example/cert.pem"
              },
              {
                "code": "UNREADABLE",
                "message": "<root>/letsencrypt/live/alpha.example/cert.pem: no PEM certificate found"
              }
            ]
          }
        ]
      }
      "
    `);
  });

  it("prints an empty list for a letsencrypt dir without lineages", async () => {
    expect(await status("--json")).toEqual({ code: 0, stdout: '{\n  "certificates": []\n}\n', stderr: "" });
    expect(await status()).toEqual({ code: 0, stdout: "No certificates.\n", stderr: "" });
  });

  it("computes daysLeft and expiry from the clock it is given", async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    const later = await runNgcert(["status", "--json", ...workspace.args], { now: at(59.5) });
    expect(JSON.parse(later.stdout).certificates[0]).toMatchObject({ daysLeft: 0, problems: [{ code: "EXPIRING" }] });
    const earlier = await runNgcert(["status", "--json", ...workspace.args], { now: at(-31) });
    expect(JSON.parse(earlier.stdout).certificates[0]).toMatchObject({ daysLeft: 91, problems: [{ code: "NOT_YET_VALID" }] });
  });
});

describe("ngcert status table", () => {
  it("shows one row per lineage, then the problems, without colour when not at a terminal", async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    await lineage({ name: "beta.example", leaf: expiring });
    await lineage({ name: "delta.example", leaf: expired });
    await lineage({ name: "gamma.example", leaf: spare, authenticator: "standalone" });
    await lineage({ name: "epsilon.example", leaf: fresh, files: { privkey: spare.key.privateKeyPem } });
    await lineage({ name: "zeta.example", leaf: spare });
    await rm(path.join(workspace.letsencryptDir, "renewal", "zeta.example.conf"));
    const result = await runNgcert(["status", ...workspace.args], { isTTY: false });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("");
    expect(scrubRoot(result.stdout, workspace)).toMatchInlineSnapshot(`
      "NAME             DOMAINS                          DAYS  RENEW                      AUTH        PROBLEMS
      alpha.example    alpha.example,www.alpha.example  60    2026-07-01 12:00 lifetime  webroot     ok
      beta.example     beta.example                     10    due (lifetime)             webroot     EXPIRING
      delta.example    delta.example                    -3    due (lifetime)             webroot     EXPIRED
      epsilon.example  alpha.example,www.alpha.example  60    2026-07-01 12:00 lifetime  webroot     KEY_MISMATCH
      gamma.example    spare.example                    60    2026-07-01 12:00 lifetime  standalone  STANDALONE
      zeta.example     spare.example                    60    -                          -           RENEWAL_CONF_INVALID

      Problems:
        beta.example: EXPIRING: expires in 10 days (2026-06-11T12:00:00.000Z): less than a sixth of its 90-day lifetime left; renewal should have happened by now
        delta.example: EXPIRED: expired 3 days ago (2026-05-29T12:00:00.000Z)
        epsilon.example: KEY_MISMATCH: <root>/letsencrypt/live/epsilon.example/privkey.pem is not the key of <root>/letsencrypt/live/epsilon.example/cert.pem: nginx would refuse to load the pair
        gamma.example: STANDALONE: renews with certbot's standalone authenticator, which must bind port 80: nginx would have to stop; \`ngcert migrate gamma.example\` switches it to the shared webroot
        zeta.example: RENEWAL_CONF_INVALID: no <root>/letsencrypt/renewal/zeta.example.conf: certbot will never renew this certificate
      "
    `);
  });

  it("uses colour at a terminal, and none under NO_COLOR, CI or TERM=dumb", async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    await lineage({ name: "beta.example", leaf: expiring });
    const coloured = await runNgcert(["status", ...workspace.args], { isTTY: true, env: {} });
    expect(coloured.stdout).toContain("\u001b[32mok\u001b[0m");
    expect(coloured.stdout).toContain("\u001b[33mbeta.example");
    for (const env of [{ NO_COLOR: "1" }, { CI: "true" }, { TERM: "dumb" }]) {
      const plain = await runNgcert(["status", ...workspace.args], { isTTY: true, env });
      expect(plain.stdout).not.toContain("\u001b[");
      expect(plain.stdout).toContain("ok");
    }
  });
});

describe("ngcert status NAME...", () => {
  beforeEach(async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    await lineage({ name: "beta.example", leaf: expiring });
    await lineage({ name: "delta.example", leaf: expired });
  });

  it("shows only the named lineages, and the exit code is theirs", async () => {
    const one = await status("--json", "alpha.example");
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout).certificates.map((cert: { name: string }) => cert.name)).toEqual(["alpha.example"]);
    const two = await status("delta.example", "--json", "alpha.example");
    expect(two.code).toBe(1);
    expect(JSON.parse(two.stdout).certificates.map((cert: { name: string }) => cert.name)).toEqual(["alpha.example", "delta.example"]);
  });

  it("refuses an unknown name with exit 2 and prints no results", async () => {
    const result = await status("alpha.example", "nope.example");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(scrubRoot(result.stderr, workspace)).toMatchInlineSnapshot(`
      "ngcert: no certificate named nope.example in <root>/letsencrypt; \`ngcert status\` lists them all
      "
    `);
  });
});

describe("ngcert status --warn-days", () => {
  it("warns below the given number of days instead of a sixth of the lifetime", async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    await lineage({ name: "beta.example", leaf: expiring });
    expect((await status("--warn-days", "61")).stdout).toMatch(/alpha\.example: EXPIRING: expires in 60 days \(2026-07-31T12:00:00\.000Z\), fewer than --warn-days 61/);
    const none = await status("--warn-days", "5", "--json");
    expect(none.code).toBe(0);
    expect((await status("--warn-days=0")).code).toBe(0);
  });

  it("refuses anything but a whole number of days, with exit 2", async () => {
    await lineage({ name: "alpha.example", leaf: fresh });
    for (const bad of ["-1", "1.5", "ten", "99999999"]) {
      const result = await status(`--warn-days=${bad}`);
      expect(result).toEqual({ code: 2, stdout: "", stderr: `ngcert: --warn-days ${JSON.stringify(bad)} is not a whole number of days\nRun \`ngcert --help\` for usage.\n` });
    }
    expect(await status("--warn-days=")).toEqual({ code: 2, stdout: "", stderr: "ngcert: --warn-days was given an empty value: give one, or leave the option out\nRun `ngcert --help` for usage.\n" });
    expect(await status("--warn-days")).toEqual({ code: 2, stdout: "", stderr: "ngcert: Not enough arguments following: warn-days\nRun `ngcert --help` for usage.\n" });
  });
});

describe("ngcert status usage errors", () => {
  it("refuses an unknown flag with exit 2", async () => {
    expect(await status("--jsno")).toEqual({ code: 2, stdout: "", stderr: "ngcert: Unknown argument: jsno\nRun `ngcert --help` for usage.\n" });
  });

  it("refuses a missing letsencrypt dir in one line, exit 2", async () => {
    const missing = path.join(workspace.root, "missing");
    const result = await runNgcert(["status", ...workspace.args, "--letsencrypt-dir", missing]);
    expect(result).toEqual({ code: 2, stdout: "", stderr: `ngcert: letsencrypt dir ${missing} does not exist; point --letsencrypt-dir at certbot's config dir\n` });
  });

  it("refuses a letsencrypt dir that is a file, exit 2", async () => {
    const file = path.join(workspace.root, "file");
    await writeFile(file, "");
    expect(await runNgcert(["status", ...workspace.args, "--letsencrypt-dir", file])).toEqual({
      code: 2,
      stdout: "",
      stderr: `ngcert: letsencrypt dir ${file} is not a directory\n`,
    });
  });

  // Root reads through mode 000, and the tests run as root in CI: this one only runs for other users.
  it.skipIf(process.getuid?.() === 0)("refuses a letsencrypt dir it may not read, exit 2", async () => {
    await mkdir(path.join(workspace.letsencryptDir, "renewal"));
    await chmod(workspace.letsencryptDir, 0o000);
    const result = await status();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ngcert: ${path.join(workspace.letsencryptDir, "renewal")} cannot be read (EACCES)\n`);
  });

  it("refuses a renewal/ that is not a directory, exit 2", async () => {
    await writeFile(path.join(workspace.letsencryptDir, "renewal"), "");
    const result = await status();
    expect(result).toEqual({ code: 2, stdout: "", stderr: `ngcert: ${path.join(workspace.letsencryptDir, "renewal")} cannot be read (ENOTDIR)\n` });
  });
});
