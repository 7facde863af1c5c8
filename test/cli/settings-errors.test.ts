// Settings through the CLI: which source wins, and a bad value from any source stops the run with exit 2 and one
// message naming where it came from.
import { execFileSync } from "node:child_process";
import { mkdir, rm, rmdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeLineage } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { FIXED_NOW, runNgcert } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, scrubRoot, type Workspace } from "../helpers/workspace.js";

let ca: TestCert;
let leaf: TestCert;
beforeAll(async () => {
  ca = await makeCa({ name: "Test R1" });
  leaf = await makeLeaf({ domains: ["a.example"], issuer: ca, notBefore: new Date(FIXED_NOW.getTime() - days(30)), notAfter: new Date(FIXED_NOW.getTime() + days(60)) });
});

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

const writeConfig = (config: unknown): Promise<void> => writeFile(workspace.configPath, typeof config === "string" ? config : JSON.stringify(config));
const run = async (args: string[], env: Record<string, string> = {}) => {
  const result = await runNgcert(["status", ...args, "--config", workspace.configPath, "--cache-dir", workspace.cacheDir], { env, cwd: workspace.root });
  return { ...result, stderr: scrubRoot(result.stderr, workspace) };
};

/** Three letsencrypt dirs, each with one lineage named after it, to see which one a run used. */
async function letsencryptDirs(): Promise<void> {
  for (const name of ["from-flag", "from-env", "from-config"]) {
    await mkdir(path.join(workspace.root, name));
    await writeLineage(path.join(workspace.root, name), { name, leaf, chain: [ca] });
  }
}
const shown = (stdout: string): string[] => (JSON.parse(stdout) as { certificates: { name: string }[] }).certificates.map((cert) => cert.name);

