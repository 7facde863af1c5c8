// What a demo world is made of, written into its directory as it starts (demo-world.json): its processes, named by
// pid and start time so a reused pid is never mistaken for one of them, and its nginx (whose master changes when the
// old way of renewing restarts it). `ngcert demo --stop DIR` and the demo's own clean-up both stop from it.
import { readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { NgcertError } from "../errors.js";

export const RECORD_FILE = "demo-world.json";
const KIND = "ngcert-demo-world";

export interface RecordedProcess {
  name: string;
  pid: number;
  startTicks: number | undefined;
}

export interface WorldRecord {
  kind: typeof KIND;
  root: string;
  /** nginx is stopped through its pid file, and only when that process runs this configuration. */
  nginx: { pidFile: string; conf: string };
  processes: RecordedProcess[];
}

export function newWorldRecord(root: string, nginx: WorldRecord["nginx"]): WorldRecord {
  return { kind: KIND, root, nginx, processes: [] };
}

/** Written whole under a temporary name and renamed: a demo killed while writing leaves the previous record. */
export async function writeWorldRecord(record: WorldRecord): Promise<void> {
  const file = path.join(record.root, RECORD_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** The record of the world in `root`; a directory without one is not a demo world and is never touched. */
export function readWorldRecord(root: string): WorldRecord {
  if (!path.isAbsolute(root)) throw new NgcertError("USAGE", `--stop needs the demo world's absolute path, not ${JSON.stringify(root)}`);
  let record: unknown;
  const file = path.join(root, RECORD_FILE);
  try {
    record = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "it holds no demo-world.json" : `${file} cannot be read (${(error as Error).message})`;
    throw new NgcertError("NOT_FOUND", `${root} is not an ngcert demo world: ${why}; nothing was stopped or removed`);
  }
  const candidate = record as Partial<WorldRecord>;
  if (candidate.kind !== KIND || candidate.root !== root || !candidate.nginx || !Array.isArray(candidate.processes)) {
    throw new NgcertError("NOT_FOUND", `${file} is not an ngcert demo world's record; nothing was stopped or removed`);
  }
  return candidate as WorldRecord;
}
