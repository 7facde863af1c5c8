// Runs a local world's nginx in the foreground as our child, reloadable with `nginx -c <conf> -s reload` like a real one.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execProgram } from "../exec.js";
import { isProcessAlive } from "../fs/process-alive.js";
import { readChildren, readMasterPid } from "../nginx/nginx-processes.js";
import { describeStartFailure, readTail, startChild, type Child } from "./child-process.js";
import { httpGet } from "./http-get.js";
import { renderChallengeServer, renderMimeTypes, renderNginxConf } from "./nginx-conf.js";
import { listNginxDirs, type NginxLayout } from "./nginx-layout.js";
import { waitFor } from "./wait.js";

export interface NginxOptions {
  program: string;
  layout: NginxLayout;
  logDir: string;
  httpPort: number;
  webroot: string;
  challengeServer: boolean;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  /** See ChildOptions.detached. */
  detached?: boolean;
}

export interface Nginx {
  child: Child;
  /** `nginx -c <conf> -s reload` (ngcert's default reload command), then waits for the new workers. */
  reload(): Promise<void>;
}

export const CHALLENGE_SERVER_FILE = "ngcert-test-world-challenge.conf";

export async function writeNginxFiles(options: NginxOptions): Promise<void> {
  const { layout } = options;
  for (const dir of listNginxDirs(layout)) await mkdir(dir, { recursive: true });
  await writeFile(layout.conf, renderNginxConf({ layout, runAsRoot: process.getuid?.() === 0 }));
  await writeFile(path.join(layout.dir, "mime.types"), renderMimeTypes());
  if (options.challengeServer) {
    await writeFile(
      path.join(layout.confD, CHALLENGE_SERVER_FILE),
      renderChallengeServer({ listenAddress: "127.0.0.1", httpPort: options.httpPort, webroot: options.webroot }),
    );
  }
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  return /^\d+\s*$/.test(text) ? Number(text) : undefined;
}

async function countWorkerStarts(errorLog: string): Promise<number> {
  const text = await readFile(errorLog, "utf8").catch(() => "");
  return text.split("start worker processes").length - 1;
}

/** Have these (old) workers stopped accepting? Each logs "gracefully shutting down" as it closes its listening sockets. */
async function haveStoppedAccepting(errorLog: string, workers: readonly number[]): Promise<boolean> {
  const text = await readFile(errorLog, "utf8").catch(() => "");
  return workers.every((pid) => new RegExp(`\\b${pid}#\\d+: (gracefully shutting down|exit)\\b`).test(text) || !isProcessAlive(pid));
}

/** Proves the challenge path works end to end: a file in the webroot, fetched through nginx by Host name. */
async function probeChallengePath(options: NginxOptions): Promise<true | undefined> {
  const dir = path.join(options.webroot, ".well-known", "acme-challenge");
  const token = `world-probe-${process.pid}`;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, token), token);
  try {
    const response = await httpGet({ port: options.httpPort, path: `/.well-known/acme-challenge/${token}`, host: "probe.ngcert.test" });
    return response.status === 200 && response.body === token ? true : undefined;
  } finally {
    await rm(path.join(dir, token), { force: true });
  }
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const { layout } = options;
  await writeNginxFiles(options);
  const child = startChild({
    name: "nginx",
    program: options.program,
    // -e: the error log before the config is read; the compiled-in default may be outside the temp dir.
    args: ["-e", layout.errorLog, "-c", layout.conf, "-g", "daemon off;"],
    env: options.env,
    logFile: path.join(options.logDir, "nginx.log"),
    cwd: options.logDir,
    detached: options.detached,
  });
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    // The master writes its pid file after it has bound every listening socket.
    await waitFor(async () => ((await readPid(layout.pidFile)) === child.pid ? true : undefined), {
      what: `nginx's pid file ${layout.pidFile}`,
      timeoutMs,
      abort: child.exitReason,
    });
    if (options.challengeServer) {
      await waitFor(() => probeChallengePath(options), { what: `a challenge file served on 127.0.0.1:${options.httpPort}`, timeoutMs, abort: child.exitReason });
    }
  } catch (error) {
    await child.stop();
    const wrapped = describeStartFailure(child, error);
    wrapped.message += `\n--- last lines of ${layout.errorLog} ---\n${readTail(layout.errorLog, 20)}`;
    throw wrapped;
  }
  return {
    child,
    reload: async () => {
      const before = await countWorkerStarts(layout.errorLog);
      const master = readMasterPid(layout.pidFile);
      const oldWorkers = master === undefined ? [] : readChildren(master);
      await execProgram(options.program, ["-c", layout.conf, "-s", "reload"], { env: options.env, timeoutMs });
      await waitFor(async () => ((await countWorkerStarts(layout.errorLog)) > before ? true : undefined), {
        what: "nginx to start new workers after the reload",
        timeoutMs,
        abort: child.exitReason,
      });
      // The master starts the new workers before it tells the old ones to stop: until they have, an old worker can
      // still accept a connection and answer it with the old configuration.
      await waitFor(async () => ((await haveStoppedAccepting(layout.errorLog, oldWorkers)) ? true : undefined), {
        what: `nginx's old workers ${oldWorkers.join(", ")} to stop accepting after the reload`,
        timeoutMs,
        abort: child.exitReason,
      });
    },
  };
}
