// The seed's server, adopted: a certificate certbot obtained with its standalone authenticator, whose renewal conf
// stops the test nginx before and starts it after (so every renewal takes every site down), and the owner's own
// site with a server-level redirect. doctor names it all, migrate refuses until doctor --fix has made the challenge
// path work, then rewrites the conf as certbot would; a forced renewal under HTTPS load then fails no request and
// nginx keeps its master process.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHttpsLoad } from "../../src/load/https-load.js";
import { configobjEdit, configobjParse } from "../migrate/configobj-oracle.js";
import { readNginxProcesses, readSettledNginxProcesses } from "../world/nginx-processes.js";
import { requirePrograms } from "../world/programs.js";
import { describeCertbot, runCertbot } from "../world/run-certbot.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { UPSTREAM_HEADER } from "../../src/world/echo-upstream.js";
import { startWorld, type World } from "../world/world.js";
import { writeFile } from "node:fs/promises";
import { execa } from "execa";

const programs = requirePrograms();
const NAME = "shop.adopt.ngcert.test";
const WWW = `www.${NAME}`;

/** Stops the nginx the pid file names (the daemon certbot's post hook started) and waits until it has exited. */
async function stopDaemonNginx(world: World): Promise<void> {
  const pid = Number((await readFile(world.nginx.pidFile, "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  for (let waited = 0; waited < 10_000; waited += 50) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
}

/** `nginx -s reload` for the daemon (the world's own reload waits on its child, which the pre hook stopped). */
async function reloadDaemon(world: World): Promise<void> {
  const before = await readNginxProcesses(world.nginx.pidFile);
  await execa(world.programs.nginx, ["-c", world.nginx.conf, "-s", "reload"]);
  for (let waited = 0; waited < 10_000; waited += 50) {
    const now = await readSettledNginxProcesses(world.nginx.pidFile);
    if (!now.workers.some((pid) => before.workers.includes(pid))) return;
    await sleep(50);
  }
  throw new Error("nginx did not replace its workers after the reload");
}

describe.skipIf(programs.skip)(`adopting a standalone server${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  let config: string;
  let conf: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    config = path.join(world.dirs.root, "no-config.json");
    env = { NGCERT_SYSTEM_ROOT: path.join(world.dirs.root, "system") };
    conf = path.join(world.dirs.letsencryptDir, "renewal", `${NAME}.conf`);
    const init = await runNgcert(world, ["init", "--config", config]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    // The way the seed's users got their certificate: certbot binds port 80 itself, nginx stopped around it.
    const stop = `${world.programs.nginx} -c ${world.nginx.conf} -s stop`;
    const start = `${world.programs.nginx} -e ${world.nginx.errorLog} -c ${world.nginx.conf}`;
    const obtained = await runCertbot(world, "certonly", ["--standalone", "--http-01-port", String(world.ports.http), "--http-01-address", "127.0.0.1", "-d", NAME, "-d", WWW, "--cert-name", NAME, "--pre-hook", stop, "--post-hook", start, "--no-directory-hooks"]);
    expect(obtained.exitCode, describeCertbot(world, obtained)).toBe(0);
    // The owner's own site: port 80 redirects at server level, HTTPS proxies to the application.
    await writeFile(
      path.join(world.nginx.confD, "shop.conf"),
      `server {
    listen 127.0.0.1:${world.ports.http};
    server_name ${NAME} ${WWW};
    return 301 https://$host:${world.ports.https}$request_uri;
}

server {
    listen 127.0.0.1:${world.ports.https} ssl;
    server_name ${NAME} ${WWW};
    ssl_certificate ${world.dirs.letsencryptDir}/live/${NAME}/fullchain.pem;
    ssl_certificate_key ${world.dirs.letsencryptDir}/live/${NAME}/privkey.pem;
    location / {
        proxy_pass ${world.upstream.url};
        proxy_set_header Host $host;
    }
}
`,
    );
    await reloadDaemon(world);
  }, 120_000);
  afterAll(async () => {
    if (world) await stopDaemonNginx(world);
    await world?.stop();
  });

  it("certbot recorded hooks that stop and start nginx, and doctor names them, the authenticator and the blocked challenge", async () => {
    const text = await readFile(conf, "utf8");
    expect(text).toMatch(/^pre_hook = .* -s stop$/m);
    expect(text).toMatch(/^authenticator = standalone$/m);
    const doctor = await runNgcert(world, ["doctor", "--json", "--config", config], { env });
    expect(doctor.exitCode, describeRun(doctor)).toBe(1);
    const findings = (JSON.parse(doctor.stdout) as { findings: { code: string; domain: string | null; fix: string | null }[] }).findings;
    expect(findings.map((item) => item.code).sort()).toEqual(["AUTHENTICATOR_STANDALONE", "CHALLENGE_SERVER_REDIRECT", "CHALLENGE_SERVER_REDIRECT", "HOOK_STOPS_NGINX"]);
    expect(findings.filter((item) => item.code === "CHALLENGE_SERVER_REDIRECT").map((item) => item.domain).sort()).toEqual([NAME, WWW]);
    expect(findings.find((item) => item.code === "CHALLENGE_SERVER_REDIRECT")?.fix).toContain("+    location / {");
  });

  it("migrate refuses while the challenge path fails, changes nothing, and names doctor --fix", async () => {
    const before = await readFile(conf);
    const migrate = await runNgcert(world, ["migrate", "--config", config], { env });
    expect(migrate.exitCode, describeRun(migrate)).toBe(1);
    expect(migrate.stdout).toContain(`blocked: ${NAME}`);
    expect(migrate.stderr).toContain("ngcert doctor --fix");
    expect((await readFile(conf)).equals(before)).toBe(true);
  });

  it("doctor --fix moves the redirect into location / after the include, reloads without a new master, and the challenge passes", async () => {
    const master = (await readNginxProcesses(world.nginx.pidFile)).master;
    const fix = await runNgcert(world, ["doctor", "--fix", "--config", config], { env });
    expect(fix.stderr, describeRun(fix)).toContain(`fixed: nginx -t passed, nginx reloaded, and the challenge now passes for ${NAME}, ${WWW}`);
    expect((await readNginxProcesses(world.nginx.pidFile)).master).toBe(master);
    const site = await readFile(path.join(world.nginx.confD, "shop.conf"), "utf8");
    expect(site).toContain(`include ${world.nginx.snippets}/ngcert-acme.conf;`);
    expect(site).toMatch(/location \/ \{\n\s+return 301 https:\/\/\$host:\d+\$request_uri;\n\s+\}/);
  });

  it("migrate rewrites the conf exactly as certbot's configobj would, proven by certbot renew --dry-run", async () => {
    const before = await readFile(conf, "utf8");
    const migrate = await runNgcert(world, ["migrate", "--config", config], { env, timeoutMs: 120_000 });
    expect(migrate.exitCode, describeRun(migrate)).toBe(0);
    expect(migrate.stdout).toContain(`migrated: ${NAME} (standalone → webroot on ${world.dirs.webroot}; removed pre_hook, post_hook; certbot renew --dry-run passed)`);
    const after = await readFile(conf, "utf8");
    const oracle = await configobjEdit({ text: before, mode: "webroot", webroot: world.dirs.webroot, domains: [NAME, WWW], remove: ["pre_hook", "post_hook"] });
    expect(after).toBe(oracle.text);
  });

  it("a forced renewal under HTTPS load fails no request, keeps the nginx master, and certbot keeps the webroot settings when it rewrites the conf", async () => {
    const master = (await readNginxProcesses(world.nginx.pidFile)).master;
    const previous = new X509Certificate(await readFile(path.join(world.dirs.letsencryptDir, "live", NAME, "cert.pem")));
    let renewed!: () => void;
    const stopWhen = new Promise<void>((resolve) => (renewed = resolve)).then(() => sleep(1_500));
    const load = runHttpsLoad({ port: world.ports.https, servername: NAME, concurrency: 8, durationMs: 90_000, stopWhen, requireHeader: UPSTREAM_HEADER });
    await sleep(1_000);
    const renew = await runNgcert(world, ["renew", "--force", "--cert-name", NAME, "--config", config], { env, timeoutMs: 90_000 });
    renewed();
    const result = await load;
    expect(renew.exitCode, describeRun(renew)).toBe(0);
    expect(renew.stderr).toContain(`${NAME}: renewed; nginx serves the new certificate`);
    expect(result.failed, JSON.stringify(result.samples.filter((sample) => !sample.ok).slice(0, 5))).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
    const current = new X509Certificate(await readFile(path.join(world.dirs.letsencryptDir, "live", NAME, "cert.pem")));
    expect(current.serialNumber).not.toBe(previous.serialNumber);
    expect(result.serials.map((entry) => entry.serial)).toContain(current.serialNumber.toLowerCase());
    expect((await readNginxProcesses(world.nginx.pidFile)).master).toBe(master);
    // certbot rewrote the renewal conf after renewing: as configobj reads it, the renewal settings are still ours.
    const params = ((await configobjParse(await readFile(conf, "utf8"))) as { renewalparams: Record<string, unknown> }).renewalparams;
    expect(params.authenticator).toBe("webroot");
    expect(params.webroot_map).toEqual({ [NAME]: world.dirs.webroot, [WWW]: world.dirs.webroot });
    expect(params.pre_hook).toBeUndefined();
    expect(params.post_hook).toBeUndefined();
    const doctor = await runNgcert(world, ["doctor", "--config", config], { env });
    expect(doctor.exitCode, describeRun(doctor)).toBe(0);
  });
});
