// install.sh against temporary roots (--root DIR): never the machine's /etc or /usr/local. With --start-nginx it starts
// the real nginx with DIR's configuration on the machine's real port 80, next to programs this test binds there itself;
// those tests run one after another (one file: vitest runs a file's tests in sequence), never beside another file that
// uses port 80, and stop every process they started. Each failure case checks the exit code, the one line that says
// why, what is left on disk and what runs; then that a second run completes once the cause is gone.
import { execa, type ResultPromise } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { execProgram } from "../../src/exec.js";
import { isProcessAlive } from "../../src/fs/process-alive.js";
import { HOOK_PHASES } from "../../src/certbot/render-hook-shim.js";
import { readListeningSockets } from "../../src/install/listening-sockets.js";
import { findPrograms, requirePrograms } from "../world/programs.js";

const repo = path.resolve(import.meta.dirname, "../..");
const INSTALL = path.join(repo, "install.sh");
const BASH = "/bin/bash";
const PYTHON = "/usr/bin/python3";
const HOLD_PORT = path.join(import.meta.dirname, "fixtures/hold-port.py");
const OLD_NODE = path.join(import.meta.dirname, "fixtures/old-node-version.cjs");
const programs = requirePrograms();
const stockSite = "/etc/nginx/sites-available/default";
// nginx -t binds the listen sockets it tests: port 80 (the stock site's and Debian's case) needs root, as CI runs.
const asRoot = process.getuid?.() === 0;
const hasIpv6 = (() => {
  try {
    return readFileSync("/proc/net/if_inet6", "utf8").trim() !== "";
  } catch {
    return false;
  }
})();
const port80Free = asRoot && !programs.skip && (await readListeningSockets(execProgram)).every((socket) => socket.port !== 80);
// The longer cases (every kill point of an interrupted run, more ways for nginx to fail) run when .ci/run asks for
// them: `NGCERT_TEST_INSTALL=all npx vitest run test/install/install.test.ts -t NGCERT_TEST_INSTALL=all`.
const ALL = process.env.NGCERT_TEST_INSTALL === "all";
const MORE = "more cases (NGCERT_TEST_INSTALL=all)";

interface Root {
  dir: string;
  nginxDir: string;
  lib: string;
  bin: string;
  config: string;
  webroot: string;
}

async function makeRoot(options: { stockSite?: boolean } = {}): Promise<Root> {
  const dir = await mkdtemp(path.join(tmpdir(), "ngcert-install-"));
  // nginx's workers (nobody) must reach the webroot inside it, as they reach /var/www on a server.
  await chmod(dir, 0o755);
  const nginxDir = path.join(dir, "etc/nginx");
  for (const sub of ["conf.d", "sites-available", "sites-enabled", "snippets"]) await mkdir(path.join(nginxDir, sub), { recursive: true });
  await writeFile(
    path.join(nginxDir, "nginx.conf"),
    `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${nginxDir}/conf.d/*.conf;\n  include ${nginxDir}/sites-enabled/*;\n}\n`,
  );
  if (options.stockSite !== false && existsSync(stockSite)) {
    await cp(stockSite, path.join(nginxDir, "sites-available/default"));
    await symlink(stockSite, path.join(nginxDir, "sites-enabled/default"));
  }
  return {
    dir,
    nginxDir,
    lib: path.join(dir, "usr/local/lib/ngcert"),
    bin: path.join(dir, "usr/local/bin/ngcert"),
    config: path.join(dir, "etc/ngcert/config.json"),
    webroot: path.join(dir, "var/www/acme-challenge"),
  };
}

function install(root: Root, args: string[], env: Record<string, string> = {}) {
  return execa(BASH, [INSTALL, "--root", root.dir, ...args], { reject: false, env: { ...process.env, SUDO_UID: "", ...env } });
}

const lines = (text: string): string[] => text.split("\n").filter((line) => line.trim() !== "");
const lastLine = (text: string): string => lines(text).at(-1) ?? "";

