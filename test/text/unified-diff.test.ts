// unifiedDiff on small texts: a file created from nothing, one line changed, nothing changed.
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/text/unified-diff.js";

describe("unifiedDiff", () => {
  it("shows a created file as all added lines", () => {
    expect(unifiedDiff("", "server {\n    listen 80;\n}\n", "/dev/null", "/etc/nginx/conf.d/x.conf")).toMatchInlineSnapshot(`
      "--- /dev/null
      +++ /etc/nginx/conf.d/x.conf
      +server {
      +    listen 80;
      +}
      "
    `);
  });

  it("shows a changed line as one removal and one addition among unchanged context", () => {
    const diff = unifiedDiff("a\nb\nc\n", "a\nB\nc\n", "x.conf", "x.conf (ngcert)");
    expect(diff.split("\n").slice(0, 3)).toEqual(["--- x.conf", "+++ x.conf (ngcert)", " a"]);
    expect(diff.split("\n").slice(3, 5).sort()).toEqual(["+B", "-b"]);
    expect(diff.split("\n").slice(5)).toEqual([" c", ""]);
  });

  it("prints the removed line before the added one, as diff -u does", () => {
    expect(unifiedDiff("a\nb\nc\n", "a\nB\nc\n", "x.conf", "x.conf (ngcert)")).toBe("--- x.conf\n+++ x.conf (ngcert)\n a\n-b\n+B\n c\n");
  });

  it("shows a removed file as all removed lines", () => {
    expect(unifiedDiff("one\ntwo\n", "", "x.conf", "/dev/null")).toBe("--- x.conf\n+++ /dev/null\n-one\n-two\n");
  });

  it("shows added and removed lines at both ends", () => {
    expect(unifiedDiff("keep\nold tail\n", "new head\nkeep\n", "a", "b")).toBe("--- a\n+++ b\n+new head\n keep\n-old tail\n");
  });

  it("shows identical texts as context only", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", "x", "y")).toBe("--- x\n+++ y\n a\n b\n");
  });

  it("ignores a missing newline at the end", () => {
    expect(unifiedDiff("a\nb", "a\nb\n", "x", "y")).toBe("--- x\n+++ y\n a\n b\n");
  });

  it("keeps blank lines as context", () => {
    expect(unifiedDiff("a\n\nb\n", "a\n\nX\nb\n", "x", "y")).toBe("--- x\n+++ y\n a\n \n+X\n b\n");
  });
});
