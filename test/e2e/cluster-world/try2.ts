import { startClusterWorld } from "./cluster-world.js";
import { execa } from "execa";
const world = await startClusterWorld({ nodes: ["web1", "web2"] });
try {
  const cfg = JSON.parse(await (await import("node:fs/promises")).readFile(world.node("web1").configFile, "utf8"));
  const c = cfg.cluster;
  const r = await execa("/usr/sbin/ip", ["netns", "exec", world.node("web1").net.ns, "ssh", "-T", "-o", "BatchMode=yes", "-o", `UserKnownHostsFile=${c["ssh-known-hosts"]}`, "-i", c["ssh-key"], "-l", "root", world.node("web2").net.address, "echo hi; which node; id"], { reject: false });
  console.log(r.exitCode, r.stdout, r.stderr);
  const r2 = await execa("/usr/sbin/ip", ["netns", "exec", world.node("web1").net.ns, "ssh", "-T", "-o", "BatchMode=yes", "-o", `UserKnownHostsFile=${c["ssh-known-hosts"]}`, "-i", c["ssh-key"], "-l", "root", world.node("web2").net.address, [...c.nodes[1].command, "cluster", "report", "--json"].join(" ")], { reject: false });
  console.log(r2.exitCode, r2.stdout, r2.stderr);
} finally { await world.stop(); }
