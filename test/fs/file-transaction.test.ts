// FileTransaction in a temp dir: every write, replace and removal undone by rollback, newest first, along with the
// directories it created, except one that got other files meanwhile.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileTransaction } from "../../src/fs/file-transaction.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ngcert-tx-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string): number => statSync(file).mode & 0o7777;
const read = (file: string): string => readFileSync(file, "utf8");

describe("FileTransaction", () => {
  it("writes a new file in new directories; rollback removes the file and every directory it created", () => {
    const tx = new FileTransaction();
    const file = path.join(dir, "a", "b", "c", "site.conf");
    tx.write(file, "server {}\n", 0o640);
    expect(read(file)).toBe("server {}\n");
    expect(modeOf(file)).toBe(0o640);
    expect(modeOf(path.join(dir, "a", "b"))).toBe(0o755);
    expect(tx.changed).toBe(true);

    tx.rollback();
    expect(readdirSync(dir)).toEqual([]);
    expect(tx.changed).toBe(false);
  });

  it("replaces an existing file; rollback restores its content and mode and keeps the existing directory", () => {
    const file = path.join(dir, "nginx.conf");
    writeFileSync(file, "original\n");
    chmodSync(file, 0o600);
    const tx = new FileTransaction();
    tx.write(file, "replaced\n", 0o644);
    expect(read(file)).toBe("replaced\n");
    expect(modeOf(file)).toBe(0o644);

    tx.rollback();
    expect(read(file)).toBe("original\n");
    expect(modeOf(file)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["nginx.conf"]);
  });

  it("removes a file; rollback restores it with its mode", () => {
    const file = path.join(dir, "hook.sh");
    writeFileSync(file, "#!/bin/sh\n");
    chmodSync(file, 0o755);
    const tx = new FileTransaction();
    tx.remove(file);
    expect(existsSync(file)).toBe(false);

    tx.rollback();
    expect(read(file)).toBe("#!/bin/sh\n");
    expect(modeOf(file)).toBe(0o755);
  });

  it("removing a missing file is no change at all", () => {
    const tx = new FileTransaction();
    tx.remove(path.join(dir, "absent"));
    expect(tx.changed).toBe(false);
    tx.rollback();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("rolls back newest first, so a file changed twice ends with its first content", () => {
    const file = path.join(dir, "site.conf");
    writeFileSync(file, "v1\n");
    const tx = new FileTransaction();
    tx.write(file, "v2\n", 0o644);
    tx.write(file, "v3\n", 0o644);
    tx.remove(file);
    tx.rollback();
    expect(read(file)).toBe("v1\n");
  });

  it("rolls back a file created, then replaced, then removed: it is gone again", () => {
    const file = path.join(dir, "new.conf");
    const tx = new FileTransaction();
    tx.write(file, "one\n", 0o644);
    tx.write(file, "two\n", 0o644);
    tx.remove(file);
    tx.rollback();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("keeps a created directory that got other files meanwhile, removing only the empty ones", () => {
    const tx = new FileTransaction();
    tx.write(path.join(dir, "conf.d", "inner", "ngcert.conf"), "x\n", 0o644);
    writeFileSync(path.join(dir, "conf.d", "someone-else.conf"), "y\n");
    tx.rollback();
    expect(readdirSync(dir)).toEqual(["conf.d"]);
    expect(readdirSync(path.join(dir, "conf.d"))).toEqual(["someone-else.conf"]);
  });

  it("mkdir creates missing parents with the mode and rollback removes only those", () => {
    mkdirSync(path.join(dir, "existing"));
    const tx = new FileTransaction();
    tx.mkdir(path.join(dir, "existing", "x", "y"), 0o700);
    expect(modeOf(path.join(dir, "existing", "x"))).toBe(0o700);
    expect(modeOf(path.join(dir, "existing", "x", "y"))).toBe(0o700);
    expect(tx.changed).toBe(true);
    tx.rollback();
    expect(readdirSync(dir)).toEqual(["existing"]);
    expect(readdirSync(path.join(dir, "existing"))).toEqual([]);
  });

  it("mkdir of an existing directory is no change", () => {
    const tx = new FileTransaction();
    tx.mkdir(dir, 0o755);
    expect(tx.changed).toBe(false);
  });

  it("forgets everything after a rollback: a second rollback changes nothing", () => {
    const file = path.join(dir, "site.conf");
    const tx = new FileTransaction();
    tx.write(file, "x\n", 0o644);
    tx.rollback();
    writeFileSync(file, "written later by someone else\n");
    tx.rollback();
    expect(read(file)).toBe("written later by someone else\n");
  });
});
