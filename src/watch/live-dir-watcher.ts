// Hears every change under live/: chokidar watches live/ itself (lineages appearing, disappearing, renamed), a plain
// fs.watch each lineage directory (certbot swaps the links inside). Changes to one lineage are reported once by name,
// when it has been quiet for a moment and its links have settled (settled-lineage.ts): certbot swaps four links in a
// row, each by unlink and symlink. Waiting for the links, not for a long quiet time, is what keeps a renewal from
// being judged half-swapped, so the quiet time can be short; a lineage that never settles is reported after a bound.
import path from "node:path";
import { watch as watchFiles, type FSWatcher } from "chokidar";
import { LineageDirWatchers } from "./lineage-dir-watchers.js";
import { isLineageSettled, lineageState } from "./settled-lineage.js";

/** A lineage whose links still disagree this long after its first change is reported anyway (a certbot killed half-way). */
export const SETTLE_LIMIT_MS = 2_000;

export class LiveDirWatcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** When each lineage's pending change was first heard. */
  private readonly since = new Map<string, number>();
  /** The state each lineage was in when last reported (settled-lineage.ts). */
  private readonly reported = new Map<string, string>();
  private readonly lineageWatchers: LineageDirWatchers;
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly liveRoot: string,
    private readonly debounceMs: number,
    private readonly onChange: (name: string) => void,
    log: (line: string) => void,
    private readonly isSettled: (liveDir: string) => boolean = isLineageSettled,
    private readonly stateOf: (liveDir: string) => string = lineageState,
  ) {
    this.lineageWatchers = new LineageDirWatchers(liveRoot, (name) => this.touched(name), log);
  }

  async start(): Promise<void> {
    // chokidar's raw fs.watch events are every change and only changes (its own "add" events repeat existing entries
    // despite ignoreInitial).
    const watcher = watchFiles(this.liveRoot, { ignoreInitial: true, depth: 0, followSymlinks: false, persistent: true });
    watcher.on("raw", (_event, file, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (watched !== this.liveRoot || !file) return;
      this.lineageWatchers.update(file);
      this.touched(file);
    });
    await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
    this.watcher = watcher;
    this.lineageWatchers.watchExisting();
  }

  private touched(entry: string): void {
    const name = entry.split(path.sep)[0];
    if (!name || name.startsWith(".") || name === "README") return;
    clearTimeout(this.timers.get(name));
    if (!this.since.has(name)) this.since.set(name, Date.now());
    this.arm(name);
  }

  private arm(name: string): void {
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        const dir = path.join(this.liveRoot, name);
        if (!this.isSettled(dir) && Date.now() - this.since.get(name)! < SETTLE_LIMIT_MS) return this.arm(name);
        this.since.delete(name);
        // The events of certbot's last swaps can arrive after a quiet time that already found the lineage settled (the
        // timer ran first): the same state is not reported twice, which would run a second pass for nothing.
        const state = this.stateOf(dir);
        if (this.reported.get(name) === state) return;
        this.reported.set(name, state);
        this.onChange(name);
      }, this.debounceMs),
    );
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.since.clear();
    this.reported.clear();
    await this.watcher?.close();
    this.lineageWatchers.closeAll();
  }
}
