import { startClusterWorld, servedFingerprint, fileFingerprint, ageLineage } from "./cluster-world.js";
import { readPebbleLog } from "./services.js";
import { waitFor } from "../../../src/world/wait.js";
import path from "node:path";
const world = await startClusterWorld({ nodes: ["web1", "web2", "web3"], issuer: "etcd", leaseSeconds: 5 });
console.log("root", world.root);
const show = (label: string, r: { exitCode: number; stdout: string; stderr: string; durationMs: number }) => console.log(`=== ${label}: exit ${r.exitCode} ${r.durationMs}ms\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr}`);
const D = "app.cluster.test";
const fps = async () => Promise.all(world.nodes.map(async (n) => `${n.name}=${(await servedFingerprint(n.net.address, 443, D).catch((e) => String(e))).slice(0, 16)}`));
try {
  show("cluster init", await world.ngcert("web1", ["cluster", "init"]));
  show("add", await world.ngcert("web1", ["add", D, "--upstream", "http://127.0.0.1:9000"]));
  for (const n of ["web2", "web3"]) { await world.writeSite(n, D, [D]); show(`reload ${n}`, await world.ngcert(n, ["reload"])); }
  const aged = await ageLineage(world.node("web1").letsencryptDir, D, [D], 10);
  show("reload web1 aged", await world.ngcert("web1", ["reload"]));
  show("sync aged", await world.ngcert("web1", ["cluster", "sync"]));
  console.log("aged", aged.slice(0, 16), await fps());
  const before = (await readPebbleLog(world.pebble.logFile)).orders.length;
  await world.network.setLink("web2", false); await world.network.setLink("web3", false);
  const a1 = world.startAgent("web1", ["--sync-interval", "2", "--renew-interval", "3600"]);
  await waitFor(async () => (await a1.events()).find((e) => e.event === "renewed"), { what: "web1 renewed", timeoutMs: 90_000, intervalMs: 500 });
  console.log("web1 events", JSON.stringify(await a1.events()));
  process.kill(a1.child.pid, "SIGKILL");
  await world.network.setLink("web2", true); await world.network.setLink("web3", true);
  const t0 = Date.now();
  const a2 = world.startAgent("web2", ["--sync-interval", "2", "--renew-interval", "3600"]);
  const a3 = world.startAgent("web3", ["--sync-interval", "2", "--renew-interval", "3600"]);
  const live = await fileFingerprint(path.join(world.node("web1").letsencryptDir, "live", D, "cert.pem"));
  await waitFor(async () => ((await fps()).every((f) => f.endsWith(live.slice(0, 16))) ? true : undefined), { what: "all serve web1's renewal", timeoutMs: 90_000, intervalMs: 500 });
  console.log("converged after", Date.now() - t0, await fps());
  console.log("web2 events", JSON.stringify(await a2.events()));
  console.log("web3 events", JSON.stringify(await a3.events()));
  console.log("orders since", (await readPebbleLog(world.pebble.logFile)).orders.length - before);
  show("status --nodes", await world.ngcert("web2", ["status", "--nodes"]));
} finally {
  if (process.env.KEEP !== "1") await world.stop();
}
