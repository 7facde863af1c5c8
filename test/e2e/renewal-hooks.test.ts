// Renewal through the hooks `ngcert init` installs, with the real certbot, Pebble and nginx: certbot runs the shims
// from renewal-hooks/, the deploy hook reloads nginx and proves the new certificate is served; a renewed version that
// is unfit (key, names, chain) is rolled back before nginx ever loads it; and a valid version that cannot be reloaded
// because someone else's file breaks nginx -t stays in live/, is named as waiting, and is served by the next reload.
import { generateKeyPairSync, type X509Certificate } from "node:crypto";
import { readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTail } from "../../src/world/child-process.js";
import { readSettledNginxProcesses } from "../world/nginx-processes.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../world/served-certificate.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();

/** One lineage per case, so each starts from a served version 1. */
const NAMES = {
  renewed: "renewed.ngcert.test",
  badKey: "bad-key.ngcert.test",
  badNames: "bad-names.ngcert.test",
  badChain: "bad-chain.ngcert.test",
  brokenConfig: "broken-config.ngcert.test",
  failingTest: "failing-test.ngcert.test",
  underCertbot: "under-certbot.ngcert.test",
  unloadable: "unloadable.ngcert.test",
  alongside: "alongside.ngcert.test",
} as const;

const KINDS = ["cert", "chain", "fullchain", "privkey"] as const;

