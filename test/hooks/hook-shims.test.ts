// The shims in hooks/ are what `ngcert init` renders for the default install (/usr/local/bin/ngcert, no extra
// settings): the repository copy cannot drift from the code that writes them.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HOOK_PHASES, renderHookShim } from "../../src/hooks/render-hook-shim.js";

const repo = path.resolve(import.meta.dirname, "../..");

describe("hooks/", () => {
  for (const phase of HOOK_PHASES) {
    it(`hooks/${phase} is the rendered shim, executable`, () => {
      const file = path.join(repo, "hooks", phase);
      expect(readFileSync(file, "utf8")).toBe(renderHookShim(phase, ["/usr/local/bin/ngcert"], []));
      expect(statSync(file).mode & 0o111).toBe(0o111);
    });
  }

  it("quotes what a shell would split or expand", () => {
    const shim = renderHookShim("deploy", ["/usr/bin/node", "/opt/my tools/cli.js"], ["--webroot", "/srv/a'b"]);
    expect(shim).toContain(`exec /usr/bin/node '/opt/my tools/cli.js' hook deploy --webroot '/srv/a'\\''b'`);
  });
});
