// The seed's baseline for the zero-downtime bench: a renewal through certbot's standalone authenticator, which must
// bind port 80 itself, so nginx is stopped by a pre hook and started again by a post hook. The world's nginx runs as
// our foreground child; the post hook starts a daemonized one with the same configuration, which stopDaemonNginx
// ends through its pid file.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runCertbot, type CertbotRun } from "../test/world/run-certbot.js";
import type { World } from "../test/world/world.js";

/** Writes the pre hook (stop nginx, return once it has exited, as `systemctl stop nginx` does) and returns the flags. */
export function standaloneRenewArgs(world: World, name: string): string[] {
  const preHook = path.join(world.dirs.root, "baseline-pre-hook.sh");
  writeFileSync(
    preHook,
    `#!/bin/sh
# Stops nginx and waits until its master has gone: only then is the HTTP port free for certbot to bind.
pid=$(cat ${world.nginx.pidFile} 2>/dev/null)
${world.programs.nginx} -c ${world.nginx.conf} -s stop
if [ -n "$pid" ]; then
  while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
fi
exit 0
`,
  );
  chmodSync(preHook, 0o755);
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
    preHook,
    // No `daemon off;` here: nginx forks and this hook returns once the master has bound its ports.
    "--post-hook",
    `${world.programs.nginx} -e ${world.nginx.errorLog} -c ${world.nginx.conf}`,
    // Only certbot's own way: neither ngcert's hook directories nor the deploy hook `ngcert add` recorded.
    "--no-directory-hooks",
    "--deploy-hook",
    "",
  ];
}

export function renewStandalone(world: World, name: string): Promise<CertbotRun> {
  return runCertbot(world, "renew", standaloneRenewArgs(world, name), { timeoutMs: 120_000 });
}

/** Stops whatever nginx the pid file names (the daemon the post hook started) and waits until it has exited. */
export async function stopDaemonNginx(world: World, timeoutMs = 10_000): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(world.nginx.pidFile, "utf8").trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
