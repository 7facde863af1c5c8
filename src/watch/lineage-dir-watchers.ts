// One plain fs.watch per live/<name>/ directory: certbot swaps the links inside it. A kernel watch per directory costs
// little; chokidar's bookkeeping for thousands of directories costs about 40 MB, so chokidar watches live/ itself
// (lineages appearing and disappearing) and these watch inside each lineage.
import { readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";

export class LineageDirWatchers {
  private readonly watchers = new Map<string, { watcher: FSWatcher; inode: number }>();

  constructor(
    private readonly liveRoot: string,
    private readonly onChange: (name: string) => void,
    private readonly onError: (message: string) => void,
  ) {}

  /** Starts watching every lineage directory that exists now. */
  watchExisting(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.liveRoot);
    } catch (error) {
      this.onError(`cannot list ${this.liveRoot}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const name of names) this.update(name);
  }

  /** Watches `name` if it is a lineage directory now, stops watching it if it is gone. */
  update(name: string): void {
    if (name === "README" || name.startsWith(".")) return;
    const dir = path.join(this.liveRoot, name);
    let isDir = false;
    let inode = 0;
    try {
      const stat = statSync(dir);
      isDir = stat.isDirectory();
      inode = stat.ino;
    } catch {
      isDir = false;
    }
    const current = this.watchers.get(name);
    // A directory replaced by another (an atomic exchange of live/<name>) needs a watch on the new one.
    if (!isDir || (current && current.inode !== inode)) {
      current?.watcher.close();
      this.watchers.delete(name);
      if (!isDir) return;
    } else if (current) return;
    try {
      const watcher = watch(dir, { persistent: false }, () => this.onChange(name));
      watcher.on("error", () => {
        watcher.close();
        this.watchers.delete(name);
      });
      this.watchers.set(name, { watcher, inode });
    } catch (error) {
      this.onError(`cannot watch ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  closeAll(): void {
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
