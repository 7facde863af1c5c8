// `ngcert renew` against the real programs: nothing due, one certificate by name, a dry run that leaves live/,
// archive/ and nginx exactly as they were, a renewal the CA refuses, and a renewal while nginx is not running.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { existsSync } from "node:fs";
import { readdir, readFile, readlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveLinks } from "../world/lineage-links.js";
import { readSettledNginxProcesses } from "../world/nginx-processes.js";
import { findFreePorts } from "../../src/world/free-ports.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../world/served-certificate.js";
import { waitFor } from "../../src/world/wait.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";

const FIRST = "renew-a.ngcert.test";
const SECOND = "renew-b.ngcert.test";

/** Every entry under the lineage dirs: link targets, and a digest of each file's bytes. */
async function snapshotLineages(letsencryptDir: string): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  for (const top of ["live", "archive", "renewal"]) {
    const walk = async (dir: string): Promise<void> => {
      for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, entry.name);
        if (entry.isSymbolicLink()) snapshot[full] = `-> ${await readlink(full)}`;
        else if (entry.isDirectory()) await walk(full);
        else snapshot[full] = createHash("sha256").update(await readFile(full)).digest("hex");
      }
    };
    await walk(path.join(letsencryptDir, top));
  }
  return snapshot;
}

/** Answers HTTP-01 challenges from the webroot on nginx's port while nginx is stopped, so the CA can still validate. */
function serveChallenges(webroot: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const token = /^\/\.well-known\/acme-challenge\/([\w-]+)$/.exec(req.url ?? "")?.[1];
    readFile(path.join(webroot, ".well-known", "acme-challenge", token ?? "-"))
      .then((body) => res.writeHead(200, { "content-type": "text/plain" }).end(body))
      .catch(() => res.writeHead(404).end());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve(server));
  });
}

