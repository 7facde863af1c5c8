// A command's own options through the CLI: a repeated option counts once (its last value), never as an array a command
// would read as "not given"; an option given as an empty string is bad usage. Either way exit 2 changes nothing.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeLineage } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { FIXED_NOW, runNgcert } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, scrubRoot, type Workspace } from "../helpers/workspace.js";
import { snapshotTree } from "../world/file-tree.js";

let ca: TestCert;
let leaf: TestCert;
beforeAll(async () => {
  ca = await makeCa({ name: "Test R1" });
  leaf = await makeLeaf({ domains: ["a.example"], issuer: ca, notBefore: new Date(FIXED_NOW.getTime() - days(30)), notAfter: new Date(FIXED_NOW.getTime() + days(60)) });
});

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
  await writeLineage(workspace.letsencryptDir, { name: "a.example", leaf, chain: [ca] });
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

// No program may be started (runNgcert refuses any), and the tree must be as it was.
async function refused(argv: string[]): Promise<string> {
  const before = await snapshotTree([workspace.root]);
  const result = await runNgcert([...argv, ...workspace.args], { cwd: workspace.root });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(await snapshotTree([workspace.root])).toEqual(before);
  return scrubRoot(result.stderr, workspace);
}

describe("command options", () => {
  it("refuses an empty --cert-name, which renew would read as every certificate", async () => {
    for (const argv of [["renew", "--cert-name", ""], ["renew", "--force", "--cert-name="], ["renew", "--dry-run", "--cert-name", ""]]) {
      expect(await refused(argv)).toBe("ngcert: --cert-name was given an empty value: give one, or leave the option out\nRun `ngcert --help` for usage.\n");
    }
  });

  it("refuses the other options given empty", async () => {
    expect(await refused(["watch", "--metrics-file", ""])).toContain("--metrics-file was given an empty value");
    expect(await refused(["watch", "--on-event="])).toContain("--on-event was given an empty value");
    expect(await refused(["add", "a.example", "--upstream", ""])).toContain("--upstream was given an empty value");
  });

  it("refuses a command's option given twice, which renew read as no --cert-name at all", async () => {
    for (const [argv, flag] of [
      [["renew", "--force", "--cert-name", "a.example", "--cert-name", "a.example"], "cert-name"],
      [["renew", "--dry-run", "--cert-name", "a.example", "--cert-name", "nope.example"], "cert-name"],
      [["add", "b.example", "--upstream", "http://127.0.0.1:8080", "--key-type", "rsa", "--key-type", "rsa"], "key-type"],
      [["watch", "--metrics-file", "a.prom", "--metrics-file", "b.prom"], "metrics-file"],
      [["status", "--warn-days", "5", "--warn-days", "7"], "warn-days"],
      // One config file: given twice, it was read as not given (the default file instead).
      [["status", "--config", "a.json"], "config"],
    ] as const) {
      expect(await refused([...argv])).toBe(`ngcert: --${flag} was given more than once: give it once\nRun \`ngcert --help\` for usage.\n`);
    }
    // Positionals are lists, flags between them or not; settings flags take the last (test/cli/settings-errors.test.ts).
    const both = await runNgcert(["status", "a.example", "--json", "a.example", ...workspace.args], { cwd: workspace.root });
    expect(both.code, both.stderr).toBe(0);
  });

  it("takes a list positional given as an option as a list of one", async () => {
    const run = await runNgcert(["status", "--json", "--names", "a.example", ...workspace.args], { cwd: workspace.root });
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { certificates: { name: string }[] }).certificates.map((cert) => cert.name)).toEqual(["a.example"]);
  });

  it("refuses an unknown --cert-name before taking the writer lock: nothing is left behind", async () => {
    expect(await refused(["renew", "--cert-name", "nope.example"])).toContain("no certificate named nope.example");
  });

  it("shows a name it cannot find with its control characters escaped, on one line", async () => {
    const stderr = await refused(["status", "x\u001b[2Jy\rz\nw"]);
    expect(stderr).toBe("ngcert: no certificate named x\\x1b[2Jy\\rz\\nw in <root>/letsencrypt; `ngcert status` lists them all\n");
  });
});
