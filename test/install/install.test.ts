// install.sh against a temporary root (--root): never the machine's real /etc. Needs nginx for `nginx -t`.
import { execa } from "execa";
import { cp, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requirePrograms } from "../world/programs.js";

const repo = path.resolve(import.meta.dirname, "../..");
const programs = requirePrograms();
const stockSite = "/etc/nginx/sites-available/default";

let root: string;
// nginx -t binds the listen sockets it tests: port 80, the stock site's and Debian's case, needs root (as CI runs).
const asRoot = process.getuid?.() === 0;

async function makeRoot(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ngcert-install-"));
  const nginx = path.join(dir, "etc/nginx");
  for (const sub of ["conf.d", "sites-available", "sites-enabled", "snippets"]) await mkdir(path.join(nginx, sub), { recursive: true });
  await writeFile(
    path.join(nginx, "nginx.conf"),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${nginx}/conf.d/*.conf;\n  include ${nginx}/sites-enabled/*;\n}\n`,
  );
  if (existsSync(stockSite)) {
    await cp(stockSite, path.join(nginx, "sites-available/default"));
    await symlink(stockSite, path.join(nginx, "sites-enabled/default"));
  }
  return dir;
}

function install(...args: string[]) {
  return execa("bash", [path.join(repo, "install.sh"), "--root", root, ...args], { reject: false, env: { ...process.env, SUDO_UID: "" } });
}

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
}

describe.skipIf(programs.skip)(`install.sh --root${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  beforeEach(async () => {
    root = await makeRoot();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.skipIf(!asRoot)("installs the bundle, the command, the config and runs ngcert init; a second run changes nothing", async () => {
    const first = await install("--email", "ops@example.com", "--http-port", "80");
    expect(first.exitCode, first.stderr).toBe(0);
    expect(await readlink(path.join(root, "usr/local/bin/ngcert"))).toBe(path.join(root, "usr/local/lib/ngcert/cli.js"));
    const config = JSON.parse(await readFile(path.join(root, "etc/ngcert/config.json"), "utf8"));
    expect(config).toMatchObject({ email: "ops@example.com", "http-port": 80, "nginx-dir": path.join(root, "etc/nginx") });
    expect(existsSync(path.join(root, "etc/nginx/conf.d/ngcert-acme.conf"))).toBe(true);
    const hook = await readFile(path.join(root, "etc/letsencrypt/renewal-hooks/deploy/ngcert"), "utf8");
    expect(hook).toContain(`${path.join(root, "usr/local/lib/ngcert/cli.js")} hook deploy --config ${path.join(root, "etc/ngcert/config.json")}`);
    const unit = await readFile(path.join(root, "etc/systemd/system/ngcert-watch.service"), "utf8");
    expect(unit).toContain(`ExecStart=${path.join(root, "usr/local/lib/ngcert/cli.js")} watch --config ${path.join(root, "etc/ngcert/config.json")}`);
    expect(unit).toContain("Restart=on-failure");
    const version = await execa(path.join(root, "usr/local/bin/ngcert"), ["--version"]);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    expect(first.stderr).toMatch(/skipped: starting ngcert-watch.service \(systemd is not running here\)/);

    const before = await listTree(root);
    const second = await install();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain("Nothing to change");
    expect(second.stderr).not.toMatch(/: installed |: wrote /);
    expect(await listTree(root)).toEqual(before);
    // A later run with one option keeps the others.
    await install("--staging");
    expect(JSON.parse(await readFile(path.join(root, "etc/ngcert/config.json"), "utf8"))).toMatchObject({ email: "ops@example.com", staging: true });
  });

  it.skipIf(!existsSync(stockSite) || !asRoot)("disables the unmodified Debian default site and --uninstall puts everything back", async () => {
    const before = await listTree(root);
    const result = await install("--http-port", "80");
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(path.join(root, "etc/nginx/sites-enabled/default"))).toBe(false);
    const removed = await install("--uninstall");
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect((await lstat(path.join(root, "etc/nginx/sites-enabled/default"))).isSymbolicLink()).toBe(true);
    const leftover = (await listTree(root)).filter((file) => !before.includes(file) && !["error.log", "nginx.pid"].includes(file));
    expect(leftover).toEqual([]);
  });

  it.skipIf(!asRoot)("leaves a modified default site alone, and init then names the clash", async () => {
    const site = path.join(root, "etc/nginx/sites-enabled/default");
    await rm(site);
    await writeFile(site, "server {\n  listen 80 default_server;\n  server_name _;\n  return 404;\n}\n");
    const result = await install("--http-port", "80");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("is not the unmodified package file");
    expect(result.stderr).toContain(`${site}:2: listen *:80 default_server`);
    expect(existsSync(path.join(root, "etc/nginx/conf.d/ngcert-acme.conf"))).toBe(false);
  });

  it("refuses bad options with a clear message", async () => {
    const result = await install("--bogus");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("unknown option: --bogus");
    const port = await install("--http-port", "eighty");
    expect(port.exitCode).not.toBe(0);
    expect(port.stderr).toContain("not a port number");
  });

  it("--help describes every option", async () => {
    const result = await execa("bash", [path.join(repo, "install.sh"), "--help"]);
    for (const option of ["--email", "--staging", "--root", "--uninstall", "--no-init"]) expect(result.stdout).toContain(option);
  });
});
