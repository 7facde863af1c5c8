// `ngcert add` against the real programs: certbot obtains the certificate from Pebble through the shared webroot,
// the site is written, nginx -t'd and reloaded, and each name reaches the upstream over HTTPS with Pebble's
// certificate, the one in live/. Adding again updates the site without a new order, or expands the certificate.
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpsGet, httpsUpgrade } from "../world/https-request.js";
import { readNginxProcesses, readSettledNginxProcesses } from "../world/nginx-processes.js";
import { fetchPebbleIntermediate, readPebbleActivity } from "../world/pebble-activity.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { readCertificateFile } from "../world/served-certificate.js";
import { startUpstream, UPSTREAM_HEADER, type Upstream, type UpstreamRequest } from "../../src/world/echo-upstream.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";

describe.skipIf(programs.skip)(`ngcert add through nginx, certbot and Pebble${skipped}`, () => {
  let world: World | undefined;
  let other: Upstream | undefined;
  const w = (): World => world!;

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    other = await startUpstream();
    const init = await ngcert(["init"]);
    expect(init.exitCode, describeRun(init)).toBe(0);
  });

  afterAll(async () => {
    await other?.stop();
    await world?.stop();
  });

  /** Every run reads a config file that does not exist, never the machine's /etc/ngcert/config.json. */
  const ngcert = (args: string[]): Promise<NgcertRun> => runNgcert(w(), [...args, "--config", path.join(w().dirs.root, "no-config.json")]);
  const live = (name: string, file: string): string => path.join(w().dirs.letsencryptDir, "live", name, file);
  const siteFile = (name: string): string => path.join(w().nginx.confD, `ngcert-site-${name}.conf`);
  const archiveVersions = async (name: string): Promise<string[]> =>
    (await readdir(path.join(w().dirs.letsencryptDir, "archive", name))).filter((file) => file.startsWith("cert")).sort();

  /** GET over HTTPS with that SNI and Host; the request the upstream saw, found by a unique path. */
  async function reach(domain: string, upstream: Upstream, headers: Record<string, string> = {}) {
    const marker = `/reach-${randomBytes(6).toString("hex")}`;
    const answer = await httpsGet({ port: w().ports.https, servername: domain, path: marker, headers });
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers[UPSTREAM_HEADER]).toBe("1");
    const seen = upstream.requests.find((request) => request.url.endsWith(marker));
    expect(seen, `${upstream.url} never saw ${marker}`).toBeDefined();
    return { answer, seen: seen as UpstreamRequest };
  }

  /** nginx presents, for this SNI name, exactly live/<name>/cert.pem, and Pebble issued it. */
  async function expectServed(name: string, domain: string): Promise<void> {
    const onDisk = await readCertificateFile(live(name, "cert.pem"));
    const served = (await httpsGet({ port: w().ports.https, servername: domain })).certificate;
    expect(served.fingerprint256, `${domain} is served another certificate than live/${name}`).toBe(onDisk.fingerprint256);
    const intermediate = await fetchPebbleIntermediate(w());
    expect(served.checkIssued(intermediate)).toBe(true);
    expect(served.verify(intermediate.publicKey)).toBe(true);
    expect(served.issuer).toMatch(/Pebble Intermediate CA/);
  }

  it("one domain: a certificate from Pebble, a site, and the upstream reached over HTTPS with the proxy headers", async () => {
    const name = "one.ngcert.test";
    const before = await readPebbleActivity(w());
    const run = await ngcert(["add", name, "--upstream", w().upstream.url]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe(`https://${name}:${w().ports.https}/ -> ${w().upstream.url}`);
    expect(run.stderr).toContain(`requesting a certificate for ${name} from ${w().directoryUrl}\n`);
    expect(run.stderr).toMatch(new RegExp(`\\n${name}: certificate obtained; site created; nginx serves it for ${name}$`));
    await expectServed(name, name);

    // The site names live/, never archive/.
    const site = await readFile(siteFile(name), "utf8");
    expect(site).toContain(`    server_name ${name};\n`);
    expect(site).toContain(`    ssl_certificate ${live(name, "fullchain.pem")};\n`);
    expect(site).toContain(`    proxy_pass ${w().upstream.url};\n`);
    expect((await stat(siteFile(name))).mode & 0o777).toBe(0o644);

    const { seen, answer } = await reach(name, w().upstream, { "x-forwarded-for": "203.0.113.9" });
    expect(seen.host).toBe(name);
    expect(seen.headers).toMatchObject({
      "x-real-ip": "127.0.0.1",
      "x-forwarded-for": "203.0.113.9, 127.0.0.1",
      "x-forwarded-proto": "https",
    });
    expect(seen.headers.connection).toBe("close");
    expect(answer.headers["strict-transport-security"]).toBeUndefined();

    // The CA saw one order, validated through nginx after ngcert's own probe, and nothing is left in the webroot.
    const after = await readPebbleActivity(w());
    expect(after.orders.length - before.orders.length).toBe(1);
    expect(new Set(after.validatedNames.slice(before.validatedNames.length))).toEqual(new Set([name]));
    const log = (await w().readAccessLog()).filter((entry) => entry.host === name && entry.uri.startsWith("/.well-known/acme-challenge/"));
    const probe = log.findIndex((entry) => /^ngcert /.test(entry.userAgent));
    const validation = log.findIndex((entry) => /Pebble/.test(entry.userAgent));
    expect(probe, JSON.stringify(log, null, 2)).toBeGreaterThanOrEqual(0);
    expect(log[probe]).toMatchObject({ status: 200, port: String(w().ports.http) });
    expect(validation).toBeGreaterThan(probe);
    expect(await readdir(path.join(w().dirs.webroot, ".well-known", "acme-challenge")).catch(() => [])).toEqual([]);
  });

  it("several domains: one certificate named after the first, every name served and proxied with its own Host, --hsts", async () => {
    const domains = ["multi.ngcert.test", "www.multi.ngcert.test", "api.multi.ngcert.test"];
    // Upper case and a duplicate are normalised away; the first name still names everything.
    const run = await ngcert(["add", "Multi.NGCERT.test", "www.multi.ngcert.test", "api.multi.ngcert.test", "multi.ngcert.test.", "--upstream", `${w().upstream.url}/`, "--hsts"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe(domains.map((domain) => `https://${domain}:${w().ports.https}/ -> ${w().upstream.url}/`).join("\n"));
    expect(run.stderr).toContain(`\nmulti.ngcert.test: certificate obtained; site created; nginx serves it for ${domains.join(", ")}`);
    const cert = await readCertificateFile(live("multi.ngcert.test", "cert.pem"));
    expect(cert.subjectAltName?.split(", ").sort()).toEqual(domains.map((domain) => `DNS:${domain}`).sort());
    expect(await readFile(siteFile("multi.ngcert.test"), "utf8")).toContain(`    server_name ${domains.join(" ")};\n`);

    for (const domain of domains) {
      await expectServed("multi.ngcert.test", domain);
      const { seen, answer } = await reach(domain, w().upstream);
      expect(seen.host).toBe(domain);
      expect(seen.headers["x-forwarded-proto"]).toBe("https");
      expect(answer.headers["strict-transport-security"]).toBe("max-age=63072000");
    }
  });

  it("passes a WebSocket-style upgrade through to the upstream", async () => {
    const name = "ws.ngcert.test";
    const run = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(run.exitCode, describeRun(run)).toBe(0);

    const upgrade = await httpsUpgrade({ port: w().ports.https, servername: name, path: "/socket", message: "hello through nginx" });
    expect(upgrade.headers.upgrade).toBe("websocket");
    expect(upgrade.headers[UPSTREAM_HEADER]).toBe("1");
    expect(upgrade.echoed).toBe("hello through nginx");
    const seen = w().upstream.requests.filter((request) => request.url === "/socket").at(-1);
    expect(seen?.host).toBe(name);
    expect(seen?.headers).toMatchObject({ upgrade: "websocket", connection: "upgrade", "x-forwarded-proto": "https" });
  });

  it("add again with another upstream: the site is updated, the certificate reused, the CA not asked", async () => {
    const name = "update.ngcert.test";
    const first = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(first.exitCode, describeRun(first)).toBe(0);
    const serial = (await readCertificateFile(live(name, "cert.pem"))).serialNumber;
    const before = await readPebbleActivity(w());

    const run = await ngcert(["add", name, "--upstream", `${other!.url}/v2/`]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toBe(`${name}: existing certificate reused; site updated; nginx serves it for ${name}`);
    expect(run.stdout).toBe(`https://${name}:${w().ports.https}/ -> ${other!.url}/v2/`);
    expect((await readCertificateFile(live(name, "cert.pem"))).serialNumber).toBe(serial);
    expect(await archiveVersions(name)).toEqual(["cert1.pem"]);
    expect(await readPebbleActivity(w())).toEqual(before);
    expect(await readFile(siteFile(name), "utf8")).toContain(`    proxy_pass ${other!.url}/v2/;\n`);

    // Old workers may still hold their listening sockets for a moment after the reload.
    await readSettledNginxProcesses(w().nginx.pidFile);
    const { seen } = await reach(name, other!);
    expect(seen.url).toMatch(/^\/v2\/reach-[0-9a-f]+$/);
    expect(seen.host).toBe(name);
    await expectServed(name, name);

    // The same again: nothing to write, nginx not reloaded, the file not even touched.
    const processes = await readNginxProcesses(w().nginx.pidFile);
    const mtime = (await stat(siteFile(name))).mtimeMs;
    const same = await ngcert(["add", name, "--upstream", `${other!.url}/v2/`]);
    expect(same.exitCode, describeRun(same)).toBe(0);
    expect(same.stderr).toBe(`${name}: existing certificate reused; site unchanged; nginx serves it for ${name}`);
    expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(processes);
    expect((await stat(siteFile(name))).mtimeMs).toBe(mtime);
    expect(await readPebbleActivity(w())).toEqual(before);
  });

  it("add with an extra domain: certbot --expand, a new certificate covering both, served for both", async () => {
    const name = "expand.ngcert.test";
    const first = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(first.exitCode, describeRun(first)).toBe(0);
    const oldSerial = (await readCertificateFile(live(name, "cert.pem"))).serialNumber;
    const before = await readPebbleActivity(w());

    const run = await ngcert(["add", name, `www.${name}`, "--upstream", w().upstream.url]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toBe(
      `requesting a certificate for ${name}, www.${name} from ${w().directoryUrl}\n${name}: certificate expanded to the new names; site updated; nginx serves it for ${name}, www.${name}`,
    );

    const cert = await readCertificateFile(live(name, "cert.pem"));
    expect(cert.serialNumber).not.toBe(oldSerial);
    expect(cert.subjectAltName?.split(", ").sort()).toEqual([`DNS:${name}`, `DNS:www.${name}`]);
    // The same lineage, one version more (not a new `expand.ngcert.test-0001`).
    expect(await archiveVersions(name)).toEqual(["cert1.pem", "cert2.pem"]);
    expect((await readdir(path.join(w().dirs.letsencryptDir, "live"))).filter((entry) => entry.startsWith(name))).toEqual([name]);
    const after = await readPebbleActivity(w());
    expect(after.orders.length - before.orders.length).toBe(1);
    await readSettledNginxProcesses(w().nginx.pidFile);
    for (const domain of [name, `www.${name}`]) {
      await expectServed(name, domain);
      expect((await reach(domain, w().upstream)).seen.host).toBe(domain);
    }

    // Another set of names (one dropped, one new): again the same lineage, a new version for exactly those names.
    const replaced = await ngcert(["add", name, `api.${name}`, "--upstream", w().upstream.url]);
    expect(replaced.exitCode, describeRun(replaced)).toBe(0);
    expect((await readCertificateFile(live(name, "cert.pem"))).subjectAltName?.split(", ").sort()).toEqual([`DNS:api.${name}`, `DNS:${name}`]);
    expect(await archiveVersions(name)).toEqual(["cert1.pem", "cert2.pem", "cert3.pem"]);
    expect(await readFile(siteFile(name), "utf8")).toContain(`    server_name ${name} api.${name};\n`);
    await readSettledNginxProcesses(w().nginx.pidFile);
    await expectServed(name, `api.${name}`);
  });

  it("verify --json then finds every site served with its own certificate", async () => {
    const run = await ngcert(["verify", "--json"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    const report = JSON.parse(run.stdout) as { certificates: { name: string; problems: unknown[]; issuer: string }[] };
    expect(report.certificates.map((cert) => cert.name).sort()).toEqual(["expand.ngcert.test", "multi.ngcert.test", "one.ngcert.test", "update.ngcert.test", "ws.ngcert.test"]);
    for (const cert of report.certificates) expect(cert).toMatchObject({ problems: [], issuer: expect.stringMatching(/Pebble Intermediate CA/) });
  });
});
