// The built bundle (`node dist/cli.js`, what install.sh installs) behaves like the in-process CLI: same text, same
// exit codes, same JSON — including when status reads many lineages on reader threads, which run the bundle again.
// It is readable, its stack traces point at src/ through its source map, and it carries its dependencies' licences.
import { readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { writeLineage } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { BUNDLE, PROGRAM, assertBundleBuilt, runBundle } from "../helpers/run-bundle.js";
import { runNgcert } from "../helpers/run-cli.js";
import { execProgram } from "../../src/exec.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
const REPO = path.resolve(import.meta.dirname, "../..");
const THREAD_PROBE = path.join(import.meta.dirname, "fixtures/reader-thread-probe.cjs");
const COMMAND_PROBE = path.join(import.meta.dirname, "fixtures/command-thread-probe.cjs");

// The bundle runs on the real clock, so these certificates are made around it, half a day from any day boundary.
let intermediate: TestCert;
let leaves: TestCert[];
beforeAll(async () => {
  assertBundleBuilt();
  intermediate = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Test Root X1" }) });
  const now = Date.now();
  leaves = await Promise.all(
    [60.5, 10.5, -2.5].map((left, i) => makeLeaf({ domains: [`site-${i}.example`], issuer: intermediate, notBefore: new Date(now + days(left - 90)), notAfter: new Date(now + days(left)) })),
  );
});

// The help text wraps at the terminal's width; the bundle has none, so neither may the in-process run.
let columns: PropertyDescriptor | undefined;
beforeAll(() => {
  columns = Object.getOwnPropertyDescriptor(process.stdout, "columns");
  Object.defineProperty(process.stdout, "columns", { value: undefined, configurable: true, writable: true });
});
afterAll(() => {
  if (columns) Object.defineProperty(process.stdout, "columns", columns);
  else delete (process.stdout as { columns?: number }).columns;
});

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

const inProcess = (argv: string[]) => runNgcert(argv, { now: new Date(), cwd: workspace.root });
const bundled = (argv: string[]) => runBundle(argv, { cwd: workspace.root });

describe("dist/cli.js", () => {
  it("prints the package version", async () => {
    expect(await bundled(["--version"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  it("prints the same status help", async () => {
    const bundle = await bundled(["status", "--help"]);
    expect(bundle.code).toBe(0);
    expect(bundle.stdout).toContain("--warn-days");
    expect(bundle).toEqual(await inProcess(["status", "--help"]));
  });

  it("fails usage errors the same way, exit 2", async () => {
    for (const argv of [["status", "--bogus"], [], ["status", "--warn-days", "soon", ...workspace.args], ["status", "--http-port", "http", ...workspace.args]]) {
      const bundle = await bundled(argv);
      expect(bundle.code).toBe(2);
      expect(bundle).toEqual(await inProcess(argv));
    }
  });

  it("fails on a missing letsencrypt dir in one line, exit 2", async () => {
    await rm(workspace.letsencryptDir, { recursive: true });
    const bundle = await bundled(["status", ...workspace.args]);
    expect(bundle).toEqual({ code: 2, stdout: "", stderr: `ngcert: letsencrypt dir ${workspace.letsencryptDir} does not exist; point --letsencrypt-dir at certbot's config dir\n` });
  });

  it("reports the same status, as JSON and as a table, without colour", async () => {
    for (const [i, leaf] of leaves.entries()) await writeLineage(workspace.letsencryptDir, { name: `site-${i}`, leaf, chain: [intermediate] });
    await writeLineage(workspace.letsencryptDir, { name: "broken", leaf: leaves[0]!, chain: [intermediate], files: { privkey: leaves[1]!.key.privateKeyPem } });
    const json = await bundled(["status", "--json", ...workspace.args]);
    expect([json.code, json.stderr]).toEqual([1, ""]);
    const codes = (JSON.parse(json.stdout) as { certificates: { name: string; problems: { code: string }[] }[] }).certificates.map((cert) => [cert.name, cert.problems.map((p) => p.code)]);
    expect(codes).toEqual([["broken", ["KEY_MISMATCH"]], ["site-0", []], ["site-1", ["EXPIRING"]], ["site-2", ["EXPIRED"]]]);
    expect(json).toEqual(await inProcess(["status", "--json", ...workspace.args]));
    const table = await bundled(["status", ...workspace.args]);
    expect(table.stdout).not.toContain("\u001b[");
    expect(table).toEqual(await inProcess(["status", ...workspace.args]));
  });

  it("reads many lineages on reader threads, each running the bundle again, to the same result as one thread", async () => {
    const names = Array.from({ length: 300 }, (_, i) => `many-${String(i).padStart(3, "0")}`);
    for (const [i, name] of names.entries()) {
      const broken = i % 10 === 7 ? { files: { privkey: leaves[(i + 1) % 3]!.key.privateKeyPem } } : {};
      await writeLineage(workspace.letsencryptDir, { name, leaf: leaves[i % 3]!, chain: [intermediate], ...broken });
    }
    await mkdir(path.join(workspace.letsencryptDir, "live", "no-conf"));
    const argv = ["status", "--json", ...workspace.args];
    // The probe reports 4 cores whatever this machine has (status then starts 3 reader threads, also on one CPU) and
    // logs, from inside each thread, how many lineages it read.
    const threadLog = path.join(workspace.root, "threads.log");
    const run = () =>
      execa(process.execPath, ["-r", THREAD_PROBE, BUNDLE, ...argv], {
        reject: false,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NGCERT_TEST_CPUS: "4", NGCERT_TEST_THREAD_LOG: threadLog },
        cwd: workspace.root,
        stdin: "ignore",
        stripFinalNewline: false,
      });
    const bundle = await run();
    expect([bundle.exitCode, bundle.stderr]).toEqual([1, ""]);
    const threads = (await readFile(threadLog, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { threadId: number; argv: string[]; read: number });
    expect(threads.map((thread) => thread.argv)).toEqual([["--ngcert-read-worker"], ["--ngcert-read-worker"], ["--ngcert-read-worker"]]);
    expect(new Set(threads.map((thread) => thread.threadId)).size).toBe(3);
    expect(threads.reduce((sum, thread) => sum + thread.read, 0)).toBeGreaterThan(0);

    const certificates = (JSON.parse(bundle.stdout) as { certificates: { name: string; problems: { code: string }[] }[] }).certificates;
    expect(certificates.map((cert) => cert.name)).toEqual([...names, "no-conf"]);
    expect(certificates.filter((cert) => cert.problems.some((p) => p.code === "KEY_MISMATCH"))).toHaveLength(30);
    const oneThread = await inProcess(["status", "--json", "--letsencrypt-dir", workspace.letsencryptDir, "--cache-dir", path.join(workspace.root, "other-cache"), "--config", workspace.configPath]);
    expect({ code: bundle.exitCode, stdout: bundle.stdout, stderr: bundle.stderr }).toEqual(oneThread);
    // And again from the cache the first run wrote, which names the build that judged it (a digest of its sources).
    expect((await run()).stdout).toEqual(bundle.stdout);
    const cacheFiles = await readdir(workspace.cacheDir);
    expect(cacheFiles).toHaveLength(1);
    expect((JSON.parse(await readFile(path.join(workspace.cacheDir, cacheFiles[0]!), "latin1")) as { program: string }).program).toMatch(/^[0-9a-f]{16}$/);
  });

  it("runs doctor and migrate on a thread with a small young generation, to the same result as in process", async () => {
    for (const [i, leaf] of leaves.entries()) await writeLineage(workspace.letsencryptDir, { name: `site-${i}`, leaf, chain: [intermediate] });
    // nginx -t fails (/bin/false): a finding of its own, the same in both runs, and nothing else is started.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", NGCERT_SYSTEM_ROOT: workspace.root };
    const threadLog = path.join(workspace.root, "threads.log");
    const run = (argv: string[]) =>
      execa(process.execPath, ["-r", COMMAND_PROBE, BUNDLE, ...argv], {
        reject: false,
        extendEnv: false,
        env: { ...env, NGCERT_TEST_THREAD_LOG: threadLog },
        cwd: workspace.root,
        stdin: "ignore",
        stripFinalNewline: false,
      });
    for (const argv of [
      ["doctor", "--json", "--nginx-bin", "/bin/false", ...workspace.args],
      ["doctor", "--nginx-bin", "/bin/false", ...workspace.args],
      ["doctor", "no-such-site", "--nginx-bin", "/bin/false", ...workspace.args],
      ["migrate", "--dry-run", "--nginx-bin", "/bin/false", ...workspace.args],
    ]) {
      await rm(threadLog, { force: true });
      const bundle = await run(argv);
      const direct = await runNgcert(argv, { now: new Date(), cwd: workspace.root, env, exec: execProgram });
      expect({ code: bundle.exitCode, stdout: bundle.stdout, stderr: bundle.stderr }).toEqual(direct);
      const threads = (await readFile(threadLog, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { argv: string[]; youngGenerationMb: number });
      expect(threads[0]).toEqual({ argv: ["--ngcert-command-thread"], youngGenerationMb: 4 });
    }
    const doctor = JSON.parse((await run(["doctor", "--json", "--nginx-bin", "/bin/false", ...workspace.args])).stdout) as { findings: { code: string }[] };
    expect(doctor.findings.map((item) => item.code)).toContain("NGINX_INVALID");
    // A reader that has gone before the first line (EPIPE) ends the output, not the run: no error, the exit code the
    // findings give.
    const closed = await execa("bash", ["-c", `"${process.execPath}" "${BUNDLE}" doctor --nginx-bin /bin/false ${workspace.args.join(" ")} | true; echo "exit \${PIPESTATUS[0]}"`], { reject: false, env, cwd: workspace.root });
    expect(closed.stdout).toBe("exit 1");
    expect(closed.stderr).toMatch(/^\d+ findings? \(\d+ errors?\)/);
  });

  it("wraps --help to the terminal's width, for the commands on the thread as for the others", async () => {
    // A terminal of the given width (util-linux script(1) gives the command a pty); the text as the terminal got it.
    const help = async (command: string, width: number) => {
      const shell = `stty cols ${width} rows 50; "${process.execPath}" "${BUNDLE}" ${command} --help`;
      const run = await execa("script", ["-qec", shell, "/dev/null"], { reject: false, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "dumb" } });
      expect(run.exitCode).toBe(0);
      return run.stdout.replace(/\r/g, "").split("\n");
    };
    for (const command of ["status", "doctor", "migrate"]) {
      const narrow = await help(command, 60);
      expect(narrow.join("\n")).toContain("--letsencrypt-dir");
      expect(Math.max(...narrow.map((line) => line.length)), `${command} --help in 60 columns`).toBeLessThanOrEqual(60);
      // Wider than 60 where the terminal is: the width was read, not a narrow default.
      expect(Math.max(...(await help(command, 110)).map((line) => line.length)), `${command} --help in 110 columns`).toBeGreaterThan(60);
    }
  });

  it("is a short launcher that answers --version itself and runs the program beside it", async () => {
    const text = await readFile(BUNDLE, "utf8");
    expect(text.startsWith("#!/usr/bin/env node\n\"use strict\";\n")).toBe(true);
    expect(text.split("\n").length).toBeLessThan(60);
    expect(text).toContain('join(__dirname, "ngcert.js")');
    // install.sh's wrapper answers --version from this line.
    expect(text).toMatch(new RegExp(`^// ngcert ${VERSION.replace(/\./g, "\\.")}, bundled by`, "m"));
  });

  it("starts from V8's code cache made for this very program; another program's, a damaged or a missing cache costs only the compile", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ngcert-code-cache-"));
    const launcher = path.join(dir, "cli.js");
    const program = path.join(dir, "ngcert.js");
    const cacheFile = `${program}.cache`;
    // Whether the launcher there would hand the cache to V8 and V8 take it, asked in a Node.js of its own.
    const cacheUsed = async () => (await execa(process.execPath, ["-e", `process.stdout.write(String(require(${JSON.stringify(launcher)}).compileProgram().cacheUsed))`])).stdout;
    const help = async () => {
      const run = await execa(process.execPath, [launcher, "status", "--help"], { reject: false });
      return [run.exitCode, run.stdout.includes("--warn-days"), run.stderr];
    };
    try {
      for (const file of [BUNDLE, PROGRAM, `${PROGRAM}.cache`]) await copyFile(file, path.join(dir, path.basename(file)));
      expect(await cacheUsed()).toBe("true");
      expect(await help()).toEqual([0, true, ""]);

      // Damaged anywhere past its header: V8 would take many of these bytes and abort on them; the launcher compiles.
      const good = await readFile(cacheFile);
      for (const at of [64, 100, 1_000, Math.floor(good.length / 3), Math.floor(good.length / 2), good.length - 1]) {
        const damaged = Buffer.from(good);
        damaged[at]! ^= 0x10;
        await writeFile(cacheFile, damaged);
        expect([at, await cacheUsed()]).toEqual([at, "false"]);
        expect(await help()).toEqual([0, true, ""]);
      }
      await rm(cacheFile);
      expect(await cacheUsed()).toBe("false");
      expect(await help()).toEqual([0, true, ""]);

      // A cache of another program of the same length, which V8's own checks (they compare lengths) would accept.
      await writeFile(cacheFile, good);
      const text = await readFile(program, "utf8");
      const edited = text.replace("the program, bundled by", "the program, BUNDLED by");
      expect(edited.length).toBe(text.length);
      await writeFile(program, edited);
      expect(await cacheUsed()).toBe("false");
      expect(await help()).toEqual([0, true, ""]);

      // scripts/code-cache.cjs makes one for the program there, and leaves a cache that is already right as it is.
      const write = await execa(process.execPath, [path.join(REPO, "scripts", "code-cache.cjs"), dir]);
      expect(write.stderr).toBe(`wrote ${cacheFile}`);
      expect(await cacheUsed()).toBe("true");
      const again = await execa(process.execPath, [path.join(REPO, "scripts", "code-cache.cjs"), dir]);
      expect(again.stderr).toBe(`${cacheFile} is up to date`);
      expect(await help()).toEqual([0, true, ""]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs the program wherever the two files are, and without it says so rather than answering", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ngcert-launcher-"));
    try {
      await copyFile(BUNDLE, path.join(dir, "cli.js"));
      const alone = await execa(process.execPath, [path.join(dir, "cli.js"), "status", "--help"], { reject: false });
      expect(alone.exitCode).not.toBe(0);
      expect(alone.stderr).toContain("ngcert.js");
      await copyFile(PROGRAM, path.join(dir, "ngcert.js"));
      const both = await execa(process.execPath, [path.join(dir, "cli.js"), "status", "--help"], { reject: false });
      expect(both.exitCode).toBe(0);
      expect(both.stdout).toContain("--warn-days");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is readable: not minified, the source's function names kept, a linked source map beside it", async () => {
    const text = await readFile(PROGRAM, "utf8");
    expect(text.startsWith("#!/usr/bin/env node\n\"use strict\";\n")).toBe(true);
    for (const name of ["async function runCli(", "function resolveSettings(", "function readAllStamped(", "function unifiedDiff("]) expect(text).toContain(name);
    // One statement a line, as written (the few long lines are dependencies' data tables).
    const lines = text.split("\n");
    expect(lines.length).toBeGreaterThan(10_000);
    expect(lines.filter((line) => line.length > 300).length).toBeLessThan(lines.length / 100);
    expect(text.trimEnd().endsWith("//# sourceMappingURL=ngcert.js.map")).toBe(true);
    const map = JSON.parse(await readFile(`${PROGRAM}.map`, "utf8")) as { sources: string[] };
    expect(map.sources).toContain("../src/cli.ts");
  });

  it("with --verbose, prints a stack trace whose frames point at the lines of src/ that threw", async () => {
    await rm(workspace.letsencryptDir, { recursive: true });
    const bundle = await bundled(["status", ...workspace.args, "--verbose"]);
    expect(bundle.code).toBe(2);
    const frames = [...bundle.stderr.matchAll(/^ {4}at (?:(\S+) \()?(src\/[\w/.-]+\.ts):(\d+):(\d+)\)?$/gm)];
    expect(frames.map((frame) => frame[1])).toEqual(expect.arrayContaining(["listLetsencryptDir", "runCli"]));
    // The first frame is the line of src/ that threw, at the column of its `new`.
    const [, , file, line, column] = frames[0]!;
    const source = (await readFile(path.join(REPO, file!), "utf8")).split("\n")[Number(line) - 1]!;
    expect(source.slice(Number(column) - 1)).toMatch(/^new NgcertError\(/);
    expect(bundle.stderr).not.toContain("ngcert.js:");
  });

  it("carries the licence text of every bundled package in THIRD-PARTY-LICENSES.txt", async () => {
    const licences = await readFile(path.join(path.dirname(BUNDLE), "THIRD-PARTY-LICENSES.txt"), "utf8");
    // The source map lists every file esbuild put in the bundle: each package among them must be credited.
    const map = JSON.parse(await readFile(`${PROGRAM}.map`, "utf8")) as { sources: string[] };
    const packages = new Set(map.sources.flatMap((source) => /^\.\.\/(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? []));
    expect(packages.size).toBeGreaterThan(10);
    for (const dir of packages) {
      const manifest = JSON.parse(await readFile(path.join(REPO, dir, "package.json"), "utf8")) as { name: string; version: string };
      expect(licences).toContain(`${manifest.name}@${manifest.version} (`);
    }
    for (const name of ["yargs", "execa", "chokidar", "diff"]) {
      const dir = path.join(REPO, "node_modules", name);
      const file = (await readdir(dir)).find((entry) => /^licen[cs]e/i.test(entry))!;
      const licence = (await readFile(path.join(dir, file), "utf8")).trim();
      expect(licences).toContain(licence);
    }
  });
});
