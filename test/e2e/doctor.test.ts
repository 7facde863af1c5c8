// `ngcert doctor` on a set-up server in the test world: nothing to report (exit 0), the JSON contract, unknown names,
// schedulers and modes on the machine, nginx down, and a fix that cannot be brought into service put back (then
// applied, with a cache dir it must not use: said once).
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCa, makeLeaf } from "../helpers/pki.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";
import { registerAccount, renderRenewalConf, placeholders } from "./corpus/corpus-case.js";

const programs = requirePrograms();
const NAME = "ok.doctor.ngcert.test";
const SITE = "site.doctor.ngcert.test";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Json {
  findings: Record<string, unknown>[];
}

describe.skipIf(programs.skip)(`ngcert doctor${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  let config: string;
  let system: string;
  const doctor = (args: string[], env: Record<string, string> = {}) => runNgcert(world, ["doctor", ...args, "--config", config], { env: { NGCERT_SYSTEM_ROOT: system, ...env } });

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    config = path.join(world.dirs.root, "no-config.json");
    system = path.join(world.dirs.root, "system");
    const init = await runNgcert(world, ["init", "--config", config]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    const account = await registerAccount(world);
    const ca = await makeCa({ name: "doctor CA" });
    for (const name of [NAME, SITE]) {
      const leaf = await makeLeaf({ domains: [name], issuer: ca });
      await writeLineage(world.dirs.letsencryptDir, {
        name,
        leaf,
        chain: [ca],
        conf: renderRenewalConf(world, { name, domains: [name], authenticator: "webroot", webroot: world.dirs.webroot }, account, placeholders(world)),
      });
    }
  }, 60_000);
  afterAll(async () => {
    await world?.stop();
  });

  it("a server set up the ngcert way has nothing to report: exit 0, an empty list", async () => {
    const run = await doctor(["--json"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ findings: [] });
    const text = await doctor([]);
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toContain("nothing found");
  });

  it("an unknown certificate name is bad usage", async () => {
    const run = await doctor(["no-such.ngcert.test"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("no certificate named no-such.ngcert.test");
  });

  it("every finding has exactly the contract's keys; a scheduler twice and lax modes are found", async () => {
    await mkdir(path.join(system, "etc/systemd/system/timers.target.wants"), { recursive: true });
    await mkdir(path.join(system, "run/systemd/system"), { recursive: true });
    await writeFile(path.join(system, "etc/systemd/system/timers.target.wants/certbot.timer"), "");
    await mkdir(path.join(system, "var/spool/cron/crontabs"), { recursive: true });
    await writeFile(path.join(system, "var/spool/cron/crontabs/root"), "17 4 * * * certbot renew -q\n");
    const hook = path.join(world.dirs.letsencryptDir, "renewal-hooks", "deploy", "ngcert");
    const key = path.join(world.dirs.letsencryptDir, "archive", NAME, "privkey1.pem");
    await chmod(hook, 0o757);
    await chmod(key, 0o644);
    try {
      const run = await doctor(["--json", NAME]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      const { findings } = JSON.parse(run.stdout) as Json;
      for (const item of findings) expect(Object.keys(item)).toEqual(["code", "severity", "lineage", "domain", "file", "line", "message", "fix"]);
      expect(findings.map((item) => `${String(item.code)} ${String(item.file)}`).sort()).toEqual([
        `HOOK_WRITABLE ${hook}`,
        `KEY_READABLE ${key}`,
        `SCHEDULER_DUPLICATE ${path.join(system, "var/spool/cron/crontabs/root")}`,
      ]);
    } finally {
      await chmod(hook, 0o755);
      await chmod(key, 0o600);
      await writeFile(path.join(system, "var/spool/cron/crontabs/root"), "");
    }
  });

  it("a fix nginx cannot be given is put back byte for byte, and doctor says so", async () => {
    const site = path.join(world.nginx.confD, "site.conf");
    const text = `server {\n    listen 127.0.0.1:${world.ports.http};\n    server_name ${SITE};\n    root ${world.dirs.root}/srv;\n}\n`;
    await writeFile(site, text);
    await world.reloadNginx();
    const broken = await doctor(["--fix", SITE], { NGCERT_RELOAD_CMD: "/bin/false" });
    expect(broken.exitCode, describeRun(broken)).toBe(1);
    expect(broken.stderr).toContain("fix: add the challenge include to the server block");
    expect(broken.stderr).toMatch(/NOT fixed \(add-include .*site\.conf:1\): reloading nginx failed.*; every file was put back/);
    expect(await readFile(site, "utf8")).toBe(text);
    expect(broken.stdout).toContain(`CHALLENGE_OTHER_ROOT (${SITE} / ${SITE})`);
    // A cache dir others can write to is not used, and said so once, though --fix examines the server once a round.
    const cache = world.dirs.cacheDir;
    await mkdir(cache, { recursive: true });
    await chmod(cache, 0o777);
    let fixed;
    try {
      fixed = await doctor(["--fix", SITE]);
    } finally {
      await chmod(cache, 0o700);
    }
    expect(fixed.exitCode, describeRun(fixed)).toBe(0);
    expect(await readFile(site, "utf8")).toContain(`    server_name ${SITE};\n    include ${world.nginx.snippets}/ngcert-acme.conf;\n`);
    expect(fixed.stderr).toContain("fixed: ");
    expect(fixed.stderr.split("\n").filter((line) => line.includes("not using the status cache"))).toEqual([
      `warning: the cache dir ${cache} is writable by others (mode 777): not using the status cache (fix its ownership and mode: root, 0700)`,
    ]);
  });

  it("with nginx down it says so, and judges the challenge from the configuration alone", async () => {
    const site = path.join(world.nginx.confD, "site.conf");
    await writeFile(site, `server {\n    listen 127.0.0.1:${world.ports.http};\n    server_name ${SITE};\n    return 444;\n}\n`);
    await world.reloadNginx();
    const master = Number((await readFile(world.nginx.pidFile, "utf8")).trim());
    await execa(world.programs.nginx, ["-c", world.nginx.conf, "-s", "stop"]);
    for (let waited = 0; isAlive(master) && waited < 10_000; waited += 50) await sleep(50);
    const run = await doctor(["--json", SITE]);
    const findings = (JSON.parse(run.stdout) as Json).findings.map((item) => String(item.code));
    expect(findings).toEqual(["NGINX_NOT_RUNNING", "CHALLENGE_SERVER_RETURN"]);
    expect(run.stdout).toContain("nginx is not running; from the configuration");
  });
});
