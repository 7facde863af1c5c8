// The seed's baseline for the zero-downtime bench: a renewal through certbot's standalone authenticator, which must
// bind port 80 itself, so nginx is stopped by a pre hook and started again by a post hook. The hooks are ngcert demo's
// nginx wrapper (its `-s stop` returns once the master has exited, as `systemctl stop nginx` does); the post hook
// starts a daemonized nginx with the same configuration, which stopDaemonNginx ends through its pid file.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderNginxWrapper } from "../src/demo/demo-files.js";
import { stopWorld } from "../src/demo/stop-world.js";
import { newWorldRecord } from "../src/demo/world-record.js";
import { runCertbot, type CertbotRun } from "../test/world/run-certbot.js";
import type { World } from "../test/world/world.js";

/** Writes the world's nginx wrapper and returns certbot's flags for the old way. */
export function standaloneRenewArgs(world: World, name: string): string[] {
  const bin = path.join(world.dirs.root, "baseline-bin");
  mkdirSync(bin, { recursive: true });
  const nginx = path.join(bin, "nginx");
  writeFileSync(nginx, renderNginxWrapper({ nginxBin: world.programs.nginx, conf: world.nginx.conf, errorLog: world.nginx.errorLog, pidFile: world.nginx.pidFile }));
  chmodSync(nginx, 0o755);
  return [
    "--force-renewal",
    "--cert-name",
    name,
    "--standalone",
    "--http-01-port",
    String(world.ports.http),
    "--http-01-address",
    "127.0.0.1",
    "--pre-hook",
    `${nginx} -s stop`,
    // nginx forks and this hook returns once the master has bound its ports.
    "--post-hook",
    nginx,
    // Only certbot's own way: neither ngcert's hook directories nor the deploy hook `ngcert add` recorded.
    "--no-directory-hooks",
    "--deploy-hook",
    "",
  ];
}

export function renewStandalone(world: World, name: string): Promise<CertbotRun> {
  return runCertbot(world, "renew", standaloneRenewArgs(world, name), { timeoutMs: 120_000 });
}

/** Stops whatever nginx the pid file names with the world's configuration (the daemon the post hook started). */
export async function stopDaemonNginx(world: World): Promise<void> {
  await stopWorld(newWorldRecord(world.dirs.root, { pidFile: world.nginx.pidFile, conf: world.nginx.conf }), { removeDir: false });
}
