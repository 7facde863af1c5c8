// writeFileAtomic in a temp dir: content and mode, no temp file left behind, and the previous file untouched when a
// step fails (node:fs is wrapped so a test can make one call fail).
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeFileAtomic } from "../../src/fs/atomic-write.js";

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, renameSync: vi.fn(actual.renameSync), writeSync: vi.fn(actual.writeSync) };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ngcert-atomic-"));
});
afterEach(() => {
  vi.mocked(fs.renameSync).mockClear();
  vi.mocked(fs.writeSync).mockClear();
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string): number => statSync(file).mode & 0o7777;

describe("writeFileAtomic", () => {
  it("creates a file with the content and mode, leaving nothing else in the directory", () => {
    const file = path.join(dir, "site.conf");
    writeFileAtomic(file, "server {}\n", 0o640);
    expect(readFileSync(file, "utf8")).toBe("server {}\n");
    expect(modeOf(file)).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["site.conf"]);
  });

  it("sets the mode even where the umask would narrow it", () => {
    const previous = process.umask(0o077);
    try {
      writeFileAtomic(path.join(dir, "hook.sh"), "#!/bin/sh\n", 0o755);
    } finally {
      process.umask(previous);
    }
    expect(modeOf(path.join(dir, "hook.sh"))).toBe(0o755);
  });

  it("replaces an existing file's content and mode", () => {
    const file = path.join(dir, "site.conf");
    writeFileSync(file, "old\n");
    chmodSync(file, 0o600);
    writeFileAtomic(file, "new content\n", 0o644);
    expect(readFileSync(file, "utf8")).toBe("new content\n");
    expect(modeOf(file)).toBe(0o644);
    expect(readdirSync(dir)).toEqual(["site.conf"]);
  });

  it("writes multi-byte text byte for byte", () => {
    const file = path.join(dir, "utf8.txt");
    writeFileAtomic(file, "é ✓ 🔒\n", 0o644);
    expect(readFileSync(file)).toEqual(Buffer.from("é ✓ 🔒\n", "utf8"));
  });

  it("throws ENOENT when the directory is missing, creating nothing", () => {
    expect(() => writeFileAtomic(path.join(dir, "missing", "site.conf"), "x", 0o644)).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("leaves a directory in the target's place untouched and removes its temp file when the rename fails", () => {
    const target = path.join(dir, "site.conf");
    mkdirSync(target);
    writeFileSync(path.join(target, "inside"), "kept");
    expect(() => writeFileAtomic(target, "x", 0o644)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) }));
    expect(readdirSync(dir)).toEqual(["site.conf"]);
    expect(readFileSync(path.join(target, "inside"), "utf8")).toBe("kept");
  });

  it("keeps the previous content and mode when the rename fails, and removes the temp file", () => {
    const file = path.join(dir, "site.conf");
    writeFileSync(file, "previous\n");
    chmodSync(file, 0o600);
    vi.mocked(fs.renameSync).mockImplementationOnce(() => {
      throw Object.assign(new Error("EXDEV: simulated"), { code: "EXDEV" });
    });
    expect(() => writeFileAtomic(file, "new\n", 0o644)).toThrow("EXDEV: simulated");
    expect(readFileSync(file, "utf8")).toBe("previous\n");
    expect(modeOf(file)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["site.conf"]);
  });

  it("writes the whole content when write(2) takes only part of it", async () => {
    const file = path.join(dir, "site.conf");
    const actual = await vi.importActual<typeof import("node:fs")>("node:fs");
    // Two short writes, as a nearly full filesystem gives, then the real thing.
    for (let i = 0; i < 2; i++) vi.mocked(fs.writeSync).mockImplementationOnce(((fd: number, data: Uint8Array) => actual.writeSync(fd, data.subarray(0, 7))) as typeof fs.writeSync);
    const content = "server { listen 443 ssl; }\n".repeat(100);
    writeFileAtomic(file, content, 0o644);
    expect(readFileSync(file, "utf8")).toBe(content);
    expect(vi.mocked(fs.writeSync).mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it.skipIf(process.getuid?.() !== 0)("on a real filesystem with less room than the content: fails, keeps the previous file, leaves no temp file", async () => {
    const { execFileSync } = await import("node:child_process");
    const full = path.join(dir, "full");
    mkdirSync(full);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", full]);
    try {
      const file = path.join(full, "ngcert.prom");
      writeFileSync(file, "previous\n");
      // Fill it up but for one 4 KiB block: the first write(2) of 12 KB then writes part and the next one none.
      const filler = path.join(full, "filler");
      try {
        writeFileSync(filler, Buffer.alloc(64 * 1024));
      } catch {
        // ENOSPC: as full as it gets.
      }
      const free = () => Number(execFileSync("stat", ["-f", "-c", "%a*%S", full], { encoding: "utf8" }).trim().split("*").reduce((a, b) => String(Number(a) * Number(b))));
      writeFileSync(filler, Buffer.alloc(Math.max(0, statSync(filler).size - (8192 - free()))));
      expect(free()).toBeGreaterThan(0);
      expect(() => writeFileAtomic(file, "x".repeat(12_000), 0o644)).toThrow(/ENOSPC/);
      expect(readFileSync(file, "utf8")).toBe("previous\n");
      expect(readdirSync(full).sort()).toEqual(["filler", "ngcert.prom"]);
    } finally {
      execFileSync("umount", [full]);
    }
  });

  it("keeps the previous content when writing the temp file fails (disk full), and removes the temp file", () => {
    const file = path.join(dir, "site.conf");
    writeFileSync(file, "previous\n");
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw Object.assign(new Error("ENOSPC: simulated"), { code: "ENOSPC" });
    });
    expect(() => writeFileAtomic(file, "new\n", 0o644)).toThrow("ENOSPC: simulated");
    expect(readFileSync(file, "utf8")).toBe("previous\n");
    expect(readdirSync(dir)).toEqual(["site.conf"]);
  });
});
