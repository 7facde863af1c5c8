// Hosting scale: hundreds of lineages (two names each) served by one real nginx tuned as a real host, one server block
// per lineage. verify and the door (the post hook) must give the same answer for all of them as for one: no false
// NOT_SERVED, and a name nginx really does not serve is still reported, saying what was seen. npm test runs 400
// lineages; NGCERT_TEST_SCALE=full (scripts/scale-matrix.sh, run by .ci/run) runs 1,000 and also doctor and the
// watcher's full check.
import { readFile, writeFile } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostingWorld, type HostingWorld } from "../world/hosting-world.js";
import { findPrograms, requirePrograms } from "../world/programs.js";
import { CLI } from "../world/run-ngcert.js";
import { startWatcher, stopAllWatchers } from "../world/run-watcher.js";

const programs = requirePrograms();
const FULL = process.env.NGCERT_TEST_SCALE === "full";
const LINEAGES = FULL ? 1_000 : 400;
/** Written to disk, given no server block: nginx's default server answers its names. */
const UNSERVED = 7;
/** Given `ssl_reject_handshake on` in the last test. */
const REJECTED = 11;

interface Report {
  certificates: { name: string; domains: string[]; problems: { code: string; message: string }[] }[];
}

describe.skipIf(programs.skip)(`${LINEAGES} lineages served by one nginx${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: HostingWorld | undefined;
  const w = (): HostingWorld => world!;
  const ngcert = async (args: readonly string[]) => {
    const run = await execa(process.execPath, [CLI, ...args], { env: w().env, extendEnv: false, reject: false, stdin: "ignore", timeout: 240_000, maxBuffer: 256 * 1024 * 1024 });
    return { exitCode: run.exitCode ?? -1, stdout: String(run.stdout), stderr: String(run.stderr) };
  };
  const problemsByName = (report: Report): Map<string, { code: string; message: string }[]> => new Map(report.certificates.map((cert) => [cert.name, cert.problems]));

  beforeAll(async () => {
    const search = findPrograms();
    if (!search.found) throw new Error("programs missing");
    world = await startHostingWorld({ lineages: LINEAGES, nginxBin: search.programs.nginx, unserved: [UNSERVED] });
  }, 600_000);

  afterAll(async () => {
    await stopAllWatchers();
    await world?.stop();
  });

  it(`verify finds all ${LINEAGES * 2} names served, and the names of a lineage no block serves presented another certificate`, async () => {
    const run = await ngcert(["verify", "--json"]);
    expect(run.exitCode, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.certificates).toHaveLength(LINEAGES);
    const problems = problemsByName(report);
    const unserved = w().sites[UNSERVED]!;
    const wrong = [...problems].filter(([name, list]) => name !== unserved.name && list.length > 0);
    expect(wrong, JSON.stringify(wrong.slice(0, 5))).toEqual([]);
    expect(problems.get(unserved.name)).toEqual(
      unserved.domains.map((domain) => ({
        code: "SERVED_MISMATCH",
        message: expect.stringMatching(
          new RegExp(`^${domain.replaceAll(".", "\\.")}: nginx serves certificate [0-9a-f]{16}… \\(for default\\.invalid, expires \\d{4}-\\d\\d-\\d\\d\\) on 127\\.0\\.0\\.1:${w().httpsPort}, not ${unserved.name.replaceAll(".", "\\.")}'s cert\\.pem`),
        ),
      })),
    );
  }, 240_000);

  it("the post hook asks nginx for every name through the door and finds every certificate in use served", async () => {
    const run = await ngcert(["hook", "post"]);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`${LINEAGES - 1} certificate(s) in use by nginx checked, all served as on disk`);
    expect(run.stderr).toBe("");
  }, 240_000);

  it.runIf(FULL)("doctor finds every challenge path working, and the watcher's full check every certificate served", async () => {
    const doctor = await ngcert(["doctor", "--json"]);
    const findings = (JSON.parse(doctor.stdout) as { findings: { code: string; domain: string | null }[] }).findings;
    // ngcert init was not run here: its hooks are missing, and nothing else.
    expect(findings.map((finding) => finding.code)).toEqual(["HOOK_MISSING"]);

    const watcher = startWatcher(["--interval", "3600"], { env: w().env });
    const checked = await watcher.waitForEvent((event) => event.event === "checked", { what: "the first full check", timeoutMs: 240_000 });
    expect(checked.event.certificates).toBe(LINEAGES);
    const events = watcher.events().filter((event) => !["started", "checked"].includes(String(event.event)));
    expect(events).toEqual([]);
    expect((await watcher.stop()).code).toBe(0);
  }, 600_000);

  it("a name nginx rejects is NOT_SERVED, after three attempts, with the TLS alert it sent", async () => {
    const site = w().sites[REJECTED]!;
    const original = await readFile(site.confFile!, "utf8");
    await writeFile(site.confFile!, original.replace("    ssl_certificate ", "    ssl_reject_handshake on;\n    ssl_certificate "));
    await w().reload();
    const run = await ngcert(["verify", "--json"]);
    expect(run.exitCode, run.stderr).toBe(1);
    const problems = problemsByName(JSON.parse(run.stdout) as Report);
    expect(problems.get(site.name)).toEqual(
      site.domains.map((domain) => ({
        code: "NOT_SERVED",
        message: `${domain}: no TLS handshake on 127.0.0.1:${w().httpsPort} (nginx refused the handshake: TLS alert unrecognized_name (112): nginx rejects the name (ssl_reject_handshake on in the block that answers); asked 3 times)`,
      })),
    );
    const others = [...problems].filter(([name, list]) => name !== site.name && name !== w().sites[UNSERVED]!.name && list.length > 0);
    expect(others).toEqual([]);
  }, 240_000);
});
