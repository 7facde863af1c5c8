// Include patterns expanded as nginx's glob(3) does: relative to the main config's directory, no leading dots, only
// files, in byte order.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expandInclude } from "../../src/nginx/expand-include.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ngcert-include-"));
  mkdirSync(path.join(dir, "conf.d", "sub.conf"), { recursive: true });
  for (const name of ["b.conf", "a.conf", "B.conf", ".hidden.conf", "x.conf.ngcert-staged-0badc0de", "notes.txt"]) writeFileSync(path.join(dir, "conf.d", name), "");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("expandInclude", () => {
  it("matches files only, never a leading dot, in byte order", () => {
    expect(expandInclude("conf.d/*.conf", dir)).toEqual(["B.conf", "a.conf", "b.conf"].map((name) => path.join(dir, "conf.d", name)));
  });

  it("keeps a literal path as it is, existing or not", () => {
    expect(expandInclude("/etc/nginx/mime.types", dir)).toEqual(["/etc/nginx/mime.types"]);
    expect(expandInclude("mime.types", dir)).toEqual([path.join(dir, "mime.types")]);
  });

  it("expands wildcards in directories too", () => {
    mkdirSync(path.join(dir, "sites", "one"), { recursive: true });
    writeFileSync(path.join(dir, "sites", "one", "site.conf"), "");
    expect(expandInclude(path.join(dir, "sites", "*", "*.conf"), "/")).toEqual([path.join(dir, "sites", "one", "site.conf")]);
  });
});
