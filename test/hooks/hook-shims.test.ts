// hooks/ is what certbot runs: each file there is the shim `ngcert init` renders, with placeholders for node and the
// bundle, and a real `ngcert init` (the built bundle, against a temporary nginx tree) installs exactly that file with
// the placeholders filled in and its settings added. The repository copy cannot drift from what is installed.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyOwnership } from "../../src/fs/owned-file.js";
import { HOOK_PHASES, HOOK_TEMPLATE_COMMAND, hookShimPath, renderHookShim } from "../../src/certbot/render-hook-shim.js";
import { BUNDLE, assertBundleBuilt, runBundle } from "../helpers/run-bundle.js";
import { findPrograms, requirePrograms } from "../world/programs.js";

const repo = path.resolve(import.meta.dirname, "../..");
const programs = requirePrograms();

describe("hooks/", () => {
  for (const phase of HOOK_PHASES) {
    it(`hooks/${phase} is the shim init renders, with the placeholders, executable`, () => {
      const file = path.join(repo, "hooks", phase);
      expect(readFileSync(file, "utf8"), "run `npm run hooks` to write hooks/ again").toBe(renderHookShim(phase, HOOK_TEMPLATE_COMMAND, []));
      expect(statSync(file).mode & 0o111).toBe(0o111);
      expect(readFileSync(file, "utf8")).not.toMatch(/Written by/);
    });
  }

  it("quotes what a shell would split or expand", () => {
    const shim = renderHookShim("deploy", ["/usr/bin/node", "/opt/my tools/cli.js"], ["--webroot", "/srv/a'b"]);
    expect(shim).toContain(`exec /usr/bin/node '/opt/my tools/cli.js' hook deploy --webroot '/srv/a'\\''b'`);
  });
});

describe.skipIf(programs.skip)(`what ngcert init installs${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let root: string;
  beforeAll(async () => {
    assertBundleBuilt();
    root = await mkdtemp(path.join(tmpdir(), "ngcert-hooks-"));
    const nginxDir = path.join(root, "nginx");
    await mkdir(path.join(nginxDir, "conf.d"), { recursive: true });
    await writeFile(path.join(nginxDir, "nginx.conf"), `pid ${root}/nginx.pid;\nerror_log ${root}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${nginxDir}/conf.d/*.conf;\n}\n`);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("is hooks/<phase> with node's and the bundle's paths filled in and init's settings added", async () => {
    const found = findPrograms();
    if (!found.found) throw new Error("nginx is missing");
    const settings = [
      "--config", path.join(root, "none.json"),
      "--letsencrypt-dir", path.join(root, "letsencrypt"),
      "--webroot", path.join(root, "www"),
      "--nginx-dir", path.join(root, "nginx"),
      "--nginx-bin", found.programs.nginx,
      "--http-port", "18089",
      "--listen-address", "127.0.0.1",
    ];
    const init = await runBundle(["init", ...settings]);
    expect(init.code, init.stderr).toBe(0);
    for (const phase of HOOK_PHASES) {
      const installed = await readFile(hookShimPath(path.join(root, "letsencrypt"), phase), "utf8");
      expect(classifyOwnership(installed)).toBe("ours");
      const template = readFileSync(path.join(repo, "hooks", phase), "utf8");
      const filledIn = template.replace("@NODE@", process.execPath).replace("@NGCERT_CLI@", BUNDLE).replace(/\n$/, ` ${settings.join(" ")}\n`);
      expect(installed.replace(/^# ngcert-owned sha256:[0-9a-f]{64}\n/m, "")).toBe(filledIn);
    }
  });
});