describe.skipIf(programs.skip)(`ngcert renew with nginx, certbot and Pebble${skipped}`, () => {
  let world: World | undefined;
  let challenges: Server | undefined;
  const w = (): World => world!;
  const ngcert = (args: string[]): Promise<NgcertRun> => runNgcert(w(), [...args, "--config", path.join(w().dirs.root, "no-config.json")], { timeoutMs: 120_000 });
  const versionLinks = (name: string, version: number): Record<string, string> =>
    Object.fromEntries(["cert", "chain", "fullchain", "privkey"].map((kind) => [kind, `../../archive/${name}/${kind}${version}.pem`]));
  const liveCert = (name: string) => readCertificateFile(path.join(w().dirs.letsencryptDir, "live", name, "cert.pem"));
  const served = (name: string) => fetchServedCertificate({ port: w().ports.https, servername: name });
  const renewalConf = (name: string): string => path.join(w().dirs.letsencryptDir, "renewal", `${name}.conf`);

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    const init = await ngcert(["init"]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    for (const name of [FIRST, SECOND]) {
      const add = await ngcert(["add", name, "--upstream", world.upstream.url]);
      expect(add.exitCode, describeRun(add)).toBe(0);
    }
  });

  afterAll(async () => {
    await new Promise((resolve) => (challenges ? challenges.close(resolve) : resolve(undefined)));
    await world?.stop();
  });

  it("says nothing is due when nothing is, and changes nothing", async () => {
    const before = await snapshotLineages(w().dirs.letsencryptDir);
    const run = await ngcert(["renew"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toMatch(/^not due: renew-a\.ngcert\.test, renew-b\.ngcert\.test$/m);
    expect(run.stderr).not.toMatch(/: (renewed|FAILED|REFUSED)/m);
    expect(run.stderr).not.toContain("warning");
    expect(await snapshotLineages(w().dirs.letsencryptDir)).toEqual(before);
  });

  it("--cert-name renews that certificate only, and nginx serves it", async () => {
    const otherBefore = await liveCert(SECOND);
    const run = await ngcert(["renew", "--force", "--cert-name", FIRST]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr.trim().split("\n")).toEqual([`${FIRST}: renewed; nginx serves the new certificate`]);

    expect(await readLiveLinks(w().dirs.letsencryptDir, FIRST)).toEqual(versionLinks(FIRST, 2));
    expect((await served(FIRST)).fingerprint256).toBe((await liveCert(FIRST)).fingerprint256);
    expect(await readLiveLinks(w().dirs.letsencryptDir, SECOND)).toEqual(versionLinks(SECOND, 1));
    expect((await liveCert(SECOND)).fingerprint256).toBe(otherBefore.fingerprint256);
    expect((await readdir(path.join(w().dirs.letsencryptDir, "archive", SECOND))).sort()).toEqual(["cert1.pem", "chain1.pem", "fullchain1.pem", "privkey1.pem"]);
  });

  it("--dry-run leaves live/, archive/ and nginx alone, and says certbot skips deploy hooks", async () => {
    const before = await snapshotLineages(w().dirs.letsencryptDir);
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);
    const servedBefore = await served(FIRST);

    const run = await ngcert(["renew", "--dry-run"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toContain("dry run: every renewal would succeed (certbot skips deploy hooks on a dry run; live/ and nginx are unchanged)");
    expect(await snapshotLineages(w().dirs.letsencryptDir)).toEqual(before);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
    expect((await served(FIRST)).fingerprint256).toBe(servedBefore.fingerprint256);
    expect(existsSync(path.join(w().dirs.letsencryptDir, ".ngcert", "renew-run.json"))).toBe(false);
  });

  it("reports a lineage the CA could not renew as FAILED and exits 1; the others still renew", async () => {
    const [closed] = (await findFreePorts([{}])) as [number];
    const original = await readFile(renewalConf(SECOND), "utf8");
    expect(original).toMatch(/^server = /m);
    await writeFile(renewalConf(SECOND), original.replace(/^server = .*$/m, `server = https://127.0.0.1:${closed}/dir`));
    try {
      const run = await ngcert(["renew", "--force"]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^${FIRST.replace(/\./g, "\\.")}: renewed; nginx serves the new certificate$`, "m"));
      expect(run.stderr).toMatch(new RegExp(`^${SECOND.replace(/\./g, "\\.")}: FAILED at the CA$`, "m"));
      // certbot's own account of the failure follows, so the operator sees why.
      expect(run.stderr).toContain(`127.0.0.1:${closed}`);
      expect(await readLiveLinks(w().dirs.letsencryptDir, SECOND)).toEqual(versionLinks(SECOND, 1));
      expect(await readLiveLinks(w().dirs.letsencryptDir, FIRST)).toEqual(versionLinks(FIRST, 3));
    } finally {
      await writeFile(renewalConf(SECOND), original);
    }
  });

  it("renews with nginx not running: the deploy hook and the summary say the certificate is not served", async () => {
    await execa(w().programs.nginx, ["-c", w().nginx.conf, "-s", "stop"], { env: w().env, extendEnv: false });
    await waitFor(async () => (existsSync(w().nginx.pidFile) ? undefined : true), { what: "nginx to stop", timeoutMs: 10_000 });
    // nginx removes its pid file a moment before its workers have closed the listening sockets.
    challenges = await waitFor(() => serveChallenges(w().dirs.webroot, w().ports.http), { what: `port ${w().ports.http} to be free`, timeoutMs: 10_000 });

    const run = await ngcert(["renew", "--force", "--cert-name", FIRST]);

    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${FIRST.replace(/\./g, "\\.")}: renewed but NOT served \\(nginx is not running\\)$`, "m"));
    expect(run.stderr).toContain("nginx is not running: nothing is served; start nginx");
    expect(await readLiveLinks(w().dirs.letsencryptDir, FIRST)).toEqual(versionLinks(FIRST, 4));
  });
});
