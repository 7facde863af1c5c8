// `ngcert demo`'s refusals, in-process: what is missing and how to install it, a bad --margin, a directory that is not
// a demo world for --stop. Nothing is started in any of them (the test context refuses to start a program).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runNgcert } from "../helpers/run-cli.js";

describe("ngcert demo", () => {
  it("names what is missing and the command that installs it", async () => {
    const result = await runNgcert(["demo"], { env: { PATH: "/nonexistent" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatchInlineSnapshot(`
      "ngcert: ngcert demo needs certbot, pebble, pebble-challtestsrv, not installed here: sudo apt-get install certbot pebble (./install.sh installs them too)
      "
    `);
  });

  it("refuses a margin that is not a number of seconds", async () => {
    const result = await runNgcert(["demo", "--margin", "soon"], { env: { PATH: "/usr/bin:/bin" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatchInlineSnapshot(`
      "ngcert: --margin "soon": give the seconds of load before and after each renewal, 0.2 to 60
      Run \`ngcert --help\` for usage.
      "
    `);
  });

  it("--stop refuses a directory that is not a demo world, and touches nothing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ngcert-not-a-demo-"));
    const result = await runNgcert(["demo", "--stop", dir]);
    expect(result.code).toBe(2);
    expect(result.stderr.replace(dir, "DIR")).toMatchInlineSnapshot(`
      "ngcert: DIR is not an ngcert demo world: it holds no demo-world.json; nothing was stopped or removed
      "
    `);
  });

  it("lists its options in --help", async () => {
    const result = await runNgcert(["demo", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--keep\b/);
    expect(result.stdout).toMatch(/--stop\b/);
    expect(result.stdout).not.toMatch(/serve-upstream/);
  });
});
