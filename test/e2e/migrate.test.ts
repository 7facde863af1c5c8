// `ngcert migrate` in the test world: a dry run that changes nothing, a CA that cannot reach a name (the conf goes
// back byte for byte and the CA's own words reach the user), a hook that does more than stop nginx, all or nothing,
// and lineages that have nothing to do with nginx.
import { request } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCa, makeLeaf } from "../helpers/pki.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";
import { placeholders, registerAccount, renderRenewalConf, type CorpusLineage } from "./corpus/corpus-case.js";

const programs = requirePrograms();

/** Makes Pebble's DNS (challtestsrv) answer `host` with `address` instead of 127.0.0.1. */
function pointName(world: World, host: string, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ host: `${host}.`, addresses: [address] });
    const req = request({ host: "127.0.0.1", port: world.ports.challtestsrvManagement, path: "/add-a", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`challtestsrv answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe.skipIf(programs.skip)(`ngcert migrate${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  let config: string;
  const migrate = (args: string[]) => runNgcert(world, ["migrate", ...args, "--config", config], { timeoutMs: 120_000 });
  const confOf = (name: string) => path.join(world.dirs.letsencryptDir, "renewal", `${name}.conf`);
  const add = async (lineage: CorpusLineage, account: string): Promise<void> => {
    const ca = await makeCa({ name: `${lineage.name} CA` });
    const leaf = await makeLeaf({ domains: lineage.domains, issuer: ca });
    await writeLineage(world.dirs.letsencryptDir, { name: lineage.name, leaf, chain: [ca], conf: renderRenewalConf(world, lineage, account, placeholders(world)) });
  };

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    config = path.join(world.dirs.root, "no-config.json");
    const init = await runNgcert(world, ["init", "--config", config]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    const account = await registerAccount(world);
    await add({ name: "dry.migrate.ngcert.test", domains: ["dry.migrate.ngcert.test"], authenticator: "standalone", hooks: "service" }, account);
    await add({ name: "unreachable.migrate.ngcert.test", domains: ["unreachable.migrate.ngcert.test"], authenticator: "standalone" }, account);
    await add({ name: "dns.migrate.ngcert.test", domains: ["dns.migrate.ngcert.test"], authenticator: "dns-cloudflare" }, account);
    await pointName(world, "unreachable.migrate.ngcert.test", "127.0.0.2");
  }, 60_000);
  afterAll(async () => {
    await world?.stop();
  });

  it("--dry-run shows the change and changes nothing", async () => {
    const before = await readFile(confOf("dry.migrate.ngcert.test"));
    const run = await migrate(["--dry-run", "dry.migrate.ngcert.test"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toContain("-pre_hook = service nginx stop\n-post_hook = service nginx start\n-authenticator = standalone\n+authenticator = webroot\n");
    expect(run.stdout).toContain(`would migrate: dry.migrate.ngcert.test (standalone → webroot on ${world.dirs.webroot}; removed pre_hook, post_hook)`);
    expect((await readFile(confOf("dry.migrate.ngcert.test"))).equals(before)).toBe(true);
  });

  it("when the CA cannot validate, certbot's dry run fails, the conf is put back byte for byte, and the CA's reason is shown", async () => {
    const before = await readFile(confOf("unreachable.migrate.ngcert.test"));
    const run = await migrate(["unreachable.migrate.ngcert.test"]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stdout).toMatch(/failed: unreachable\.migrate\.ngcert\.test: `\S+ renew --dry-run --cert-name unreachable\.migrate\.ngcert\.test .*` failed; the renewal conf is back as it was, byte for byte:\nunreachable\.migrate\.ngcert\.test: connection: /);
    expect((await readFile(confOf("unreachable.migrate.ngcert.test"))).equals(before)).toBe(true);
  });

  it("a lineage renewing with a DNS plugin is left alone, and says why", async () => {
    const before = await readFile(confOf("dns.migrate.ngcert.test"));
    const run = await migrate(["dns.migrate.ngcert.test"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe("skipped: dns.migrate.ngcert.test (renews with dns-cloudflare, which does not go through nginx)");
    expect((await readFile(confOf("dns.migrate.ngcert.test"))).equals(before)).toBe(true);
  });

  it("a hook that stops nginx and does more blocks the run: all or nothing, every conf untouched", async () => {
    const conf = confOf("dry.migrate.ngcert.test");
    const original = await readFile(conf, "utf8");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(conf, original.replace("pre_hook = service nginx stop", "pre_hook = service nginx stop && /usr/local/bin/backup"));
    try {
      const tangled = await readFile(conf);
      const run = await migrate(["dry.migrate.ngcert.test", "unreachable.migrate.ngcert.test"]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stdout).toContain("blocked: dry.migrate.ngcert.test (pre_hook = service nginx stop && /usr/local/bin/backup stops nginx and does more: edit it by hand");
      expect(run.stdout).toContain("blocked: unreachable.migrate.ngcert.test (not changed: another lineage is blocked, and migrate changes all or nothing)");
      expect((await readFile(conf)).equals(tangled)).toBe(true);
    } finally {
      await writeFile(conf, original);
    }
  });

  it("an unknown name is bad usage", async () => {
    const run = await migrate(["nope.migrate.ngcert.test"]);
    expect(run.exitCode).toBe(2);
  });
});
