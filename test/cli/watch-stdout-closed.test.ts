// A watcher whose reader goes away (`ngcert watch | head -1`) keeps watching: stdout is only where its events are
// reported. It says so once on stderr and stops only when told to. (Other commands end quietly: bundle.test.ts.) And a
// letsencrypt dir that does not exist is refused, not created and watched.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, expect, it } from "vitest";
import { BUNDLE, assertBundleBuilt } from "../helpers/run-bundle.js";

let root: string;
beforeEach(async () => {
  assertBundleBuilt();
  root = await mkdtemp(path.join(tmpdir(), "ngcert-watch-pipe-"));
  await mkdir(path.join(root, "le"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it("goes on when its stdout is closed, and says so once", async () => {
  const settings = ["--letsencrypt-dir", `${root}/le`, "--nginx-dir", `${root}/nginx`, "--cache-dir", `${root}/cache`, "--config", `${root}/none.json`];
  // A full check every second writes an event each time; head has gone after the first line. timeout(1) then stops
  // the watcher with SIGTERM after 4 s: exit 124 means it was still running.
  const script = `timeout 4 "${process.execPath}" "${BUNDLE}" watch --interval 1 ${settings.join(" ")} | head -1; echo "exit \${PIPESTATUS[0]}" >&2`;
  const run = await execa("bash", ["-c", script], { reject: false, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeout: 30_000 });
  expect(JSON.parse(run.stdout)).toMatchObject({ event: "started" });
  const lines = run.stderr.trim().split("\n");
  expect(lines.filter((line) => line.includes("standard output was closed"))).toEqual(["ngcert watch: standard output was closed: events are no longer printed there; going on"]);
  expect(lines.at(-2)).toBe("ngcert watch: stopped");
  expect(lines.at(-1)).toBe("exit 124");
});

it("goes on when stdout and stderr are the same closed pipe (2>&1 | head -1)", async () => {
  const settings = ["--letsencrypt-dir", `${root}/le`, "--nginx-dir", `${root}/nginx`, "--cache-dir", `${root}/cache`, "--config", `${root}/none.json`];
  const script = `timeout 4 "${process.execPath}" "${BUNDLE}" watch --interval 1 ${settings.join(" ")} 2>&1 | head -1; echo "exit \${PIPESTATUS[0]}" >&2`;
  const run = await execa("bash", ["-c", script], { reject: false, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeout: 30_000 });
  expect(JSON.parse(run.stdout)).toMatchObject({ event: "started" });
  expect(run.stderr).toBe("exit 124");
});

it("refuses a letsencrypt dir that does not exist, creating nothing", async () => {
  const missing = path.join(root, "letsencrypt-typo");
  const run = await execa(process.execPath, [BUNDLE, "watch", "--letsencrypt-dir", missing, "--nginx-dir", `${root}/nginx`, "--config", `${root}/none.json`], { reject: false, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeout: 30_000 });
  expect([run.exitCode, run.stdout, run.stderr]).toEqual([2, "", `ngcert: letsencrypt dir ${missing} does not exist; point --letsencrypt-dir at certbot's config dir`]);
  expect(existsSync(missing)).toBe(false);
});
