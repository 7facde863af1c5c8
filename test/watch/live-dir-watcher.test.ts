// The watcher hears a lineage's change once its links have settled: a renewal swapped link by link (unlink, symlink, as
// certbot does) with a pause longer than the quiet time in the middle is reported once, after the last link; a lineage
// left half-swapped is reported after the bound; a lineage of plain files and one removed are reported after the quiet
// time alone.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LiveDirWatcher, SETTLE_LIMIT_MS } from "../../src/watch/live-dir-watcher.js";
import { isLineageSettled } from "../../src/watch/settled-lineage.js";

const KINDS = ["cert", "chain", "fullchain", "privkey"];
const QUIET_MS = 50;

describe("LiveDirWatcher", () => {
  let root = "";
  let live = "";
  let watcher: LiveDirWatcher | undefined;
  let heard: { name: string; at: number }[] = [];

  /** archive/<name>/<kind><version>.pem for both versions, live/<name>/ linked to version 1. */
  const makeLineage = (name: string): void => {
    mkdirSync(path.join(root, "archive", name), { recursive: true });
    mkdirSync(path.join(live, name), { recursive: true });
    for (const kind of KINDS) {
      for (const version of [1, 2]) writeFileSync(path.join(root, "archive", name, `${kind}${version}.pem`), `${kind} ${version}\n`);
      symlinkSync(`../../archive/${name}/${kind}1.pem`, path.join(live, name, `${kind}.pem`));
    }
  };
  const swap = (name: string, kind: string, version: number): void => {
    unlinkSync(path.join(live, name, `${kind}.pem`));
    symlinkSync(`../../archive/${name}/${kind}${version}.pem`, path.join(live, name, `${kind}.pem`));
  };
  const start = async (): Promise<void> => {
    watcher = new LiveDirWatcher(live, QUIET_MS, (name) => heard.push({ name, at: Date.now() }), () => {});
    await watcher.start();
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), "ngcert-live-watch-"));
    live = path.join(root, "live");
    mkdirSync(live);
    heard = [];
  });

  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("settled: links into one version, or plain files, or gone; not a link missing or links into two versions", () => {
    makeLineage("a.test");
    const dir = path.join(live, "a.test");
    expect(isLineageSettled(dir)).toBe(true);
    unlinkSync(path.join(dir, "cert.pem"));
    expect(isLineageSettled(dir)).toBe(false);
    symlinkSync("../../archive/a.test/cert2.pem", path.join(dir, "cert.pem"));
    expect(isLineageSettled(dir)).toBe(false);
    for (const kind of KINDS.slice(1)) swap("a.test", kind, 2);
    expect(isLineageSettled(dir)).toBe(true);
    mkdirSync(path.join(live, "plain.test"));
    expect(isLineageSettled(path.join(live, "plain.test"))).toBe(false);
    for (const kind of KINDS) writeFileSync(path.join(live, "plain.test", `${kind}.pem`), "");
    expect(isLineageSettled(path.join(live, "plain.test"))).toBe(true);
    expect(isLineageSettled(path.join(live, "gone.test"))).toBe(true);
  });

  it("reports a renewal once, after its last link, even with a pause longer than the quiet time half-way", async () => {
    makeLineage("a.test");
    await start();
    swap("a.test", "cert", 2);
    swap("a.test", "chain", 2);
    await sleep(QUIET_MS * 6);
    expect(heard).toEqual([]);
    const last = Date.now();
    swap("a.test", "fullchain", 2);
    swap("a.test", "privkey", 2);
    await sleep(QUIET_MS * 6);
    expect(heard.map((entry) => entry.name)).toEqual(["a.test"]);
    // Settled links, not a quiet time, decide: a timer re-armed while the links disagreed may find them settled at once.
    expect(heard[0]!.at).toBeGreaterThanOrEqual(last);
  });

  it("does not report one renewal twice when its last events arrive after a quiet time that found it settled", async () => {
    makeLineage("a.test");
    await start();
    swap("a.test", "cert", 2);
    swap("a.test", "chain", 2);
    await sleep(QUIET_MS * 3);
    swap("a.test", "fullchain", 2);
    swap("a.test", "privkey", 2);
    // A busy process: the quiet timer is due before the last swaps' events are read, and node runs timers first.
    const until = Date.now() + QUIET_MS * 2;
    while (Date.now() < until);
    await sleep(QUIET_MS * 6);
    expect(heard.map((entry) => entry.name)).toEqual(["a.test"]);
  });

  it("reports nothing for a change that leaves the lineage's four files as they were, and the next real change again", async () => {
    makeLineage("a.test");
    await start();
    for (const kind of KINDS) swap("a.test", kind, 2);
    await sleep(QUIET_MS * 6);
    expect(heard.map((entry) => entry.name)).toEqual(["a.test"]);
    writeFileSync(path.join(live, "a.test", "notes.txt"), "a stray file\n");
    rmSync(path.join(live, "a.test", "notes.txt"));
    await sleep(QUIET_MS * 6);
    expect(heard.map((entry) => entry.name)).toEqual(["a.test"]);
    for (const kind of KINDS) swap("a.test", kind, 1);
    await sleep(QUIET_MS * 6);
    expect(heard.map((entry) => entry.name)).toEqual(["a.test", "a.test"]);
  });

  it("reports a lineage left half-swapped once the bound has passed", async () => {
    makeLineage("a.test");
    await start();
    const first = Date.now();
    swap("a.test", "cert", 2);
    await sleep(SETTLE_LIMIT_MS + QUIET_MS * 6);
    expect(heard.map((entry) => entry.name)).toEqual(["a.test"]);
    expect(heard[0]!.at - first).toBeGreaterThanOrEqual(SETTLE_LIMIT_MS);
  });

  it("reports a removed lineage after the quiet time alone", async () => {
    makeLineage("a.test");
    await start();
    const removed = Date.now();
    rmSync(path.join(live, "a.test"), { recursive: true });
    await sleep(QUIET_MS * 8);
    expect(heard.map((entry) => entry.name)).toContain("a.test");
    expect(heard[0]!.at - removed).toBeLessThan(SETTLE_LIMIT_MS);
  });
});
