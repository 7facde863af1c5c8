// The renewal hooks killed at each step: a deploy hook refusing a version (journal, copies, the live/ exchange, the
// refused files moving out) and a post hook bringing a renewal into service. Whatever instant the kill hits, nginx -t
// passes, every site is served with a certificate of its own lineage, live/ is on one complete version, status tells
// the truth, and the next ngcert command finishes the step; then a forced renewal works.
import { copyFile, readdir, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFiles } from "../../world/invariants.js";
import { pointLiveAt, readLiveLinks } from "../../world/lineage-links.js";
import { readSettledNginxProcesses } from "../../world/nginx-processes.js";
import { requirePrograms } from "../../world/programs.js";
import { describeCertbot, runCertbot } from "../../world/run-certbot.js";
import { describeRun, runNgcert } from "../../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../../world/served-certificate.js";
import { startWorld, type World } from "../../world/world.js";
import { MATRIX_TIMEOUT_MS, runKillMatrix, type KillScenario } from "./kill-matrix.js";

const programs = requirePrograms();
const SITE = "killed.ngcert.test";
const OTHER = "bystander.ngcert.test";

describe.skipIf(programs.skip)(`renewal hooks killed at every step${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  const le = (): string => w().dirs.letsencryptDir;
  const archive = (name: string): string => path.join(le(), "archive", name);

  const expectations = async () => ({
    master: (await readSettledNginxProcesses(w().nginx.pidFile)).master,
    sites: [SITE, OTHER].map((name) => ({ domain: name, lineage: name })),
    userFiles: await hashFiles([w().nginx.conf]),
  });

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    for (const args of [["init"], ["add", SITE, "--upstream", world.upstream.url], ["add", OTHER, "--upstream", world.upstream.url]]) {
      const run = await runNgcert(world, args);
      expect(run.exitCode, describeRun(run)).toBe(0);
    }
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("hook deploy refusing a version: each kill leaves a server that serves, and the next command finishes the refusal", async () => {
    let master = 0;
    const scenario: KillScenario = {
      command: "hook deploy",
      // A version that certbot says it issued for a name it does not cover: refused, and rolled back.
      prepare: async () => {
        master = (await readSettledNginxProcesses(w().nginx.pidFile)).master;
        const links = await readLiveLinks(le(), SITE);
        const current = Number(/(\d+)\.pem$/.exec(links.cert)![1]);
        const next = Math.max(...(await readdir(archive(SITE))).map((file) => Number(/^cert(\d+)\.pem$/.exec(file)?.[1] ?? 0))) + 1;
        for (const kind of ["cert", "chain", "fullchain", "privkey"]) await copyFile(path.join(archive(SITE), `${kind}${current}.pem`), path.join(archive(SITE), `${kind}${next}.pem`));
        await pointLiveAt(le(), SITE, next);
      },
      run: (env) =>
        runNgcert(w(), ["hook", "deploy"], { env: { ...env, RENEWED_LINEAGE: path.join(le(), "live", SITE), RENEWED_DOMAINS: `${SITE} www.${SITE}` } }),
      expectations: async () => ({ ...(await expectations()), master }),
      // The next writer finishes what the journal says; then no journal is left and the refused version is out.
      repair: async () => {
        const next = await runNgcert(w(), ["reload"]);
        expect(next.exitCode, describeRun(next)).toBe(0);
        expect(await readdir(path.join(le(), ".ngcert", "journal")).catch(() => [])).toEqual([]);
      },
    };
    const report = await runKillMatrix(w(), scenario);
    expect(report.steps).toContain("live dir exchanged");
  }, MATRIX_TIMEOUT_MS);

  it("hook post bringing a renewal into service: each kill leaves the old certificate served, and the next reload serves the new one", async () => {
    let master = 0;
    const scenario: KillScenario = {
      command: "hook post",
      prepare: async () => {
        const renewal = await runCertbot(w(), "renew", ["--force-renewal", "--cert-name", SITE, "--no-directory-hooks", "--deploy-hook", ""]);
        expect(renewal.exitCode, describeCertbot(w(), renewal)).toBe(0);
        master = (await readSettledNginxProcesses(w().nginx.pidFile)).master;
      },
      run: (env) => runNgcert(w(), ["hook", "post"], { env }),
      expectations: async () => ({ ...(await expectations()), master }),
      repair: async () => {
        const next = await runNgcert(w(), ["reload"]);
        expect(next.exitCode, describeRun(next)).toBe(0);
        await readSettledNginxProcesses(w().nginx.pidFile);
        expect((await fetchServedCertificate({ port: w().ports.https, servername: SITE })).fingerprint256).toBe(
          (await readCertificateFile(path.join(le(), "live", SITE, "cert.pem"))).fingerprint256,
        );
      },
    };
    const report = await runKillMatrix(w(), scenario);
    expect(report.steps).toContain("reload");
  }, MATRIX_TIMEOUT_MS);

  it("after all that, a forced renewal of everything works and is served", async () => {
    const run = await runNgcert(w(), ["renew", "--force"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    for (const name of [SITE, OTHER]) {
      expect(run.stderr).toContain(`${name}: renewed; nginx serves the new certificate`);
      expect((await fetchServedCertificate({ port: w().ports.https, servername: name })).fingerprint256).toBe((await readCertificateFile(path.join(le(), "live", name, "cert.pem"))).fingerprint256);
    }
    expect(existsSync(path.join(le(), ".ngcert", "renew-run.json"))).toBe(false);
    expect((await readFile(path.join(le(), "renewal", `${SITE}.conf`), "utf8")).length).toBeGreaterThan(0);
  });
});
