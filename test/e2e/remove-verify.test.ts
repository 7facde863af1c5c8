// `ngcert remove` and `ngcert verify` against the real nginx of the test world, on sites `ngcert add` made with
// Pebble's certificates: verify tells a served certificate from the one on disk (SERVED_MISMATCH) and a silent
// HTTPS port (NOT_SERVED); remove takes a site out, reloads, keeps or deletes the certificate, and puts the site back
// when nginx -t refuses the result.
import { access, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileTimes, snapshotTree, withoutTimes } from "../world/file-tree.js";
import { httpsGet } from "../world/https-request.js";
import { readNginxProcesses, readSettledNginxProcesses } from "../world/nginx-processes.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { readCertificateFile } from "../world/served-certificate.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";

interface Report {
  certificates: { name: string; domains: string[]; problems: { code: string; message: string }[] }[];
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** A loopback port nothing listens on (bound, then released). */
function findClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

describe.skipIf(programs.skip)(`ngcert remove and ngcert verify against nginx${skipped}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  const ngcert = (args: string[]): Promise<NgcertRun> => runNgcert(w(), [...args, "--config", path.join(w().dirs.root, "no-config.json")]);
  const siteFile = (name: string): string => path.join(w().nginx.confD, `ngcert-site-${name}.conf`);
  const lineageFiles = (name: string): string[] => ["live", "archive"].map((dir) => path.join(w().dirs.letsencryptDir, dir, name)).concat(path.join(w().dirs.letsencryptDir, "renewal", `${name}.conf`));
  const fingerprint = async (name: string): Promise<string> => (await readCertificateFile(path.join(w().dirs.letsencryptDir, "live", name, "cert.pem"))).fingerprint256;
  const served = async (domain: string): Promise<string> => (await httpsGet({ port: w().ports.https, servername: domain })).certificate.fingerprint256;
  const verify = async (args: string[] = []): Promise<{ run: NgcertRun; report: Report }> => {
    const run = await ngcert(["verify", "--json", ...args]);
    return { run, report: JSON.parse(run.stdout) as Report };
  };
  const problemsOf = (report: Report, name: string) => report.certificates.find((cert) => cert.name === name)?.problems;

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    for (const args of [["init"], ["add", "r1.ngcert.test", "www.r1.ngcert.test"], ["add", "r2.ngcert.test"], ["add", "r3.ngcert.test"]]) {
      const run = await ngcert(args[0] === "add" ? [...args, "--upstream", world.upstream.url] : args);
      expect(run.exitCode, describeRun(run)).toBe(0);
    }
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("verify finds every site served with its own certificate", async () => {
    const { run, report } = await verify();
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(report.certificates.map((cert) => [cert.name, cert.problems])).toEqual([
      ["r1.ngcert.test", []],
      ["r2.ngcert.test", []],
      ["r3.ngcert.test", []],
    ]);
  });

  it("verify reports SERVED_MISMATCH for a name nginx serves with another lineage's certificate", async () => {
    const file = siteFile("r2.ngcert.test");
    const original = await readFile(file, "utf8");
    // By hand: r2's site presents r1's certificate.
    await writeFile(file, original.replaceAll("/live/r2.ngcert.test/", "/live/r1.ngcert.test/"));
    await w().reloadNginx();
    try {
      expect(await served("r2.ngcert.test")).toBe(await fingerprint("r1.ngcert.test"));
      const { run, report } = await verify();
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(problemsOf(report, "r1.ngcert.test")).toEqual([]);
      expect(problemsOf(report, "r3.ngcert.test")).toEqual([]);
      expect(problemsOf(report, "r2.ngcert.test")).toEqual([
        {
          code: "SERVED_MISMATCH",
          // What nginx presents instead is named: r1's certificate, by its names and expiry.
          message: expect.stringMatching(
            new RegExp(`^r2\\.ngcert\\.test: nginx serves certificate [0-9a-f]{16}… \\(for (www\\.)?r1\\.ngcert\\.test, (www\\.)?r1\\.ngcert\\.test, expires \\d{4}-\\d\\d-\\d\\d\\) on 127\\.0\\.0\\.1:${w().ports.https}, not r2\\.ngcert\\.test's cert\\.pem \\([0-9a-f]{16}…\\); reload nginx or check its ssl_certificate$`),
          ),
        },
      ]);

      // Only the names asked for; and the table says it too.
      const one = await ngcert(["verify", "r1.ngcert.test"]);
      expect(one.exitCode, describeRun(one)).toBe(0);
      const table = await ngcert(["verify"]);
      expect(table.exitCode).toBe(1);
      expect(table.stdout).toContain("SERVED_MISMATCH");
    } finally {
      await writeFile(file, original);
      await w().reloadNginx();
    }
    expect((await verify()).run.exitCode).toBe(0);
  });

  it("verify, without nginx's configuration to say where sites listen, asks the HTTPS port: NOT_SERVED when nothing answers there", async () => {
    const port = await findClosedPort();
    // An nginx binary that cannot dump the configuration: verify falls back to where ngcert's own sites listen.
    const { run, report } = await verify(["--https-port", String(port), "--nginx-bin", "/bin/false"]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    for (const cert of report.certificates) {
      expect(cert.problems).toEqual(
        // Asked three times (the retries) before it counts, and the message says what was seen.
        cert.domains.map((domain) => ({ code: "NOT_SERVED", message: `${domain}: no TLS handshake on 127.0.0.1:${port} (connection refused: nothing listens there; asked 3 times)` })),
      );
    }
    expect(report.certificates.flatMap((cert) => cert.domains)).toHaveLength(4);
  });

  it("remove puts the site back, reloads nothing and keeps the certificate when nginx -t refuses the result", async () => {
    const name = "r3.ngcert.test";
    const file = siteFile(name);
    // An nginx whose -t fails once the site is gone (as if another file needed it), itself for everything else.
    const wrapper = path.join(w().dirs.root, "nginx-needs-r3");
    await writeFile(
      wrapper,
      `#!/bin/sh\nif [ "$1" = "-t" ] && [ ! -e '${file}' ]; then echo "nginx: [emerg] the test world's wrapper needs ${name}" >&2; exit 1; fi\nexec '${w().programs.nginx}' "$@"\n`,
      { mode: 0o755 },
    );
    const before = await snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir]);
    const processes = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await ngcert(["remove", name, "--delete-cert", "--nginx-bin", wrapper]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain(`ngcert: nginx -t refused the configuration (the test world's wrapper needs ${name}): the configuration depends on ${file}, which was put back`);
    expect(run.stderr).toContain(`the test world's wrapper needs ${name}`);
    const after = await snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir]);
    expect(withoutTimes(after)).toEqual(withoutTimes(before));
    expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(processes);
    expect(await served(name)).toBe(await fingerprint(name));

    // With the real nginx it goes through.
    const again = await ngcert(["remove", name]);
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(await exists(file)).toBe(false);
  });

  it("remove deletes the site and reloads nginx, and keeps the certificate", async () => {
    const name = "r2.ngcert.test";
    const processes = await readSettledNginxProcesses(w().nginx.pidFile);
    const certificate = await fingerprint(name);
    const untouched = fileTimes(await snapshotTree([path.join(w().dirs.letsencryptDir, "archive", name), path.join(w().dirs.letsencryptDir, "renewal")]));

    const run = await ngcert(["remove", name]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toBe(`removed ${siteFile(name)}; nginx reloaded; the certificate is kept`);
    expect(await exists(siteFile(name))).toBe(false);
    for (const file of lineageFiles(name)) expect(await exists(file), file).toBe(true);
    expect(fileTimes(await snapshotTree([path.join(w().dirs.letsencryptDir, "archive", name), path.join(w().dirs.letsencryptDir, "renewal")]))).toEqual(untouched);
    expect(await fingerprint(name)).toBe(certificate);

    // A graceful reload: the same master, new workers; r2's name now falls to the port's default server.
    const reloaded = await readSettledNginxProcesses(w().nginx.pidFile);
    expect(reloaded.master).toBe(processes.master);
    expect(reloaded.workers).not.toEqual(processes.workers);
    expect(await served(name)).not.toBe(certificate);
    expect(await served("r1.ngcert.test")).toBe(await fingerprint("r1.ngcert.test"));

    // The kept certificate is healthy on disk; verify says nginx no longer serves it.
    const status = await ngcert(["status", "--json", name]);
    expect(status.exitCode, describeRun(status)).toBe(0);
    const { report } = await verify([name]);
    expect(problemsOf(report, name)?.map((problem) => problem.code)).toEqual(["SERVED_MISMATCH"]);
  });

  it("remove --delete-cert deletes the certificate with certbot; with no site left nothing answers, and verify says NOT_SERVED", async () => {
    const name = "r1.ngcert.test";
    const run = await ngcert(["remove", name, "--delete-cert"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toBe(`removed ${siteFile(name)}; nginx reloaded; certificate ${name} deleted`);
    expect(await exists(siteFile(name))).toBe(false);
    for (const file of lineageFiles(name)) expect(await exists(file), file).toBe(false);

    await readSettledNginxProcesses(w().nginx.pidFile);
    await expect(httpsGet({ port: w().ports.https, servername: name })).rejects.toThrow(/ECONNREFUSED/);
    const { run: verified, report } = await verify();
    expect(verified.exitCode, describeRun(verified)).toBe(1);
    expect(report.certificates.map((cert) => cert.name)).toEqual(["r2.ngcert.test", "r3.ngcert.test"]);
    for (const cert of report.certificates) {
      expect(cert.problems).toEqual([{ code: "NOT_SERVED", message: `${cert.name}: no TLS handshake on 127.0.0.1:${w().ports.https} (connection refused: nothing listens there; asked 3 times)` }]);
    }
  });

  it("remove of a name with no site exits 2 and changes nothing, certificate or not", async () => {
    const before = await snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir]);
    for (const name of ["r1.ngcert.test", "r2.ngcert.test", "never.ngcert.test"]) {
      const run = await ngcert(["remove", name, "--delete-cert"]);
      expect(run.exitCode, describeRun(run)).toBe(2);
      expect(run.stderr).toBe(`ngcert: no ngcert site named ${name} (${siteFile(name)} does not exist); \`ngcert status\` lists the certificates`);
    }
    const after = await snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir]);
    expect(withoutTimes(after)).toEqual(withoutTimes(before));
    expect(fileTimes(after)).toEqual(fileTimes(before));
    expect(await exists(lineageFiles("r2.ngcert.test")[0]!)).toBe(true);
  });
});
