// The whole HTTP-01 webroot path against the real programs: certbot asks Pebble, Pebble fetches the challenge through
// the test nginx from the shared webroot, and the built `ngcert status` reports the new lineage as healthy.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTail } from "../../src/world/child-process.js";
import { requirePrograms } from "../world/programs.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const CLI = path.resolve("dist/cli.js");
const NAME = "app.ngcert.test";

describe.skipIf(programs.skip)(`certbot webroot through nginx${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;

  beforeAll(async () => {
    world = await startWorld();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("issues a certificate from Pebble and status reports it with no problems", async () => {
    const w = world!;
    const certbot = await execa(
      w.programs.certbot,
      ["certonly", "--webroot", "-w", w.dirs.webroot, "-d", NAME, "--cert-name", NAME, ...w.certbotArgs("certonly")],
      { env: w.env, extendEnv: false, reject: false, timeout: 90_000 },
    );
    const certbotLog = path.join(w.dirs.logsDir, "letsencrypt.log");
    expect(certbot.exitCode, `certbot failed:\n${certbot.stderr}\n--- ${certbotLog} ---\n${readTail(certbotLog, 40)}`).toBe(0);

    const status = await execa(process.execPath, [CLI, "status", "--json"], { env: w.env, extendEnv: false, reject: false, timeout: 30_000 });
    expect(status.exitCode, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { certificates: Array<Record<string, unknown>> };
    expect(report.certificates).toHaveLength(1);
    expect(report.certificates[0]).toMatchObject({
      name: NAME,
      domains: [NAME],
      authenticator: "webroot",
      issuer: expect.stringMatching(/Pebble Intermediate CA/),
      problems: [],
    });

    // Pebble's VA fetched the token through nginx, on the world's HTTP port, by the certificate's host name.
    const log = await w.readAccessLog();
    const fetches = log.filter((entry) => entry.uri.startsWith("/.well-known/acme-challenge/") && entry.host === NAME);
    expect(fetches.length, JSON.stringify(log, null, 2)).toBeGreaterThanOrEqual(1);
    for (const entry of fetches) {
      expect(entry).toMatchObject({ status: 200, port: String(w.ports.http), remote: "127.0.0.1", userAgent: expect.stringMatching(/Pebble/) });
    }
    // certbot removes its token afterwards: nothing is left behind in the shared webroot.
    const left = await readdir(path.join(w.dirs.webroot, ".well-known", "acme-challenge")).catch(() => []);
    expect(left).toEqual([]);
  });
});
