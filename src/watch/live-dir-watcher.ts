// Hears every change under live/: chokidar watches live/ itself (lineages appearing, disappearing, renamed), a plain
// fs.watch each lineage directory (certbot swaps the links inside). Changes to one lineage are debounced, since
// certbot swaps four links in a row, and then reported once by name.
import path from "node:path";
import { watch as watchFiles, type FSWatcher } from "chokidar";
import { LineageDirWatchers } from "./lineage-dir-watchers.js";

export class LiveDirWatcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lineageWatchers: LineageDirWatchers;
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly liveRoot: string,
    private readonly debounceMs: number,
    private readonly onChange: (name: string) => void,
    log: (line: string) => void,
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
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        this.onChange(name);
      }, this.debounceMs),
    );
  }

  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.watcher?.close();
    this.lineageWatchers.closeAll();
  }
}
