// Several lineages renewed in one certbot run: every one is verified, and nginx reloads once for the run.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../world/served-certificate.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const NAMES = ["one.coalesce.test", "two.coalesce.test", "three.coalesce.test"];

async function countReloads(world: World): Promise<number> {
  const log = await readFile(world.nginx.errorLog, "utf8").catch(() => "");
  return log.split("\n").filter((line) => line.includes("signal 1 (SIGHUP) received")).length;
}

describe.skipIf(programs.skip)(`one reload per renewal run${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    const config = ["--config", path.join(world.dirs.root, "no-config.json")];
    const init = await runNgcert(world, ["init", ...config]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    for (const name of NAMES) {
      const add = await runNgcert(world, ["add", name, "--upstream", world.upstream.url, ...config]);
      expect(add.exitCode, describeRun(add)).toBe(0);
    }
  });
  afterAll(async () => {
    await world?.stop();
  });

  it("renews three lineages with a single nginx reload, and nginx serves each new certificate", async () => {
    const before = await countReloads(world);
    const run = await execa(world.programs.certbot, ["renew", "--force-renewal", ...world.certbotArgs("renew")], { env: world.env, extendEnv: false, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    // certbot shows what a hook printed on stdout as its output; problems would be on stderr, as warnings.
    for (const name of NAMES) expect(run.stdout).toContain(`ngcert hook deploy: ${name}: version 2 verified`);
    expect(run.stdout).toContain("nginx reloaded");
    expect(run.stderr).not.toContain("ran with error output");
    const summary = /ngcert hook post: renewed in this run and served: (.*)/.exec(run.stdout)?.[1] ?? "";
    expect(summary.split(", ").sort()).toEqual([...NAMES].sort());
    expect((await countReloads(world)) - before).toBe(1);
    for (const name of NAMES) {
      const onDisk = await readCertificateFile(path.join(world.dirs.letsencryptDir, "live", name, "cert.pem"));
      const served = await fetchServedCertificate({ port: world.ports.https, servername: name });
      expect(served.fingerprint256, name).toBe(onDisk.fingerprint256);
    }
    // The run's marker is gone: a deploy hook run later reloads at once again.
    expect(await readFile(path.join(world.dirs.letsencryptDir, ".ngcert-renew-run.json"), "utf8").catch(() => "gone")).toBe("gone");
  });
});