describe("settings precedence through the CLI", () => {
  beforeEach(letsencryptDirs);

  it("flag > NGCERT_LETSENCRYPT_DIR > config file", async () => {
    await writeConfig({ "letsencrypt-dir": path.join(workspace.root, "from-config") });
    const env = { NGCERT_LETSENCRYPT_DIR: path.join(workspace.root, "from-env") };
    expect(shown((await run(["--json", "--letsencrypt-dir", path.join(workspace.root, "from-flag")], env)).stdout)).toEqual(["from-flag"]);
    expect(shown((await run(["--json"], env)).stdout)).toEqual(["from-env"]);
    expect(shown((await run(["--json"])).stdout)).toEqual(["from-config"]);
  });

  it("resolves relative paths, --config included, against the working directory", async () => {
    await writeFile(path.join(workspace.root, "relative.json"), JSON.stringify({ "letsencrypt-dir": "from-config" }));
    const result = await runNgcert(["status", "--json", "--config", "relative.json", "--cache-dir", "cache"], { cwd: workspace.root });
    expect(shown(result.stdout)).toEqual(["from-config"]);
    const flag = await runNgcert(["status", "--json", "--letsencrypt-dir", "./from-flag", "--config", "relative.json", "--cache-dir", "cache"], { cwd: workspace.root });
    expect(shown(flag.stdout)).toEqual(["from-flag"]);
  });

  it("takes the last of a repeated flag", async () => {
    const result = await run(["--json", "--letsencrypt-dir", path.join(workspace.root, "from-env"), "--letsencrypt-dir", path.join(workspace.root, "from-flag")]);
    expect(shown(result.stdout)).toEqual(["from-flag"]);
  });

  it("is happy without a config file", async () => {
    const result = await run(["--json", "--letsencrypt-dir", path.join(workspace.root, "from-flag")]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
  });
});

describe("bad settings through the CLI: exit 2, one message naming the source", () => {
  it("names the flag", async () => {
    const result = await run(["--letsencrypt-dir", workspace.letsencryptDir, "--https-port", "0"]);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toMatchInlineSnapshot(`
      "ngcert: --https-port: "0" is not a port number (1-65535)
      Run \`ngcert --help\` for usage.
      "
    `);
  });

  it("names the environment variable", async () => {
    const result = await run(["--letsencrypt-dir", workspace.letsencryptDir], { NGCERT_LISTEN_ADDRESS: "localhost" });
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toMatchInlineSnapshot(`
      "ngcert: environment variable NGCERT_LISTEN_ADDRESS: \`localhost\` is not an IPv4 or IPv6 address
      "
    `);
  });

  it("names the config key and the file", async () => {
    await writeConfig({ email: "ops at example.com" });
    const result = await run(["--letsencrypt-dir", workspace.letsencryptDir]);
    expect([result.code, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toMatchInlineSnapshot(`
      "ngcert: "email" in <root>/config.json: \`ops at example.com\` is not an e-mail address
      "
    `);
  });

  it("checks every setting, even those status does not use", async () => {
    const result = await run(["--letsencrypt-dir", workspace.letsencryptDir], { NGCERT_RELOAD_CMD: "nginx -s 'reload" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("ngcert: environment variable NGCERT_RELOAD_CMD: `nginx -s 'reload` has an unclosed ' quote\n");
  });

  it("refuses an unknown key in the config file", async () => {
    await writeConfig({ "lets-encrypt-dir": "/etc/letsencrypt" });
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ngcert: <root>\/config\.json: unknown setting "lets-encrypt-dir"; settings are named after the long flags: letsencrypt-dir, .*\n$/);
  });

  it("refuses a config file that is not JSON, or not an object", async () => {
    await writeConfig("{ webroot: '/var/www' }");
    const notJson = await run([]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^ngcert: config file <root>\/config\.json is not valid JSON: .+\n$/);
    await writeConfig(["--webroot", "/var/www"]);
    expect(await run([])).toEqual({ code: 2, stdout: "", stderr: 'ngcert: config file <root>/config.json must hold a JSON object such as {"email": "ops@example.com"}\n' });
  });

  it("refuses a config file that cannot be read, or is not a file: a FIFO or a device is not read (it would block, or never end)", async () => {
    await mkdir(workspace.configPath);
    expect(await run([])).toEqual({ code: 2, stdout: "", stderr: "ngcert: cannot read config file <root>/config.json: it is a directory\n" });
    await rmdir(workspace.configPath);
    execFileSync("mkfifo", [workspace.configPath]);
    expect(await run([])).toEqual({ code: 2, stdout: "", stderr: "ngcert: cannot read config file <root>/config.json: it is a FIFO, not a regular file\n" });
    await rm(workspace.configPath);
    await symlink("/dev/zero", workspace.configPath);
    expect(await run([])).toEqual({ code: 2, stdout: "", stderr: "ngcert: cannot read config file <root>/config.json: it is a character device, not a regular file\n" });
  });

  it("refuses --staging with --server, and a non-boolean staging in the config file", async () => {
    const both = await run(["--letsencrypt-dir", workspace.letsencryptDir, "--staging", "--server", "https://ca.test/dir"]);
    expect([both.code, both.stderr]).toEqual([2, "ngcert: --staging and --server both choose the ACME server: give only one\nRun `ngcert --help` for usage.\n"]);
    await writeConfig({ staging: "true" });
    const config = await run(["--letsencrypt-dir", workspace.letsencryptDir]);
    expect([config.code, config.stderr]).toEqual([2, 'ngcert: <root>/config.json: "staging" must be true or false, not "true"\n']);
    await writeConfig({ staging: true });
    expect((await run(["--letsencrypt-dir", workspace.letsencryptDir, "--no-staging"])).code).toBe(0);
  });

  it("prints no stack trace unless --verbose", async () => {
    const quiet = await run(["--http-port", "x"]);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const verbose = await run(["--http-port", "x", "--verbose"]);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/^ngcert: --http-port: "x" is not a port number \(1-65535\)\n/);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});

describe("command line errors", () => {
  it("wants a command, and a known one", async () => {
    expect(await runNgcert([])).toEqual({ code: 2, stdout: "", stderr: "ngcert: give a command; `ngcert --help` lists them\nRun `ngcert --help` for usage.\n" });
    const unknown = await runNgcert(["stauts"]);
    expect([unknown.code, unknown.stdout]).toEqual([2, ""]);
    expect(unknown.stderr).toMatch(/^ngcert: /);
  });

  it("refuses a flag without its value", async () => {
    expect(await runNgcert(["status", "--letsencrypt-dir"])).toEqual({
      code: 2,
      stdout: "",
      stderr: "ngcert: Not enough arguments following: letsencrypt-dir\nRun `ngcert --help` for usage.\n",
    });
  });
});
