// nginx is asked where each block using a lineage really takes TLS connections: an owner's site on another address
// is proven served there; and a version that nginx does not serve for a name because another block claims it first
// is reported, never rolled back (going back would change nothing).
import { writeFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveLinks } from "../world/lineage-links.js";
import { requirePrograms } from "../world/programs.js";
import { describeCertbot, runCertbot } from "../world/run-certbot.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../world/served-certificate.js";
import { connect } from "node:tls";
import { X509Certificate } from "node:crypto";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const SITE = "ours.ngcert.test";
const OWN = "owners.ngcert.test";

/** The certificate nginx presents at an address other than 127.0.0.1. */
function servedAt(host: string, port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, rejectUnauthorized: false });
    socket.setTimeout(5_000, () => socket.destroy(new Error("no handshake")));
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate().raw;
      socket.destroy();
      resolve(new X509Certificate(raw));
    });
    socket.once("error", reject);
  });
}

describe.skipIf(programs.skip)(`where nginx serves a lineage${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  const live = (name: string): string => path.join(w().dirs.letsencryptDir, "live", name);
  const renewBypassingHooks = async (name: string): Promise<void> => {
    const run = await runCertbot(w(), "renew", ["--force-renewal", "--cert-name", name, "--no-directory-hooks", "--deploy-hook", ""]);
    expect(run.exitCode, describeCertbot(w(), run)).toBe(0);
  };

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    for (const args of [["init"], ["add", SITE, "--upstream", world.upstream.url]]) {
      const run = await runNgcert(world, args);
      expect(run.exitCode, describeRun(run)).toBe(0);
    }
    const issued = await runCertbot(world, "certonly", ["--webroot", "-w", world.dirs.webroot, "-d", OWN, "--cert-name", OWN]);
    expect(issued.exitCode, describeCertbot(world, issued)).toBe(0);
    // The owner's site on another address of this host (all of 127.0.0.0/8 is loopback).
    await writeFile(
      path.join(world.nginx.confD, "owners.conf"),
      `server {\n    listen 127.0.0.2:${world.ports.https} ssl;\n    server_name ${OWN};\n    ssl_certificate ${live(OWN)}/fullchain.pem;\n    ssl_certificate_key ${live(OWN)}/privkey.pem;\n    return 204;\n}\n`,
    );
    await world.reloadNginx();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("a renewal of a site listening on another address is proven served there, and verify asks there", async () => {
    await renewBypassingHooks(OWN);
    const renewed = await readCertificateFile(path.join(live(OWN), "cert.pem"));
    expect((await servedAt("127.0.0.2", w().ports.https, OWN)).fingerprint256).not.toBe(renewed.fingerprint256);

    const run = await runNgcert(w(), ["reload"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toContain(`${OWN}: version 2 deployed; nginx serves it for ${OWN}`);
    expect((await servedAt("127.0.0.2", w().ports.https, OWN)).fingerprint256).toBe(renewed.fingerprint256);
    const verify = await runNgcert(w(), ["verify", "--json", OWN]);
    expect(verify.exitCode, describeRun(verify)).toBe(0);
  });

  it("a version another block keeps from being served (it claims the name first) is reported, not rolled back", async () => {
    // Sorted before ngcert's site file, on the same socket: nginx warns "conflicting server name" and serves this one.
    const first = path.join(w().nginx.confD, "000-first.conf");
    await writeFile(
      first,
      `server {\n    listen 127.0.0.1:${w().ports.https} ssl;\n    server_name ${SITE};\n    ssl_certificate ${live(OWN)}/fullchain.pem;\n    ssl_certificate_key ${live(OWN)}/privkey.pem;\n    return 204;\n}\n`,
    );
    try {
      await w().reloadNginx();
      await renewBypassingHooks(SITE);
      const linked = await readLiveLinks(w().dirs.letsencryptDir, SITE);

      const run = await runNgcert(w(), ["reload"]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`${SITE}: version 2 is not served after the reload (${SITE} at 127.0.0.1:${w().ports.https}: nginx serves`);
      // Nothing was refused: live/ still holds the renewal.
      expect(await readLiveLinks(w().dirs.letsencryptDir, SITE)).toEqual(linked);
      expect((await fetchServedCertificate({ port: w().ports.https, servername: SITE })).fingerprint256).toBe((await readCertificateFile(path.join(live(OWN), "cert.pem"))).fingerprint256);
    } finally {
      await rm(first, { force: true });
    }
    const back = await runNgcert(w(), ["reload"]);
    expect(back.exitCode, describeRun(back)).toBe(0);
    expect((await fetchServedCertificate({ port: w().ports.https, servername: SITE })).fingerprint256).toBe((await readCertificateFile(path.join(live(SITE), "cert.pem"))).fingerprint256);
  });
});