/** Files and symlinks under the root with their contents (a link's target), nginx's own logs and pid file left out. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file);
    if (["error.log", "nginx.pid"].includes(relative)) continue;
    let text = entry.isSymbolicLink() ? `-> ${await readlink(file)}` : (await readFile(file, "utf8")).split(dir).join("<root>");
    // Hashes of content that holds the root's path differ from root to root.
    text = text.replace(/\b[0-9a-f]{64}\b/g, "<sha256>");
    // The manifest records intent before each step: a step interrupted and done again may be recorded twice.
    if (relative.endsWith("install-manifest")) text = [...new Set(text.split("\n"))].sort().join("\n");
    files[relative] = text;
  }
  return files;
}

function rootNginxPid(root: Root): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(root.dir, "nginx.pid"), "utf8").trim());
    return pid > 0 && isProcessAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops the nginx a test started with the root's configuration, and waits until it is gone. */
async function stopRootNginx(root: Root | undefined): Promise<void> {
  const pid = root && rootNginxPid(root);
  if (!pid) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 200 && isProcessAlive(pid); i++) await sleep(50);
}

async function port80Holders(): Promise<string[]> {
  return (await readListeningSockets(execProgram)).filter((socket) => socket.port === 80).flatMap((socket) => socket.holders.map((h) => `${h.program}/${h.pid}`));
}

interface Holder {
  pid: number;
  stop: () => Promise<void>;
}

/** Another program on port 80: python3 holding the sockets given as FAMILY,ADDRESS,PORT,V6ONLY. */
async function holdPort(...specs: string[]): Promise<Holder> {
  const child = execa(PYTHON, [HOLD_PORT, ...specs], { reject: false, stdin: "ignore", buffer: false });
  const ready = await new Promise<boolean>((resolve) => {
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(line === "ready"));
    void child.then(() => resolve(false));
  });
  if (!ready) throw new Error(`could not hold ${specs.join(" ")}`);
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await child;
  };
  return { pid: child.pid!, stop };
}

/** install.sh, with each line it prints passed to `onLine` as it comes. */
async function installWatching(root: Root, args: string[], onLine: (line: string) => void): Promise<{ exitCode: number | undefined; stderr: string }> {
  const child = execa(BASH, [INSTALL, "--root", root.dir, ...args], { reject: false, buffer: false, env: { ...process.env, SUDO_UID: "" }, stdout: "ignore" });
  const seen: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => {
    seen.push(line);
    onLine(line);
  });
  const result = await child;
  return { exitCode: result.exitCode, stderr: seen.join("\n") };
}

/** install.sh killed (SIGKILL to its whole process group, as an interrupted terminal would) after the line `at` picks. */
async function installKilledAfter(root: Root, args: string[], at: (line: string, index: number) => boolean): Promise<string[]> {
  const child: ResultPromise = execa(BASH, [INSTALL, "--root", root.dir, ...args], { reject: false, detached: true, buffer: false, env: { ...process.env, SUDO_UID: "" }, stdout: "ignore" });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    const reader = createInterface({ input: child.stderr! });
    reader.on("line", (line) => {
      seen.push(line);
      if (at(line, seen.length - 1)) {
        process.kill(-child.pid!, "SIGKILL");
        resolve();
      }
    });
    void child.then(() => resolve());
  });
  await child;
  return seen;
}

