// A renewal run over many lineages (issue 16), as certbot's own timer runs it: one `certbot renew` renews ten
// lineages issued by `ngcert add`, under light HTTPS load across all their names. nginx reloads exactly once for the
// whole run (counted in nginx's own error log, so a reload per lineage fails here), no request fails, every renewed
// certificate is what nginx serves afterwards, and the post hook names every lineage as renewed and served.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkNames, issueSites, renewAllUnderLoad } from "../world/bulk-renewal.js";
import { requirePrograms } from "../world/programs.js";
import { describeCertbot, runCertbot } from "../world/run-certbot.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const NAMES = bulkNames(10, "bulk.test");

describe.skipIf(programs.skip)(`one certbot run renewing ${NAMES.length} lineages${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    await issueSites(world, NAMES, { config: path.join(world.dirs.root, "no-config.json") });
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  it("reloads nginx once, fails no request, and serves every renewed certificate", async () => {
    const run = await renewAllUnderLoad({
      world,
      names: NAMES,
      concurrency: 4,
      pauseMs: 20,
      marginMs: 1_000,
      servedWaitMs: 5_000,
      renew: async () => {
        const certbot = await runCertbot(world, "renew", ["--force-renewal"], { timeoutMs: 60_000 });
        return { exitCode: certbot.exitCode, describe: () => describeCertbot(world, certbot) };
      },
    });
    expect(run.exitCode, run.describe()).toBe(0);
    expect(run.reloads, run.describe()).toEqual({ signals: 1, generations: 1 });
    expect(run.masterAfter).toBe(run.masterBefore);
    expect(run.load.failed, JSON.stringify(run.load.errors)).toBe(0);
    expect(run.load.names).toBe(NAMES.length);
    for (const certificate of run.certificates) {
      expect(certificate.after, certificate.name).not.toBe(certificate.before);
      expect(certificate.served, certificate.name).toBe(certificate.after);
    }
    expect(run.hookServedNames, run.certbot.postHookOutput).toEqual(NAMES);
    expect(run.hookProvenMs, run.certbot.postHookOutput).toBeLessThan(10_000);
    expect(run.certbot.postHookOutput).toContain(`${NAMES.join(", ")} brought into service with one reload`);
    expect(run.clientsSawAllAt).toBeDefined();
  }, 60_000);
});