interface CertbotRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(programs.skip)(`renewal through ngcert's certbot hooks${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  const live = (name: string, kind: (typeof KINDS)[number] = "cert"): string => path.join(w().dirs.letsencryptDir, "live", name, `${kind}.pem`);
  const archive = (name: string): string => path.join(w().dirs.letsencryptDir, "archive", name);
  const served = (name: string): Promise<X509Certificate> => fetchServedCertificate({ port: w().ports.https, servername: name });

  async function certbot(args: readonly string[]): Promise<CertbotRun> {
    const result = await execa(w().programs.certbot, [...args], { env: w().env, extendEnv: false, reject: false, timeout: 90_000, stdin: "ignore" });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  function describeCertbot(run: CertbotRun): string {
    const log = path.join(w().dirs.logsDir, "letsencrypt.log");
    return `certbot exit ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}\n--- ${log} ---\n${readTail(log, 40)}`;
  }

  /** Which archive version each live/ link points at. */
  async function linkedVersions(name: string): Promise<Record<string, string>> {
    const links: Record<string, string> = {};
    for (const kind of KINDS) links[kind] = await readlink(live(name, kind));
    return links;
  }

  const versionLinks = (name: string, version: number): Record<string, string> =>
    Object.fromEntries(KINDS.map((kind) => [kind, `../../archive/${name}/${kind}${version}.pem`]));

  /** What certbot does on a renewal, minus ngcert's hooks: a new archive version, live/ re-pointed at it. */
  async function renewWithoutHooks(name: string): Promise<void> {
    const run = await certbot(["renew", "--force-renewal", "--cert-name", name, "--no-directory-hooks", ...w().certbotArgs("renew")]);
    expect(run.exitCode, describeCertbot(run)).toBe(0);
  }

  /** The deploy hook as certbot runs it after renewing `name`. */
  function runDeployHook(name: string, domains: readonly string[], args: readonly string[] = []): Promise<NgcertRun> {
    return runNgcert(w(), ["hook", "deploy", ...args], {
      env: { RENEWED_LINEAGE: path.join(w().dirs.letsencryptDir, "live", name), RENEWED_DOMAINS: domains.join(" ") },
    });
  }

  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  /** The one line a refused deploy of version 2 prints: the lineage, why, and where live/ and the files went. */
  function expectRefusalLine(line: string | undefined, name: string, reason: RegExp): void {
    expect(line).toMatch(new RegExp(`^ngcert hook deploy: ${escape(name)}: refused version 2: `));
    expect(line).toMatch(reason);
    expect(line).toContain(`; live/ points at the previous certificate again (version 1, now as version 3); the refused files are in ${archive(name)}/rejected/2-`);
  }

  function expectRefused(name: string, run: NgcertRun, reason: RegExp): void {
    expect(run.exitCode, describeRun(run)).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines, run.stderr).toHaveLength(1);
    expectRefusalLine(lines[0], name, reason);
  }

  /** A valid version 2 that nginx could not be reloaded onto: one line naming why, exit 1. */
  function expectWaiting(name: string, run: NgcertRun | CertbotRun, reason: RegExp): void {
    const line = run.stderr.split("\n").find((entry) => entry.includes(`${name}: version 2 is valid and stays in live/, but is not served yet`));
    expect(line, run.stderr).toBeDefined();
    expect(line).toMatch(reason);
  }

  /** Version 2 stays linked and complete in archive/, nginx still serves version 1, verify says it waits for a reload. */
  async function expectKeptWaiting(name: string, servedBefore: X509Certificate): Promise<void> {
    expect(await linkedVersions(name)).toEqual(versionLinks(name, 2));
    expect((await readdir(archive(name))).sort()).toEqual(["cert1.pem", "cert2.pem", "chain1.pem", "chain2.pem", "fullchain1.pem", "fullchain2.pem", "privkey1.pem", "privkey2.pem"]);
    expect((await served(name)).fingerprint256).toBe(servedBefore.fingerprint256);
    const verify = await runNgcert(w(), ["verify", "--json", name]);
    expect(verify.exitCode, describeRun(verify)).toBe(1);
    const [cert] = (JSON.parse(verify.stdout) as { certificates: Array<{ problems: Array<{ code: string; message: string }> }> }).certificates;
    expect(cert!.problems.map((problem) => problem.code)).toEqual(["SERVED_MISMATCH"]);
    expect(cert!.problems[0]!.message).toMatch(/passed the deploy checks and is waiting for a reload since/);
  }

  /** Once the broken file is gone, the next reload through ngcert brings the waiting version into service. */
  async function expectServedAfterFix(name: string, run: () => Promise<NgcertRun>): Promise<void> {
    const fixed = await run();
    expect(fixed.exitCode, describeRun(fixed)).toBe(0);
    expect((await served(name)).fingerprint256).toBe((await readCertificateFile(live(name))).fingerprint256);
    const verify = await runNgcert(w(), ["verify", "--json", name]);
    expect(verify.exitCode, describeRun(verify)).toBe(0);
  }

  /**
   * After a refused deploy of version 2: version 1's certificate back in live/ as version 3 (newer than anything certbot
   * could re-link to), version 2's files under rejected/, nginx untouched.
   */
  async function expectRolledBack(name: string, reason: RegExp, servedBefore: X509Certificate): Promise<void> {
    expect(await linkedVersions(name)).toEqual(versionLinks(name, 3));
    const kept = (await readdir(archive(name))).sort();
    expect(kept).toEqual(["cert1.pem", "cert3.pem", "chain1.pem", "chain3.pem", "fullchain1.pem", "fullchain3.pem", "privkey1.pem", "privkey3.pem", "rejected"]);
    for (const kind of KINDS) expect(await readFile(path.join(archive(name), `${kind}3.pem`), "utf8")).toBe(await readFile(path.join(archive(name), `${kind}1.pem`), "utf8"));
    const rejected = await readdir(path.join(archive(name), "rejected"));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^2-\d{4}-\d{2}-\d{2}T/);
    const rejectedDir = path.join(archive(name), "rejected", rejected[0]!);
    expect((await readdir(rejectedDir)).sort()).toEqual(["REJECTED.txt", "cert2.pem", "chain2.pem", "fullchain2.pem", "privkey2.pem"]);
    expect(await readFile(path.join(rejectedDir, "REJECTED.txt"), "utf8")).toMatch(reason);

    // nginx never loaded the refused version: it still presents version 1.
    expect((await served(name)).fingerprint256).toBe(servedBefore.fingerprint256);
    expect((await readCertificateFile(live(name))).fingerprint256).toBe(servedBefore.fingerprint256);
    const verify = await runNgcert(w(), ["verify", "--json", name]);
    expect(verify.exitCode, describeRun(verify)).toBe(0);
  }

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    const init = await runNgcert(world, ["init"]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    await readSettledNginxProcesses(world.nginx.pidFile);

    for (const name of Object.values(NAMES)) {
      const run = await certbot(["certonly", "--webroot", "-w", world.dirs.webroot, "-d", name, "--cert-name", name, ...world.certbotArgs("certonly")]);
      expect(run.exitCode, describeCertbot(run)).toBe(0);
    }
    // The sites, written by hand as an operator would before ngcert add exists.
    const le = world.dirs.letsencryptDir;
    const sites = Object.values(NAMES).map(
      (name) => `server {
    listen 127.0.0.1:${world!.ports.https} ssl;
    server_name ${name};
    ssl_certificate ${le}/live/${name}/fullchain.pem;
    ssl_certificate_key ${le}/live/${name}/privkey.pem;
    location / {
        proxy_pass http://127.0.0.1:${world!.ports.upstream};
    }
}
`,
    );
    await writeFile(path.join(world.nginx.confD, "sites.conf"), sites.join("\n"));
    await world.reloadNginx();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("serves every lineage's version 1 to begin with", async () => {
    for (const name of Object.values(NAMES)) {
      expect(await linkedVersions(name)).toEqual(versionLinks(name, 1));
      expect((await served(name)).fingerprint256, name).toBe((await readCertificateFile(live(name))).fingerprint256);
    }
  });

  it("certbot renew runs the installed pre, deploy and post hooks; nginx then serves the new certificate", async () => {
    const name = NAMES.renewed;
    const before = await served(name);

    const run = await certbot(["renew", "--force-renewal", "--cert-name", name, ...w().certbotArgs("renew")]);

    expect(run.exitCode, describeCertbot(run)).toBe(0);
    // certbot reports each hook's stderr; ngcert's lines say what each did.
    // What went well is the hooks' stdout (certbot shows it as output); stderr would be logged as warnings.
    expect(run.stdout, describeCertbot(run)).toContain("ngcert hook pre: webroot, nginx and the challenge path are ready");
    expect(run.stderr).not.toContain("ran with error output");
    // Within a certbot renew run the deploy hook verifies and the post hook reloads once for the whole run.
    expect(run.stdout).toContain(`ngcert hook deploy: ${name}: version 2 verified; nginx reloads once for the whole renewal run, in the post hook`);
    expect(run.stdout).toContain(`ngcert hook post: ${name}: version 2 deployed; nginx serves it for ${name}`);
    expect(run.stdout).toMatch(/ngcert hook post: nginx reloaded \(confirmed in \d+ ms\)/);
    expect(run.stdout).toMatch(new RegExp(`ngcert hook post: \\d+ certificate\\(s\\) in use by nginx checked; ${name.replace(/\./g, "\\.")} brought into service with one reload`));
    const log = await readFile(path.join(w().dirs.logsDir, "letsencrypt.log"), "utf8");
    expect(log).toContain(`Running deploy-hook command: ${path.join(w().dirs.letsencryptDir, "renewal-hooks", "deploy", "ngcert")}`);

    expect(await linkedVersions(name)).toEqual(versionLinks(name, 2));
    const renewed = await readCertificateFile(live(name));
    const now = await served(name);
    expect(now.fingerprint256).toBe(renewed.fingerprint256);
    expect(now.serialNumber).not.toBe(before.serialNumber);

    const verify = await runNgcert(w(), ["verify", "--json"]);
    expect(verify.exitCode, describeRun(verify)).toBe(0);
    const report = JSON.parse(verify.stdout) as { certificates: Array<{ name: string; serial: string; problems: unknown[] }> };
    expect(report.certificates.map((cert) => cert.name).sort()).toEqual(Object.values(NAMES).sort());
    for (const cert of report.certificates) expect(cert.problems, cert.name).toEqual([]);
    // As numbers: node pads serials to whole bytes, ngcert prints them as OpenSSL and certbot do (no leading zeros).
    expect(BigInt(`0x${report.certificates.find((cert) => cert.name === name)?.serial}`)).toBe(BigInt(`0x${renewed.serialNumber}`));
  });

  it("refuses a version whose private key does not match; a later real renewal deploys a new one, not the refused", async () => {
    const name = NAMES.badKey;
    const before = await served(name);
    await renewWithoutHooks(name);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await writeFile(path.join(archive(name), "privkey2.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    const refusedCert = await readCertificateFile(path.join(archive(name), "cert2.pem"));
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runDeployHook(name, [name]);

    const reason = /KEY_MISMATCH/;
    expectRefused(name, run, reason);
    await expectRolledBack(name, reason, before);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);

    // certbot numbers the next version 4 and the hooks deploy it.
    const renewal = await certbot(["renew", "--force-renewal", "--cert-name", name, ...w().certbotArgs("renew")]);
    expect(renewal.exitCode, describeCertbot(renewal)).toBe(0);
    expect(renewal.stdout).toContain(`ngcert hook deploy: ${name}: version 4 verified`);
    expect(renewal.stdout).toContain("nginx reloaded");
    expect(await linkedVersions(name)).toEqual(versionLinks(name, 4));
    const renewed = await readCertificateFile(live(name));
    expect(renewed.fingerprint256).not.toBe(refusedCert.fingerprint256);
    expect(renewed.fingerprint256).not.toBe(before.fingerprint256);
    expect((await served(name)).fingerprint256).toBe(renewed.fingerprint256);
    expect(await readdir(path.join(archive(name), "rejected"))).toHaveLength(1);
  });

  it("refuses a version that does not cover every name certbot says it renewed", async () => {
    const name = NAMES.badNames;
    const before = await served(name);
    await renewWithoutHooks(name);
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runDeployHook(name, [name, `www.${name}`]);

    const reason = new RegExp(`does not cover ${escape(`www.${name}`)}`);
    expectRefused(name, run, reason);
    await expectRolledBack(name, reason, before);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
  });

  it("refuses a version whose chain did not sign the certificate", async () => {
    const name = NAMES.badChain;
    const before = await served(name);
    await renewWithoutHooks(name);
    // A real CA certificate, just not the one that issued this leaf: the CA of Pebble's own HTTPS certificate.
    const otherCa = await readFile(w().caFile, "utf8");
    const cert = await readFile(path.join(archive(name), "cert2.pem"), "utf8");
    await writeFile(path.join(archive(name), "chain2.pem"), otherCa);
    await writeFile(path.join(archive(name), "fullchain2.pem"), cert + otherCa);
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runDeployHook(name, [name]);

    const reason = /CHAIN_INVALID/;
    expectRefused(name, run, reason);
    await expectRolledBack(name, reason, before);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
  });

  it("keeps a good version in live/ while someone else's file breaks nginx -t, names that file, and serves it after the fix", async () => {
    const name = NAMES.brokenConfig;
    const before = await served(name);
    await renewWithoutHooks(name);
    // Someone's half-finished site: nginx -t (and nginx -T) fail until it is fixed.
    const broken = path.join(w().nginx.confD, "zz-half-finished.conf");
    await writeFile(broken, "server {\n    listen 127.0.0.1:1;\n    server_name half.example;\n    proxy_pass_typo http://127.0.0.1:1;\n}\n");
    try {
      const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

      const run = await runDeployHook(name, [name]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expectWaiting(name, run, new RegExp(`${escape(broken)}:4: unknown directive "proxy_pass_typo"`));
      await expectKeptWaiting(name, before);
      expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
    } finally {
      await rm(broken, { force: true });
    }
    await expectServedAfterFix(name, () => runNgcert(w(), ["reload"]));
  });

  it("keeps a good version when nginx -t fails even though nginx -T passed, and serves it once nginx -t passes", async () => {
    const name = NAMES.failingTest;
    const before = await served(name);
    await renewWithoutHooks(name);
    const wrapper = path.join(w().dirs.root, "nginx-failing-test");
    await writeFile(
      wrapper,
      `#!/bin/sh\nif [ "$1" = "-t" ]; then echo "nginx: [emerg] refused by the test world's wrapper" >&2; exit 1; fi\nexec ${w().programs.nginx} "$@"\n`,
      { mode: 0o755 },
    );
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runDeployHook(name, [name], ["--nginx-bin", wrapper]);

    expect(run.exitCode, describeRun(run)).toBe(1);
    expectWaiting(name, run, /nginx -t refused the configuration \(refused by the test world's wrapper\)/);
    await expectKeptWaiting(name, before);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
    await expectServedAfterFix(name, () => runNgcert(w(), ["hook", "post"]));
  });

  it("under a plain certbot renew with a broken foreign file: the renewal is kept, the post hook names the file, one reload later serves it", async () => {
    const name = NAMES.underCertbot;
    const before = await served(name);
    const broken = path.join(w().nginx.confD, "zz-half-finished.conf");
    await writeFile(broken, "server {\n    listen 127.0.0.1:1;\n    server_name half.example;\n    proxy_pass_typo http://127.0.0.1:1;\n}\n");
    try {
      const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

      const run = await certbot(["renew", "--force-renewal", "--cert-name", name, ...w().certbotArgs("renew")]);

      // certbot only logs a failed hook; the renewal counts as a success to it (and to a systemd timer).
      expect(run.exitCode, describeCertbot(run)).toBe(0);
      expect(run.stdout).toContain(`ngcert hook deploy: ${name}: version 2 verified`);
      expect(run.stderr).toContain("Hook 'post-hook' reported error code 1");
      // The pre hook warned before certbot asked the CA.
      expect(run.stderr).toMatch(/ngcert hook pre: nginx -t fails on the current configuration/);
      expectWaiting(name, run, new RegExp(`${escape(broken)}:4: unknown directive "proxy_pass_typo"`));
      await expectKeptWaiting(name, before);
      expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
    } finally {
      await rm(broken, { force: true });
    }
    // No CA order is spent again: the next run of the post hook (or the watcher, or renew) serves what is there.
    await expectServedAfterFix(name, () => runNgcert(w(), ["hook", "post"]));
  });

  it("in a certbot renew run, refuses another lineage's version nginx cannot load (nginx -t names its key), and deploys its own", async () => {
    const name = NAMES.alongside;
    const other = NAMES.unloadable;
    const before = { name: await served(name), other: await served(other) };
    // A version that went to live/ around the hooks, with a key file nginx cannot read: every nginx -t fails on it.
    await renewWithoutHooks(other);
    await writeFile(path.join(archive(other), "privkey2.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", { mode: 0o600 });

    const run = await certbot(["renew", "--force-renewal", "--cert-name", name, ...w().certbotArgs("renew")]);

    expect(run.exitCode, describeCertbot(run)).toBe(0);
    const key = path.join(w().dirs.letsencryptDir, "live", other, "privkey.pem");
    const refusal = run.stderr.split("\n").find((line) => line.includes(`ngcert hook deploy: ${other}: refused version 2: `));
    expect(refusal, describeCertbot(run)).toContain(`nginx -t cannot load it: cannot load certificate key "${key}"`);
    expect(run.stdout).toContain(`ngcert hook deploy: ${name}: version 2 verified`);
    expect(run.stdout).toContain(`ngcert hook post: ${name}: version 2 deployed; nginx serves it for ${name}`);
    await expectRolledBack(other, new RegExp(`nginx -t cannot load it: cannot load certificate key "${escape(key)}"`), before.other);
    expect(await linkedVersions(name)).toEqual(versionLinks(name, 2));
    const renewed = await readCertificateFile(live(name));
    expect(renewed.fingerprint256).not.toBe(before.name.fingerprint256);
    expect((await served(name)).fingerprint256).toBe(renewed.fingerprint256);
  });

  it("leaves every lineage healthy and served as on disk", async () => {
    const verify = await runNgcert(w(), ["verify", "--json"]);
    expect(verify.exitCode, describeRun(verify)).toBe(0);
    const post = await runNgcert(w(), ["hook", "post"]);
    expect(post.exitCode, describeRun(post)).toBe(0);
    expect(post.stdout).toBe(`ngcert hook post: ${Object.values(NAMES).length} certificate(s) in use by nginx checked, all served as on disk`);
  });
});
