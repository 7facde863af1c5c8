// The source tree reads bottom-up (STYLE.md, point 12): a folder imports only from its own layer or the layers
// below it, and the flows (hooks, init, sites, renew, watch, doctor, migrate, install, demo) never import one another:
// they share through the layers below. A renewal walks certbot → hooks → deploy → nginx → served, downward only.
// world/ (a local ACME world: Pebble, nginx, upstreams) and load/ (an HTTPS load) are tools the demo and the tests use.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../src");

/** The layer of each top-level folder or file of src/, lowest first. */
const LAYERS: Record<string, number> = {
  "errors.ts": 0,
  "exec.ts": 0,
  "context.ts": 0,
  certs: 0,
  settings: 0,
  fs: 0,
  text: 0,
  certbot: 1,
  nginx: 1,
  acme: 1,
  checks: 2,
  served: 2,
  status: 2,
  timing: 2,
  deploy: 3,
  // The renewal run `ngcert renew` and the watcher share (certbot through the door, ARI, the failure budget).
  renewal: 3.5,
  hooks: 4,
  init: 4,
  sites: 4,
  renew: 4,
  watch: 4,
  doctor: 4,
  migrate: 4,
  install: 4,
  demo: 4,
  cluster: 4,
  world: 2,
  load: 2,
  commands: 5,
  cli: 6,
  "cli.ts": 7,
};
const FLOWS = new Set(["hooks", "init", "sites", "renew", "watch", "doctor", "migrate", "install", "demo", "cluster"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : name.endsWith(".ts") ? [full] : [];
  });
}

const topOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!;

describe("src/ layers", () => {
  const violations: string[] = [];
  const unknown = new Set<string>();
  for (const file of sourceFiles(SRC)) {
    const from = topOf(file);
    for (const match of readFileSync(file, "utf8").matchAll(/from "(\.\.?\/[^"]+)"/g)) {
      const target = path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, ".ts"));
      const to = topOf(target);
      if (to === from) continue;
      if (LAYERS[from] === undefined) unknown.add(from);
      if (LAYERS[to] === undefined) unknown.add(to);
      const upward = (LAYERS[to] ?? 99) > (LAYERS[from] ?? -1);
      const sideways = FLOWS.has(from) && FLOWS.has(to);
      if (upward || sideways) violations.push(`${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`);
    }
  }

  it("every folder of src/ has a place in the layers", () => {
    expect([...unknown]).toEqual([]);
  });

  it("no folder imports from a layer above it, and no flow from another flow", () => {
    expect(violations).toEqual([]);
  });
});
