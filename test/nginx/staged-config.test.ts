// testStagedConfig against the real nginx -t: a staged file is tested as nginx would read it once in place (the old
// version left out, nested includes followed, a literal include of a removed file failing), errors name the real
// file, and nothing nginx's include globs can see is created.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execProgram } from "../../src/exec.js";
import { NgcertError } from "../../src/errors.js";
import { stagingPathFor, testStagedConfig } from "../../src/nginx/staged-config.js";
import { resolveSettings } from "../../src/settings/resolve-settings.js";
import type { Settings } from "../../src/settings/settings.js";
import { findPrograms } from "../world/programs.js";

const search = findPrograms();

describe.skipIf(!search.found)("testStagedConfig with nginx -t", () => {
  let dir: string;
  let settings: Settings;
  const confD = (): string => path.join(dir, "conf.d");
  const stage = (final: string, content: string): string => {
    const staged = stagingPathFor(final);
    writeFileSync(staged, content);
    return staged;
  };
  const server = (port: number, extra = ""): string => `server {\n    listen 127.0.0.1:${port} default_server;\n    server_name _;\n${extra}    return 204;\n}\n`;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ngcert-staged-"));
    mkdirSync(confD());
    mkdirSync(path.join(dir, "more.d"));
    writeFileSync(
      path.join(dir, "nginx.conf"),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    access_log off;\n    include ${confD()}/*.conf;\n    include nested.conf;\n}\n`,
    );
    writeFileSync(path.join(dir, "nested.conf"), `include ${dir}/more.d/*.conf;\n`);
    writeFileSync(path.join(confD(), "old.conf"), server(28111));
    settings = resolveSettings({ flags: { "nginx-conf": path.join(dir, "nginx.conf"), "nginx-bin": search.found ? search.programs.nginx : "nginx" }, env: {}, config: {}, cwd: "/" });
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("tests a replacement without the version it replaces (both would be a duplicate default server)", async () => {
    const final = path.join(confD(), "old.conf");
    const staged = stage(final, server(28111, "    # new version\n"));
    await expect(testStagedConfig(settings, execProgram, [{ finalPath: final, stagedPath: staged }])).resolves.toEqual([]);
  });

  it("names the final file and its line when the staged one is wrong, and leaves nothing an include glob sees", async () => {
    const final = path.join(confD(), "new.conf");
    const staged = stage(final, "server {\n    listen 127.0.0.1:28112;\n    bogus_directive on;\n}\n");
    const error = await testStagedConfig(settings, execProgram, [{ finalPath: final, stagedPath: staged }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NgcertError);
    expect((error as NgcertError).message).toBe(`nginx -t refused the configuration (${final}:3: unknown directive "bogus_directive")`);
    expect(readdirSync(confD()).filter((name) => !name.startsWith(".")).sort()).toEqual(["old.conf"]);
    expect(readdirSync(dir).filter((name) => name.startsWith(".ngcert-test-"))).toEqual([]);
  });

  it("follows a nested include to the directory the file goes into", async () => {
    const final = path.join(dir, "more.d", "x.conf");
    const staged = stage(final, server(28111));
    // x.conf would be a second default server for the same port: nginx must see it where it will be.
    await expect(testStagedConfig(settings, execProgram, [{ finalPath: final, stagedPath: staged }])).rejects.toThrow(/duplicate default server for 127\.0\.0\.1:28111/);
  });

  it("tests a removal: the file left out, and a literal include of it failing as it will", async () => {
    await expect(testStagedConfig(settings, execProgram, [{ finalPath: path.join(confD(), "old.conf"), stagedPath: null }])).resolves.toEqual([]);
    await expect(testStagedConfig(settings, execProgram, [{ finalPath: path.join(dir, "nested.conf"), stagedPath: null }])).rejects.toThrow(/nested\.conf/);
  });

  it("refuses a file no include of the configuration would pick up", async () => {
    const final = path.join(dir, "elsewhere", "y.conf");
    mkdirSync(path.dirname(final));
    const staged = stage(final, server(28113));
    await expect(testStagedConfig(settings, execProgram, [{ finalPath: final, stagedPath: staged }])).rejects.toThrow(/does not include .*elsewhere\/y\.conf/);
  });
});
