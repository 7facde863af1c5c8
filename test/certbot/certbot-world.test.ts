// Lineages made by certbot itself against the test world's Pebble — certonly, expand, rename (certbot's own storage
// code: 2.1 has no rename command), delete, renew — and ngcert's view of them compared with `certbot certificates`;
// ngcert's deploy hook run by certbot with the RENEWED_LINEAGE and RENEWED_DOMAINS certbot hands over, which it must
// accept; and the one thing ngcert warns about that certbot only shows when it renews: live/ links outside the
// lineage's archive dir, after which certbot's renewal never reaches live/.
import { chmod, cp, readdir, readFile, readlink, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBundleBuilt, BUNDLE } from "../helpers/run-bundle.js";
import { runOracle } from "../helpers/certbot-python.js";
import { requirePrograms } from "../world/programs.js";
import { describeCertbot, runCertbot } from "../world/run-certbot.js";
import { runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";
import { askCertbot } from "./oracle/certbot-verdicts.js";

const programs = requirePrograms();
const STORAGE_ORACLE = fileURLToPath(new URL("./oracle/storage_oracle.py", import.meta.url));

interface Certificate {
  name: string;
  domains: string[];
  notAfter: string | null;
  serial: string | null;
  problems: { code: string; message: string }[];
}

interface HookRun {
  lineage: string;
  domains: string;
  exit: number;
  output: string;
}

describe.skipIf(programs.skip)(`lineages certbot makes, as ngcert sees them${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  let hookLog: string;
  let hook: string;

  beforeAll(async () => {
    assertBundleBuilt();
    world = await startWorld();
    hookLog = path.join(w().dirs.root, "deploy-hook.log");
    hook = path.join(w().dirs.root, "deploy-hook.sh");
    // certbot runs the hook through a shell; this one records what certbot handed over and what ngcert decided.
    await writeFile(
      hook,
      `#!/bin/sh\n{ printf 'lineage=%s\\ndomains=%s\\n' "$RENEWED_LINEAGE" "$RENEWED_DOMAINS"; "${process.execPath}" "${BUNDLE}" hook deploy --config "${w().dirs.root}/none.json"; echo "exit=$?"; echo "--"; } >> "${hookLog}" 2>&1\n`,
    );
    await chmod(hook, 0o755);
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  });

  const certbot = async (subcommand: string, args: string[]): Promise<void> => {
    const run = await runCertbot(w(), subcommand, args);
    expect(run.exitCode, describeCertbot(w(), run)).toBe(0);
  };
  const certonly = (name: string, domains: string[]): Promise<void> =>
    certbot("certonly", ["--webroot", "-w", w().dirs.webroot, "--cert-name", name, ...domains.flatMap((domain) => ["-d", domain]), "--deploy-hook", hook]);
  const status = async (): Promise<Certificate[]> => {
    const run = await runNgcert(w(), ["status", "--json", "--config", path.join(w().dirs.root, "none.json")]);
    expect([0, 1]).toContain(run.exitCode);
    return (JSON.parse(run.stdout) as { certificates: Certificate[] }).certificates;
  };
  const hookRuns = async (): Promise<HookRun[]> => {
    const text = existsSync(hookLog) ? await readFile(hookLog, "utf8") : "";
    return text
      .split(/^--$/m)
      .filter((block) => block.trim() !== "")
      .map((block) => ({
        lineage: /^lineage=(.*)$/m.exec(block)?.[1] ?? "",
        domains: /^domains=(.*)$/m.exec(block)?.[1] ?? "",
        exit: Number(/^exit=(\d+)$/m.exec(block)?.[1] ?? -1),
        output: block,
      }));
  };

  it("lists what certbot certificates lists after certonly, expand, rename and delete, and accepts every deploy certbot hands over", { timeout: 240_000 }, async () => {
    await certonly("alpha.ngcert.test", ["alpha.ngcert.test", "www.alpha.ngcert.test"]);
    await certonly("beta.ngcert.test", ["beta.ngcert.test"]);
    // The sample in `npm test` leaves out a lineage made only to be deleted (NGCERT_DIFFERENTIAL=full has it).
    const full = process.env.NGCERT_DIFFERENTIAL === "full";
    if (full) await certonly("gamma.ngcert.test", ["gamma.ngcert.test"]);
    // Expand: the same name, more domains (certbot makes version 2 of the lineage).
    await certonly("alpha.ngcert.test", ["alpha.ngcert.test", "www.alpha.ngcert.test", "api.alpha.ngcert.test"]);
    // Rename as certbot's storage code does it: the conf moves, live/beta.ngcert.test/ stays.
    await runOracle(STORAGE_ORACLE, { op: "rename", config_dir: w().dirs.letsencryptDir, work_dir: w().dirs.workDir, logs_dir: w().dirs.logsDir, from: "beta.ngcert.test", to: "renamed.ngcert.test" });
    if (full) await certbot("delete", ["--cert-name", "gamma.ngcert.test"]);

    const ours = await status();
    const theirs = await askCertbot(w().programs.certbot, w().dirs.letsencryptDir, { renew: false });
    expect(ours.map((cert) => cert.name).sort()).toEqual([...theirs.listed.keys()].sort());
    expect(ours.map((cert) => cert.name).sort()).toEqual(["alpha.ngcert.test", "renamed.ngcert.test"]);
    for (const cert of ours) {
      const listed = theirs.listed.get(cert.name)!;
      expect(cert.problems, cert.name).toEqual([]);
      expect(cert.domains).toEqual(listed.domains);
      expect(BigInt(`0x${cert.serial}`)).toBe(BigInt(`0x${listed.serial}`));
      expect(Date.parse(cert.notAfter!)).toBe(Date.parse(listed.expiry.replace(" ", "T")));
    }

    const runs = await hookRuns();
    expect(runs.map((run) => path.basename(run.lineage))).toEqual(["alpha.ngcert.test", "beta.ngcert.test", ...(full ? ["gamma.ngcert.test"] : []), "alpha.ngcert.test"]);
    for (const run of runs) expect(run.exit, run.output).toBe(0);
  });

  it("renews as ngcert predicts: a renamed lineage handed over with its old live directory, and live/ links outside the archive dir left behind", { timeout: 180_000 }, async () => {
    const name = "alpha.ngcert.test";
    const live = path.join(w().dirs.letsencryptDir, "live", name);
    const archive = path.join(w().dirs.letsencryptDir, "archive", name);
    const elsewhere = path.join(w().dirs.root, "restored-archive", name);
    // A restore put alpha's files back elsewhere and re-linked live/ there; the conf still names archive/alpha.
    await cp(archive, elsewhere, { recursive: true });
    for (const kind of ["cert", "chain", "fullchain", "privkey"]) {
      const link = path.join(live, `${kind}.pem`);
      const target = path.basename(await readlink(link));
      await unlink(link);
      await symlink(path.join(elsewhere, target), link);
    }
    const before = (await status()).find((cert) => cert.name === name)!;
    const warning = before.problems.find((problem) => problem.code === "RENEWAL_CONF_INVALID");
    expect(warning?.message).toContain(`not into the lineage's archive directory ${archive}`);
    const linkedBefore = await readlink(path.join(live, "cert.pem"));
    const versionsBefore = (await readdir(archive)).length;

    await rm(hookLog, { force: true });
    await certbot("renew", ["--force-renewal", "--deploy-hook", hook]);

    // The renamed lineage: certbot hands over live/beta (where its conf points), and ngcert's deploy hook takes it.
    const renamed = (await hookRuns()).find((run) => run.domains === "beta.ngcert.test");
    expect(renamed?.lineage).toBe(path.join(w().dirs.letsencryptDir, "live", "beta.ngcert.test"));
    expect(renamed?.exit, renamed?.output).toBe(0);
    expect((await status()).find((cert) => cert.name === "renamed.ngcert.test")?.problems).toEqual([]);
    // alpha: certbot wrote the new version into the archive dir it renews into, and left live/ where it was.
    expect((await readdir(archive)).length).toBeGreaterThan(versionsBefore);
    expect(await readlink(path.join(live, "cert.pem"))).toBe(linkedBefore);
    expect((await status()).find((cert) => cert.name === name)!.serial).toBe(before.serial);
  });
});
