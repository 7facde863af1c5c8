// Where ngcert spends its time: runs it once under `node --cpu-prof` and sums self time per function.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface HotSpot {
  name: string;
  selfMs: number;
  share: number;
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export function profileRun(args: readonly string[], env: NodeJS.ProcessEnv, top = 12): { totalMs: number; hotSpots: HotSpot[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "ngcert-bench-prof-"));
  try {
    spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, ...args], { env, stdio: "ignore" });
    const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
    if (!file) return { totalMs: 0, hotSpots: [] };
    return summarizeProfile(JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile, top);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function summarizeProfile(profile: CpuProfile, top: number): { totalMs: number; hotSpots: HotSpot[] } {
  const nameOf = new Map(profile.nodes.map((node) => [node.id, describeFrame(node.callFrame)]));
  const selfMs = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const name = nameOf.get(id) ?? "?";
    selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
    totalMs += ms;
  });
  const hotSpots = [...selfMs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, selfMs: ms, share: totalMs > 0 ? ms / totalMs : 0 }));
  return { totalMs, hotSpots };
}

function describeFrame(frame: { functionName: string; url: string; lineNumber: number }): string {
  const where = frame.url === "" ? "" : ` ${frame.url.replace(/^file:\/\//, "").split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`;
  return `${frame.functionName || "(anonymous)"}${where}`;
}
