// unifiedDiff against the oracle, GNU `diff -u` (diffutils is essential on Debian): the same hunks, byte for byte, for
// created, removed and edited files, far-apart changes (two hunks), and a missing final newline.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/text/unified-diff.js";

const lines = (count: number, line: (i: number) => string): string => `${Array.from({ length: count }, (_, i) => line(i)).join("\n")}\n`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ngcert-diff-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function gnuDiff(oldText: string, newText: string, oldName: string, newName: string): Promise<string> {
  await writeFile(path.join(dir, "old"), oldText);
  await writeFile(path.join(dir, "new"), newText);
  try {
    await promisify(execFile)("diff", ["-u", "--label", oldName, "--label", newName, path.join(dir, "old"), path.join(dir, "new")]);
    return ""; // exit 0: no differences, and diff prints nothing
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

const cases: Record<string, [string, string]> = {
  "a file created from nothing": ["", "server {\n    listen 80;\n}\n"],
  "a file removed": ["one\ntwo\n", ""],
  "one line changed": ["a\nb\nc\n", "a\nB\nc\n"],
  "lines added and removed at both ends": ["keep\nold tail\n", "new head\nkeep\n"],
  "a missing final newline": ["a\nb", "a\nb\n"],
  "a blank line kept as context": ["a\n\nb\n", "a\n\nX\nb\n"],
  "two changes far apart": [lines(40, (i) => `line ${i}`), lines(40, (i) => (i === 3 || i === 30 ? `changed ${i}` : `line ${i}`))],
  "lines inserted in the middle": [lines(20, (i) => `l${i}`), lines(22, (i) => (i < 10 ? `l${i}` : i < 12 ? `new ${i}` : `l${i - 2}`))],
  "a repeated pattern shifted": ["a\nb\na\nb\n", "b\na\nb\na\n"],
};

describe("unifiedDiff", () => {
  for (const [name, [oldText, newText]] of Object.entries(cases)) {
    it(`is what diff -u prints for ${name}`, async () => {
      const expected = await gnuDiff(oldText, newText, "/etc/nginx/conf.d/x.conf", "/etc/nginx/conf.d/x.conf (ngcert)");
      expect(expected).not.toBe("");
      expect(unifiedDiff(oldText, newText, "/etc/nginx/conf.d/x.conf", "/etc/nginx/conf.d/x.conf (ngcert)")).toBe(expected);
    });
  }

  it("shows only the changed region with three lines of context, in hunks", () => {
    const [oldText, newText] = cases["two changes far apart"]!;
    const diff = unifiedDiff(oldText, newText, "a", "b");
    expect(diff.split("\n").filter((line) => line.startsWith("@@"))).toEqual(["@@ -1,7 +1,7 @@", "@@ -28,7 +28,7 @@"]);
    expect(diff).not.toContain("line 15");
  });

  it("shows a created file as one hunk of added lines", () => {
    expect(unifiedDiff("", "server {\n}\n", "/dev/null", "/etc/nginx/conf.d/x.conf")).toBe("--- /dev/null\n+++ /etc/nginx/conf.d/x.conf\n@@ -0,0 +1,2 @@\n+server {\n+}\n");
  });

  it("is empty for identical texts: there is nothing to apply", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", "x", "y")).toBe("");
  });
});
