// The watcher's reaction time (issue 6): certbot renews with no ngcert hook at all, and we time from certbot's exit
// to the first TLS handshake that presents the new certificate, polling every 20 ms.
import { X509Certificate } from "node:crypto";
import { lstatSync, readFileSync } from "node:fs";
import path from "node:path";
import { pollUntilServed } from "../test/world/poll-served.js";
import { describeCertbot, runCertbot } from "../test/world/run-certbot.js";
import { describeRun, runNgcert } from "../test/world/run-ngcert.js";
import { describeWatcher, startWatcher, stopAllWatchers } from "../test/world/run-watcher.js";
import { startWorld } from "../test/world/world.js";
import { BrokenRun } from "./runners.js";

const SITE = "watched.ngcert.test";

export interface Reaction {
  /** certbot's exit to the new serial in a handshake. */
  servedMs: number;
  /** The last live/ link swap (its own mtime) to the new serial in a handshake: certbot swaps them before it exits. */
  sinceSwapMs: number;
  /** certbot's exit to the watcher's `reloaded` line. */
  reloadedEventMs: number;
  handshakes: number;
}

export async function measureReactions(renewals: number, log: (text: string) => void): Promise<Reaction[]> {
  const world = await startWorld({ challengeServer: false });
  try {
    const config = path.join(world.dirs.root, "no-config.json");
    for (const args of [["init"], ["add", SITE, "--upstream", world.upstream.url]]) {
      const run = await runNgcert(world, [...args, "--config", config], { timeoutMs: 90_000 });
      if (run.exitCode !== 0) throw new BrokenRun(`ngcert ${args[0]} failed:\n${describeRun(run)}`);
    }
    const watcher = startWatcher(["--config", config, "--interval", "3600"], { env: world.env });
    await watcher.waitForEvent((event) => event.event === "checked", { what: "the watcher's first check", timeoutMs: 30_000 });
    const reactions: Reaction[] = [];
    for (let round = 1; round <= renewals; round++) {
      const from = watcher.mark();
      // No hook of ngcert runs: not the renewal-hooks/ directories, not the deploy hook `ngcert add` recorded.
      const run = await runCertbot(world, "renew", ["--force-renewal", "--cert-name", SITE, "--no-directory-hooks", "--deploy-hook", ""]);
      const finished = performance.now();
      const finishedAt = Date.now();
      if (run.exitCode !== 0) throw new BrokenRun(`certbot renew failed:\n${describeCertbot(world, run)}`);
      const serial = new X509Certificate(readFileSync(path.join(world.dirs.letsencryptDir, "live", SITE, "cert.pem"))).serialNumber;
      const pollStart = performance.now();
      const poll = await pollUntilServed({ port: world.ports.https, servername: SITE, serial, intervalMs: 20, timeoutMs: 30_000 });
      const servedMs = pollStart - finished + poll.elapsedMs;
      const servedAt = Date.now();
      const swappedAt = Math.max(...["cert", "chain", "fullchain", "privkey"].map((kind) => lstatSync(path.join(world.dirs.letsencryptDir, "live", SITE, `${kind}.pem`)).mtimeMs));
      const reloaded = await watcher
        .waitForEvent((event) => event.event === "reloaded" && event.name === SITE, { from, what: `the watcher's reloaded event (round ${round})` })
        .catch((error: unknown) => {
          throw new BrokenRun(`${error instanceof Error ? error.message : String(error)}\n${describeWatcher(watcher)}`);
        });
      reactions.push({ servedMs, sinceSwapMs: servedAt - swappedAt, reloadedEventMs: reloaded.receivedAt - finishedAt, handshakes: poll.handshakes });
      log(`watch bench: renewal ${round}/${renewals}: served ${servedMs.toFixed(0)} ms after certbot exited`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return reactions;
  } finally {
    await stopAllWatchers();
    await world.stop();
  }
}
