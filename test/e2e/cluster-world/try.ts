import { startClusterWorld, servedFingerprint, fileFingerprint, NODE_HEADER } from "./cluster-world.js";
import { runHttpsLoad } from "../../../src/load/https-load.js";
import { readPebbleLog } from "./services.js";
import path from "node:path";
const world = await startClusterWorld({ nodes: ["web1", "web2", "web3"], backupNodes: ["web1"] });
console.log("root", world.root, "net", world.network.id, world.network.hostAddress);
const show = (label: string, r: { exitCode: number; stdout: string; stderr: string; durationMs: number }) => console.log(`=== ${label}: exit ${r.exitCode} ${r.durationMs}ms\n${r.stdout}\n--- stderr\n${r.stderr}`);
const D = "app.cluster.test";
const fps = async () => Promise.all(world.nodes.map(async (n) => `${n.name}=${(await servedFingerprint(n.net.address, 443, D).catch((e) => String(e))).slice(0, 16)}`));
try {
  show("cluster init", await world.ngcert("web1", ["cluster", "init"]));
  show("add", await world.ngcert("web1", ["add", D, "--upstream", "http://127.0.0.1:9000"]));
  for (const n of ["web2", "web3"]) { await world.writeSite(n, D, [D]); show(`reload ${n}`, await world.ngcert(n, ["reload"])); }
  console.log(await fps());
  show("status --nodes", await world.ngcert("web1", ["status", "--nodes"]));
  show("doctor", await world.ngcert("web1", ["doctor"]));
  const stop = { done: false };
  const renewal = world.ngcert("web1", ["renew", "--force"]);
  const load = runHttpsLoad({ port: world.balancer.httpsPort, servername: D, concurrency: 4, durationMs: 60_000, stopWhen: renewal, requireHeader: NODE_HEADER });
  show("renew under load", await renewal);
  const l = await load;
  console.log("load", l.ok, l.failed, l.serials, l.samples.filter((s) => !s.ok).slice(0, 5));
  console.log(await fps(), (await fileFingerprint(path.join(world.node("web1").letsencryptDir, "live", D, "cert.pem"))).slice(0, 16));
  console.log(await readPebbleLog(world.pebble.logFile));
  await world.network.setLink("web3", false);
  show("renew with web3 down", await world.ngcert("web1", ["renew", "--force"]));
  show("status --nodes web3 down", await world.ngcert("web1", ["status", "--nodes", "--json"]));
  await world.network.setLink("web3", true);
  show("sync", await world.ngcert("web1", ["cluster", "sync"]));
  console.log(await fps());
} finally {
  if (process.env.KEEP !== "1") await world.stop();
}