describe.skipIf(programs.skip)(`install.sh --root${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let root: Root;
  const mounts: string[] = [];
  beforeEach(async () => {
    root = await makeRoot();
  });
  afterEach(async () => {
    for (const mount of mounts.splice(0)) await execa("umount", [mount], { reject: false });
    await rm(root.dir, { recursive: true, force: true });
  });

  it.skipIf(!asRoot)("installs the bundle, the command, the config, the hooks and the unit with absolute paths; a second run changes nothing", async () => {
    const first = await install(root, ["--email", "ops@example.com", "--http-port", "80"]);
    expect(first.exitCode, first.stderr).toBe(0);
    // Every line says which step it belongs to (init's own lines too), and the last one that it is done.
    for (const line of lines(first.stderr)) expect(line).toMatch(/^install\.sh: [a-z ]+: /);
    expect(lastLine(first.stderr)).toBe(`install.sh: done: ngcert ${JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")).version} is installed as ${root.bin}`);

    for (const file of ["cli.js", "ngcert.js", "ngcert.js.cache", "ngcert.js.map", "THIRD-PARTY-LICENSES.txt"]) {
      // Buffer.equals: toEqual walks a megabyte element by element.
      expect((await readFile(path.join(root.lib, file))).equals(await readFile(path.join(repo, "dist", file))), file).toBe(true);
    }
    // The command runs the bundle with the node that ran install.sh, whatever PATH its caller has (cron has no node).
    // `--version` alone is answered by the wrapper itself, with the version the bundle states: no Node.js start-up.
    const packageVersion = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")).version as string;
    expect(await readFile(root.bin, "utf8")).toBe(
      `#!/bin/sh\n# ngcert, installed by install.sh: the bundle, run by the Node.js that ran install.sh (not the one on PATH).\n` +
        `if [ "$#" -eq 1 ] && [ "$1" = --version ]; then echo ${packageVersion}; exit 0; fi\nexec ${process.execPath} ${root.lib}/cli.js "$@"\n`,
    );
    const version = await execa(root.bin, ["--version"], { env: { PATH: "/nonexistent" }, extendEnv: false });
    expect(version.stdout).toBe(packageVersion);
    expect((await execa(process.execPath, [path.join(root.lib, "cli.js"), "--version"])).stdout).toBe(packageVersion);
    // The installed program starts from V8's code cache: the one beside it was made by (or for) this Node.js.
    const loads = await execa(process.execPath, ["-e", `process.stdout.write(String(require(${JSON.stringify(path.join(root.lib, "cli.js"))}).compileProgram().cacheUsed))`]);
    expect(loads.stdout).toBe("true");

    const config = JSON.parse(await readFile(root.config, "utf8"));
    const found = findPrograms();
    expect(config).toMatchObject({ "email": "ops@example.com", "http-port": 80, "nginx-dir": path.join(root.dir, "etc/nginx"), "nginx-bin": found.found ? found.programs.nginx : "" });
    expect(config["certbot-bin"]).toMatch(/^\/.*\/certbot$/);
    // What certbot runs is hooks/<phase> of the repository with the paths filled in.
    for (const phase of HOOK_PHASES) {
      const hook = await readFile(path.join(root.dir, "etc/letsencrypt/renewal-hooks", phase, "ngcert"), "utf8");
      const template = readFileSync(path.join(repo, "hooks", phase), "utf8");
      const expected = template.replace("@NODE@", process.execPath).replace("@NGCERT_CLI@", `${root.lib}/cli.js`).replace(/\n$/, ` --config ${root.config}\n`);
      expect(hook.replace(/^# ngcert-owned sha256:[0-9a-f]{64}\n/m, "")).toBe(expected);
    }
    const unit = await readFile(path.join(root.dir, "etc/systemd/system/ngcert-watch.service"), "utf8");
    expect(unit).toContain(`\nExecStart=${process.execPath} ${root.lib}/cli.js watch --config ${root.config}\n`);
    expect(unit).toContain(`# ${process.execPath} is the Node.js that ran install.sh`);
    expect(unit).toContain("Restart=on-failure");
    expect(first.stderr).toContain(`install.sh: watch service: wrote ${root.dir}/etc/systemd/system/ngcert-watch.service (ExecStart runs ${process.execPath})`);
    expect(first.stderr).toContain("install.sh: watch service: skipped: starting ngcert-watch.service (systemd is not running here)");

    const before = await snapshot(root.dir);
    const second = await install(root, []);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain("install.sh: ngcert init: Nothing to change");
    expect(second.stderr).not.toMatch(/: installed |: wrote /);
    expect(await snapshot(root.dir)).toEqual(before);
    // Over an older install, whose cli.js was the whole program with cli.js.map beside it: that map goes.
    await writeFile(path.join(root.lib, "cli.js.map"), "{}\n");
    const upgrade = await install(root, []);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(upgrade.stderr).toContain(`install.sh: bundle: installed ${root.lib}/cli.js, the program ngcert.js it runs, its code cache, its source map and THIRD-PARTY-LICENSES.txt`);
    expect(existsSync(path.join(root.lib, "cli.js.map"))).toBe(false);
    expect(await snapshot(root.dir)).toEqual(before);
    // A later run with one option keeps the others.
    expect((await install(root, ["--staging"])).exitCode).toBe(0);
    expect(JSON.parse(await readFile(root.config, "utf8"))).toMatchObject({ email: "ops@example.com", staging: true });
  });

  it.skipIf(!existsSync(stockSite) || !asRoot)("disables the unmodified Debian default site and --uninstall puts everything back", async () => {
    const before = await snapshot(root.dir);
    const result = await install(root, ["--http-port", "80"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(path.join(root.nginxDir, "sites-enabled/default"))).toBe(false);
    const removed = await install(root, ["--uninstall"]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(lastLine(removed.stderr)).toBe("install.sh: done: ngcert is uninstalled");
    expect((await lstat(path.join(root.nginxDir, "sites-enabled/default"))).isSymbolicLink()).toBe(true);
    expect(await snapshot(root.dir)).toEqual(before);
    // Uninstalling what is not there is no error.
    const again = await install(root, ["--uninstall"]);
    expect([again.exitCode, lastLine(again.stderr)]).toEqual([0, `install.sh: uninstall: nothing to remove: ${root.lib}/install-manifest does not exist (install.sh has not installed ngcert here)`]);
  });

  it.skipIf(!asRoot)("leaves a modified default site alone, and stops where init names the clash", async () => {
    const site = path.join(root.nginxDir, "sites-enabled/default");
    await rm(site);
    await writeFile(site, "server {\n  listen 80 default_server;\n  server_name _;\n  return 404;\n}\n");
    const result = await install(root, ["--http-port", "80"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("is not the unmodified package file");
    expect(result.stderr).toContain(`install.sh: ngcert init:   ${site}:2: listen *:80 default_server`);
    expect(lastLine(result.stderr)).toBe("install.sh: ngcert init: stopped (its reason is above): fix that, then run install.sh again");
    expect(existsSync(path.join(root.nginxDir, "conf.d/ngcert-acme.conf"))).toBe(false);
    expect(result.stderr).not.toMatch(/watch service|done/);
  });

  it("refuses bad options with exit 2 before it changes anything", async () => {
    const before = await snapshot(root.dir);
    const cases: [string[], string][] = [
      [["--bogus"], "install.sh: unknown option: --bogus (see ./install.sh --help)"],
      [["--http-port", "eighty"], 'install.sh: --http-port "eighty" is not a port number (1-65535) (see ./install.sh --help)'],
      [["--webroot", "srv/acme"], 'install.sh: --webroot "srv/acme" is not an absolute path (see ./install.sh --help)'],
      [["--email"], "install.sh: --email needs a value (see ./install.sh --help)"],
      // Judged by ngcert itself, as every command judges its settings.
      [["--email", "ops@@example.com"], "install.sh: --email: "],
      [["--staging", "--server", "https://acme.example/directory"], "install.sh: --staging and --server both choose the ACME server: give only one (nothing was installed)"],
    ];
    for (const [args, message] of cases) {
      const result = await install(root, args);
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(lastLine(result.stderr)).toContain(message);
    }
    const alone = await execa(BASH, [INSTALL, "--start-nginx"], { reject: false });
    expect([alone.exitCode, lastLine(alone.stderr)]).toEqual([2, "install.sh: --start-nginx goes with --root (an install on / always starts nginx) (see ./install.sh --help)"]);
    expect(await snapshot(root.dir)).toEqual(before);
  });

  it("--help lists every option install.sh accepts", async () => {
    const script = readFileSync(INSTALL, "utf8");
    // The labels of the option parser's case: `--email | --server | ...)`.
    const accepted = [...script.matchAll(/^ {4}((?:-h \| )?--[a-z-]+(?: \| --[a-z-]+)*)\)$/gm)].flatMap((match) => match[1]!.split(" | "));
    expect(accepted).toEqual(expect.arrayContaining(["--email", "--root", "--uninstall", "--start-nginx", "-h", "--help"]));
    const help = await execa(BASH, [INSTALL, "--help"]);
    for (const option of accepted) expect(help.stdout, option).toMatch(new RegExp(`^ {2}(-h, )?${option}\\b`, "m"));
  });

  it("stops at the node step when node is not on PATH, or too old, and changes nothing", async () => {
    // A PATH with the tools install.sh uses before its node check, and no node.
    const tools = path.join(root.dir, "..", `${path.basename(root.dir)}-path`);
    await mkdir(tools);
    try {
      for (const tool of ["bash", "dirname", "mktemp", "rm", "sed", "grep", "tail", "cat", "id", "env", "head"]) {
        const real = ["/usr/bin", "/bin"].map((dir) => path.join(dir, tool)).find((file) => existsSync(file));
        if (real) await symlink(real, path.join(tools, tool));
      }
      const before = await snapshot(root.dir);
      const missing = await install(root, [], { PATH: tools });
      expect(missing.exitCode).toBe(1);
      expect(lastLine(missing.stderr)).toMatch(new RegExp(`^install\\.sh: node: Node\\.js is not on PATH \\(${tools}\\): ngcert needs Node\\.js 20\\.19 or newer`));
      expect(await snapshot(root.dir)).toEqual(before);

      // The real node, reporting an old version (preloaded): the check reads the version node itself reports.
      await writeFile(path.join(tools, "node"), `#!/bin/sh\nexec ${process.execPath} -r ${OLD_NODE} "$@"\n`, { mode: 0o755 });
      const old = await install(root, [], { PATH: tools });
      expect(old.exitCode).toBe(1);
      expect(lastLine(old.stderr)).toBe(`install.sh: node: Node.js 18.19.0 (${tools}/node) is too old: ngcert needs 20.19 or newer (Debian 13 ships it; elsewhere NodeSource or nvm), then run install.sh again`);
      expect(await snapshot(root.dir)).toEqual(before);
    } finally {
      await rm(tools, { recursive: true, force: true });
    }
  });

  it.skipIf(!asRoot)("stops with the cause when the target directory is read-only, and --uninstall cleans up after it", async () => {
    // A read-only file system where the bundle goes: nothing at all is written.
    await mkdir(path.join(root.dir, "usr"));
    await execa("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", path.join(root.dir, "usr")]);
    mounts.push(path.join(root.dir, "usr"));
    const before = await snapshot(root.dir);
    const bundle = await install(root, ["--http-port", "80"]);
    expect(bundle.exitCode).toBe(1);
    expect(lastLine(bundle.stderr)).toBe(`install.sh: bundle: cannot create ${root.lib}: Read-only file system; make it writable, then run install.sh again`);
    expect(await snapshot(root.dir)).toEqual(before);

    // Read-only where the config goes: the bundle is installed, the config is not; --uninstall removes the bundle.
    await execa("umount", [mounts.pop()!]);
    await mkdir(path.dirname(root.config), { recursive: true });
    await execa("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", path.dirname(root.config)]);
    mounts.push(path.dirname(root.config));
    const clean = await snapshot(root.dir);
    const config = await install(root, ["--http-port", "80"]);
    expect(config.exitCode).toBe(1);
    expect(lastLine(config.stderr)).toMatch(new RegExp(`^install\\.sh: config: cannot write ${root.config}: .*Read-only file system; make it writable, then run install.sh again$`));
    expect(existsSync(path.join(root.lib, "cli.js"))).toBe(true);
    expect(existsSync(path.join(root.nginxDir, "conf.d/ngcert-acme.conf"))).toBe(false);
    const removed = await install(root, ["--uninstall"]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(await snapshot(root.dir)).toEqual(clean);
  });
});

/** Kills install.sh after each chosen line of an uninterrupted run; each time --uninstall, then a second run, complete. */
async function checkInterrupted(pick: (output: string[]) => number[], roots: Root[]): Promise<void> {
  const reference = await makeRoot();
  roots.push(reference);
  const pristine = await snapshot(reference.dir);
  const full = await install(reference, ["--http-port", "80"]);
  expect(full.exitCode, full.stderr).toBe(0);
  const installed = await snapshot(reference.dir);
  const output = lines(full.stderr);
  const killPoints = pick(output);
  expect(killPoints.length > 0 && killPoints.every((n) => n > 0)).toBe(true);
  for (const n of killPoints) {
    const where = `killed after "${output[n - 1]}"`;
    // Interrupted, then --uninstall: back to the untouched tree.
    const first = await makeRoot();
    roots.push(first);
    await installKilledAfter(first, ["--http-port", "80"], (_, i) => i === n - 1);
    const uninstall = await install(first, ["--uninstall"]);
    expect(uninstall.exitCode, `${where}: ${uninstall.stderr}`).toBe(0);
    expect(await snapshot(first.dir), where).toEqual(pristine);
    // Interrupted, then a second run: the same installation as an uninterrupted run; then --uninstall.
    const second = await makeRoot();
    roots.push(second);
    await installKilledAfter(second, ["--http-port", "80"], (_, i) => i === n - 1);
    const rerun = await install(second, ["--http-port", "80"]);
    expect(rerun.exitCode, `${where}: ${rerun.stderr}`).toBe(0);
    expect(await snapshot(second.dir), where).toEqual(installed);
    expect((await install(second, ["--uninstall"])).exitCode, where).toBe(0);
    expect(await snapshot(second.dir), where).toEqual(pristine);
    for (const root of roots.splice(1)) await rm(root.dir, { recursive: true, force: true });
  }
}

describe.skipIf(programs.skip || !asRoot)("an interrupted install.sh", () => {
  const roots: Root[] = [];
  afterEach(async () => {
    for (const root of roots.splice(0)) await rm(root.dir, { recursive: true, force: true });
  });

  it("killed while ngcert init writes, leaves nothing that stops --uninstall or the next run", async () => {
    await checkInterrupted((output) => [output.findIndex((line) => /: ngcert init: created .*snippets/.test(line)) + 1], roots);
  });

  describe.skipIf(!ALL)(MORE, () => {
    it("killed after every line it prints, leaves nothing that stops --uninstall or the next run", async () => {
      await checkInterrupted((output) => output.map((_, i) => i + 1).slice(0, -1), roots);
    }, 1_800_000);
  });
});

describe.skipIf(!port80Free || !existsSync(PYTHON))("install.sh --root --start-nginx on the machine's port 80", () => {
  let root: Root | undefined;
  const holders: Holder[] = [];
  beforeAll(async () => {
    expect(await port80Holders()).toEqual([]);
  });
  afterEach(async () => {
    for (const holder of holders.splice(0)) await holder.stop();
    await stopRootNginx(root);
    if (root) await rm(root.dir, { recursive: true, force: true });
    root = undefined;
    // The machine as it was: nothing on port 80.
    expect(await port80Holders()).toEqual([]);
  });
  const hold = async (...specs: string[]): Promise<Holder> => {
    const holder = await holdPort(...specs);
    holders.push(holder);
    return holder;
  };
  const confirmed = (pid: number): string =>
    `install.sh: confirm nginx: nginx (pid ${pid}) listens on 0.0.0.0:80${hasIpv6 ? ", [::]:80" : ""}, and the challenge path answers through it on 127.0.0.1${hasIpv6 ? " and [::1]" : ""}`;
  const challenge = async (address: string, token: string): Promise<number> => {
    const response = await fetch(`http://${address}/.well-known/acme-challenge/${token}`, { headers: { Host: "example.test" } }).catch(() => undefined);
    return response ? response.status : 0;
  };

  it("starts nginx and confirms where it listens and that the challenge path answers; --uninstall reloads it without ngcert", async () => {
    root = await makeRoot();
    const result = await install(root, ["--start-nginx"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const pid = rootNginxPid(root)!;
    expect(pid).toBeDefined();
    expect(result.stderr).toContain(`install.sh: ports: free for nginx: 0.0.0.0:80${hasIpv6 ? ", [::]:80" : ""}\n`);
    expect(result.stderr).toContain(`install.sh: start nginx: started nginx with ${root.nginxDir}/nginx.conf\n`);
    expect(result.stderr).toContain(`${confirmed(pid)}\n`);
    // What the confirmation claims, seen from outside: a token in the webroot is served on both families.
    await mkdir(path.join(root.webroot, ".well-known/acme-challenge"), { recursive: true });
    await writeFile(path.join(root.webroot, ".well-known/acme-challenge/token-1"), "token-1");
    expect(await challenge("127.0.0.1", "token-1")).toBe(200);
    if (hasIpv6) expect(await challenge("[::1]", "token-1")).toBe(200);

    const again = await install(root, ["--start-nginx"]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain(`install.sh: start nginx: nginx already runs (pid ${pid})\n`);
    expect(again.stderr).toContain(`${confirmed(pid)}\n`);

    const removed = await install(root, ["--uninstall"]);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stderr).toContain(`install.sh: reload nginx: nginx reloaded without ngcert's files: nginx (pid ${pid}) listens on 0.0.0.0:80${hasIpv6 ? ", [::]:80" : ""}\n`);
    // nginx was never stopped, and no longer answers the challenge path from ngcert's webroot: the reload took.
    expect(rootNginxPid(root)).toBe(pid);
    expect(existsSync(path.join(root.nginxDir, "conf.d/ngcert-acme.conf"))).toBe(false);
    expect(await challenge("127.0.0.1", "token-1")).toBe(404);
  });

  const heldCases: { name: string; specs: string[]; shown: string[]; needsIpv6: boolean; more?: boolean }[] = [
    { name: "IPv4 only", specs: ["4,0.0.0.0,80,0"], shown: ["0.0.0.0:80"], needsIpv6: false },
    { name: "IPv6 only", specs: ["6,::,80,1"], shown: ["[::]:80"], needsIpv6: true },
    { name: "IPv4 and IPv6, two sockets", specs: ["4,0.0.0.0,80,0", "6,::,80,1"], shown: ["0.0.0.0:80", "[::]:80"], needsIpv6: true },
    { name: "IPv4 and IPv6, one dual-stack socket", specs: ["6,::,80,0"], shown: ["*:80 (IPv4 and IPv6)"], needsIpv6: true, more: true },
  ];
  for (const held of heldCases) {
    it.skipIf((held.needsIpv6 && !hasIpv6) || (held.more === true && !ALL))(`${held.more ? `${MORE}: ` : ""}stops before nginx starts when another program holds port 80 on ${held.name}${held.name === "IPv4 only" ? ", and completes once it is gone" : ""}`, async () => {
      root = await makeRoot();
      const holder = await hold(...held.specs);
      const result = await install(root, ["--start-nginx"]);
      expect(result.exitCode).toBe(1);
      const by = held.shown.map((socket) => `${socket.replace(/[.*()[\]]/g, "\\$&")} by python3[.\\d]* \\(pid ${holder.pid}\\)`).join(", ");
      expect(lastLine(result.stderr)).toMatch(
        new RegExp(`^install\\.sh: ports: port 80 taken where nginx must listen: ${by}; stop that program \\(a leftover \`certbot --standalone\`, Apache, a development server\\?\\), or give install\\.sh other ports or one address \\(--http-port, --https-port, --listen-address\\); then run install\\.sh again$`),
      );
      // Nothing after the failed step: nginx not started, init not run; the other program untouched.
      expect(rootNginxPid(root)).toBeUndefined();
      expect(existsSync(path.join(root.nginxDir, "conf.d/ngcert-acme.conf"))).toBe(false);
      expect(result.stderr).not.toMatch(/ngcert init:|start nginx:|done:/);
      expect(await port80Holders()).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^python3[.\\d]*/${holder.pid}$`))]));

      if (held.name !== "IPv4 only") return; // one second run is enough to show the way out
      await holder.stop();
      const second = await install(root, ["--start-nginx"]);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(lastLine(second.stderr)).toMatch(/^install\.sh: done: /);
      expect(second.stderr).toContain(`${confirmed(rootNginxPid(root)!)}\n`);
    });
  }

  it("stops when a foreign file in conf.d makes nginx -t fail, before anything starts", async () => {
    root = await makeRoot();
    const broken = path.join(root.nginxDir, "conf.d/zz-broken.conf");
    await writeFile(broken, "bogus_directive on;\n");
    const result = await install(root, ["--start-nginx"]);
    expect(result.exitCode).toBe(1);
    expect(lastLine(result.stderr)).toBe(`install.sh: nginx configuration: nginx -t fails: unknown directive "bogus_directive" in ${broken}:1: fix that file (or move it aside), then run install.sh again`);
    expect(rootNginxPid(root)).toBeUndefined();
    expect(existsSync(path.join(root.nginxDir, "conf.d/ngcert-acme.conf"))).toBe(false);
    expect(result.stderr).not.toMatch(/ports:|ngcert init:|start nginx:|done:/);
  });

  describe.skipIf(!ALL)(MORE, () => {
    it("stops when nginx does not start because a program took port 80 after the check, naming nginx's reason and the program", async () => {
      root = await makeRoot();
      // nginx -t does not mind a port in use, starting does: the other program binds between the check and the start.
      let holder: Promise<Holder> | undefined;
      const result = await installWatching(root, ["--start-nginx"], (line) => {
        if (line.startsWith("install.sh: ports: free for nginx")) holder = hold("4,0.0.0.0,80,0");
      });
      const pid = (await holder!).pid;
      expect(result.exitCode).toBe(1);
      expect(lastLine(result.stderr)).toMatch(
        new RegExp(
          "^install\\.sh: start nginx: nginx did not start: \\[emerg\\] bind\\(\\) to 0\\.0\\.0\\.0:80 failed \\(98: Address already in use\\); " +
            `port 80 taken where nginx must listen: 0\\.0\\.0\\.0:80 by python3[.\\d]* \\(pid ${pid}\\); stop that program`,
        ),
      );
      expect(rootNginxPid(root)).toBeUndefined();
      expect(result.stderr).not.toMatch(/confirm nginx:|done:/);
      await holders.pop()!.stop();
      const second = await install(root, ["--start-nginx"]);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).toContain(`${confirmed(rootNginxPid(root)!)}\n`);
    });

    it("does not call it done when the challenge path does not answer through the nginx it started", async () => {
      root = await makeRoot();
      // nginx's workers (nobody) cannot enter a 0700 directory: the webroot inside it answers 404.
      await chmod(root.dir, 0o700);
      const result = await install(root, ["--start-nginx"]);
      expect(result.exitCode).toBe(1);
      const pid = rootNginxPid(root)!;
      expect(lastLine(result.stderr)).toBe(
        `install.sh: confirm nginx: the challenge path does not answer through nginx (pid ${pid}): 127.0.0.1: HTTP 404${hasIpv6 ? "; [::1]: HTTP 404" : ""}; ` +
          `check that ${root.nginxDir}/conf.d/ngcert-acme.conf is loaded and that nothing in front of nginx answers on port 80, then run install.sh again`,
      );
      expect(result.stderr).not.toMatch(/done:/);
      await chmod(root.dir, 0o755);
      const second = await install(root, ["--start-nginx"]);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).toContain(`${confirmed(pid)}\n`);
    });

    it("reloads, through ngcert, an nginx that does not listen where its configuration says", async () => {
      root = await makeRoot({ stockSite: false });
      // nginx runs with a site on port 8080; then the site moves to port 80 on disk, and nobody reloads.
      const site = path.join(root.nginxDir, "sites-enabled/app");
      await writeFile(site, "server {\n  listen 8080;\n  return 204;\n}\n");
      const found = findPrograms();
      if (!found.found) throw new Error("nginx is missing");
      await execa(found.programs.nginx, ["-c", path.join(root.nginxDir, "nginx.conf")]);
      const pid = rootNginxPid(root)!;
      await writeFile(site, "server {\n  listen 80;\n  return 204;\n}\n");
      const result = await install(root, ["--start-nginx", "--no-init"]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toContain("install.sh: confirm nginx: nginx did not listen where its configuration says: reloaded it through ngcert\n");
      expect(result.stderr).toContain(`install.sh: confirm nginx: nginx (pid ${pid}) listens on 0.0.0.0:80\n`);
      expect(rootNginxPid(root)).toBe(pid);
    });

    it("--uninstall after a run killed once it had started nginx: ngcert's files gone, nginx reloaded, still running", async () => {
      root = await makeRoot();
      const pristine = await snapshot(root.dir);
      const seen = await installKilledAfter(root, ["--start-nginx"], (line) => line.startsWith("install.sh: start nginx: started nginx"));
      expect(seen.at(-1)).toMatch(/^install\.sh: start nginx: started nginx/);
      const pid = rootNginxPid(root)!;
      expect(pid).toBeDefined();
      const removed = await install(root, ["--uninstall"]);
      expect(removed.exitCode, removed.stderr).toBe(0);
      expect(removed.stderr).toContain(`install.sh: reload nginx: nginx reloaded without ngcert's files: nginx (pid ${pid}) listens on`);
      expect(rootNginxPid(root)).toBe(pid);
      expect(await snapshot(root.dir)).toEqual(pristine);
    });
  });
});
