// add, remove and init killed at each step. The site file is tested under a hidden staging name and renamed into
// place in one step, init's nginx files likewise, so whatever instant the kill hits, nginx -t passes, every site that
// was served is still served with its own certificate, nothing the operator wrote changed, and running the same
// command again completes it.
import { existsSync } from "node:fs";
import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFiles } from "../../world/invariants.js";
import { readSettledNginxProcesses } from "../../world/nginx-processes.js";
import { requirePrograms } from "../../world/programs.js";
import { describeRun, runNgcert } from "../../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../../world/served-certificate.js";
import { startWorld, type World } from "../../world/world.js";
import { MATRIX_TIMEOUT_MS, runKillMatrix, type KillScenario } from "./kill-matrix.js";

const programs = requirePrograms();
const STEADY = "steady.ngcert.test";
const MOVING = "moving.ngcert.test";

describe.skipIf(programs.skip)(`add, remove and init killed at every step${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  let ownSite = "";
  const w = (): World => world!;
  const siteFile = (name: string): string => path.join(w().nginx.confD, `ngcert-site-${name}.conf`);
  const ngcert = async (args: string[]): Promise<void> => {
    const run = await runNgcert(w(), args);
    expect(run.exitCode, `ngcert ${args.join(" ")}\n${describeRun(run)}`).toBe(0);
  };
  const servedAsOnDisk = async (name: string): Promise<void> => {
    await readSettledNginxProcesses(w().nginx.pidFile);
    expect((await fetchServedCertificate({ port: w().ports.https, servername: name })).fingerprint256).toBe(
      (await readCertificateFile(path.join(w().dirs.letsencryptDir, "live", name, "cert.pem"))).fingerprint256,
    );
  };
  /** Nothing an interrupted run could leave may be matched by nginx's include globs. */
  const expectNoVisibleLeftovers = async (): Promise<void> => {
    const visible = (await readdir(w().nginx.confD)).filter((name) => name.endsWith(".conf") && !name.startsWith("."));
    expect(visible.filter((name) => name.includes("ngcert") && !/^ngcert-(acme|site-[a-z0-9.-]+)\.conf$/.test(name))).toEqual([]);
  };

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    await ngcert(["init"]);
    await ngcert(["add", STEADY, "--upstream", world.upstream.url]);
    // One certificate for MOVING up front: each add then reuses it, so a kill never costs an order at the CA.
    await ngcert(["add", MOVING, "--upstream", world.upstream.url]);
    ownSite = path.join(world.nginx.confD, "own-site.conf");
    await writeFile(ownSite, `server {\n    listen 127.0.0.1:${world.ports.http};\n    server_name own.example;\n    include ${path.join(world.nginx.snippets, "ngcert-acme.conf")};\n    location / { return 204; }\n}\n`);
    await world.reloadNginx();
  });

  afterAll(async () => {
    await world?.stop();
  });

  const expectations = async (withMoving: boolean) => ({
    master: (await readSettledNginxProcesses(w().nginx.pidFile)).master,
    sites: [STEADY, ...(withMoving ? [MOVING] : [])].map((name) => ({ domain: name, lineage: name })),
    userFiles: await hashFiles([w().nginx.conf, ownSite]),
  });

  it("add: each kill leaves nginx as it was (or with the tested site), and the same add completes it", async () => {
    const scenario: KillScenario = {
      command: "add",
      prepare: async () => {
        if (existsSync(siteFile(MOVING))) await ngcert(["remove", MOVING]);
      },
      run: (env) => runNgcert(w(), ["add", MOVING, "--upstream", w().upstream.url], { env }),
      expectations: async (phase) => expectations(phase === "repaired"),
      repair: async () => {
        await expectNoVisibleLeftovers();
        await ngcert(["add", MOVING, "--upstream", w().upstream.url]);
        await servedAsOnDisk(MOVING);
      },
    };
    const report = await runKillMatrix(w(), scenario);
    expect(report.steps).toEqual(expect.arrayContaining(["site staged", "site in place", "reload"]));
  }, MATRIX_TIMEOUT_MS);

  it("remove: each kill leaves nginx serving, and the same remove completes it", async () => {
    const scenario: KillScenario = {
      command: "remove",
      prepare: async () => {
        if (!existsSync(siteFile(MOVING))) await ngcert(["add", MOVING, "--upstream", w().upstream.url]);
      },
      run: (env) => runNgcert(w(), ["remove", MOVING], { env }),
      expectations: async () => expectations(false),
      repair: async () => {
        await expectNoVisibleLeftovers();
        if (existsSync(siteFile(MOVING))) await ngcert(["remove", MOVING]);
        expect(existsSync(siteFile(MOVING))).toBe(false);
      },
    };
    const report = await runKillMatrix(w(), scenario);
    expect(report.steps).toEqual(expect.arrayContaining(["site hidden", "reload"]));
  }, MATRIX_TIMEOUT_MS);

  it("init changing the webroot: each kill leaves nginx -t passing and every site served, and init again completes it", async () => {
    const other = path.join(w().dirs.root, "webroot-2");
    const scenario: KillScenario = {
      command: "init",
      // The same starting point every time: the default webroot in use, the other one not there yet.
      prepare: async () => {
        await ngcert(["init"]);
        await rm(other, { recursive: true, force: true });
      },
      run: (env) => runNgcert(w(), ["init", "--webroot", other], { env }),
      expectations: async () => expectations(false),
      repair: async () => {
        await expectNoVisibleLeftovers();
        await ngcert(["init", "--webroot", other]);
        await ngcert(["init"]);
      },
    };
    const report = await runKillMatrix(w(), scenario);
    expect(report.steps).toEqual(expect.arrayContaining(["webroot created", "nginx files staged", "placed snippets/ngcert-acme.conf", "reload"]));
  }, MATRIX_TIMEOUT_MS);
});
