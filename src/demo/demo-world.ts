// The demo's world: a local ACME world (Pebble, challtestsrv, nginx without any site yet) in a private temporary
// directory, two upstream services as processes of their own (the bundle run again), and the files that make it
// usable from a shell. Every process starts in a session of its own and is recorded as it starts, so a Ctrl-C, a
// failure or `ngcert demo --stop` ends them all, and a kept world outlives the demo.
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startChild, describeStartFailure, type Child } from "../world/child-process.js";
import { findFreePorts } from "../world/free-ports.js";
import { httpGet } from "../world/http-get.js";
import { startLocalWorld, type LocalWorld } from "../world/local-world.js";
import type { Programs } from "../world/programs.js";
import { waitFor } from "../world/wait.js";
import { renderCliIni, renderEnvFile, renderNginxWrapper, renderNgcertWrapper, renderStopScript } from "./demo-files.js";
import { stopWorld } from "./stop-world.js";
import { newWorldRecord, writeWorldRecord, type WorldRecord } from "./world-record.js";

export type UpstreamKind = "http" | "websocket";

export interface DemoSite {
  /** The certificate name and the site's only domain. */
  name: string;
  kind: UpstreamKind;
  upstreamUrl: string;
}

export interface DemoWorld {
  root: string;
  world: LocalWorld;
  record: WorldRecord;
  sites: [DemoSite, DemoSite];
  /** The environment every command runs with: the world's settings, and bin/ (ngcert, and nginx with the demo's configuration) first on PATH. */
  env: Record<string, string>;
  binDir: string;
  /** The files a person uses: the settings to source and the script that stops the world. */
  envFile: string;
  stopScript: string;
  /** Ends every process and removes the directory. */
  stop(): Promise<void>;
  /** Leaves every process running after the demo exits. */
  release(): void;
}

export interface DemoWorldOptions {
  programs: Programs;
  /** How to run this ngcert again: node and the bundle. */
  selfCommand: readonly string[];
  /** Header that marks an answer as the upstream's (not an nginx error page). */
  markHeader: string;
  timeoutMs?: number;
  /** Gives up starting at once when it returns a reason (Ctrl-C). */
  abort?: () => string | undefined;
}

export const DEMO_SITES = { app: "app.demo.test", ws: "ws.demo.test" } as const;

export async function startDemoWorld(options: DemoWorldOptions): Promise<DemoWorld> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  // mkdtemp makes it 0700: private to whoever runs the demo.
  const root = await mkdtemp(path.join(tmpdir(), "ngcert-demo-"));
  const binDir = path.join(root, "bin");
  const children: Child[] = [];
  const record: WorldRecord = newWorldRecord(root, { pidFile: path.join(root, "nginx-runtime", "nginx.pid"), conf: path.join(root, "nginx", "nginx.conf") });
  const remember = async (child: Child): Promise<void> => {
    children.push(child);
    record.processes.push({ name: child.name, pid: child.pid, startTicks: child.startTicks });
    await writeWorldRecord(record);
  };
  const stop = async (): Promise<void> => {
    for (const child of children) child.release();
    await stopWorld(record, { removeDir: true });
  };
  try {
    await writeWorldRecord(record);
    const world = await startLocalWorld({ root, programs: options.programs, challengeServer: false, detached: true, timeoutMs });
    for (const child of world.children) await remember(child);
    if (world.layout.pidFile !== record.nginx.pidFile || world.layout.conf !== record.nginx.conf) throw new Error("the demo world's nginx files are not where its record says");

    const [appPort, wsPort] = (await findFreePorts([{}, {}])) as [number, number];
    const sites: [DemoSite, DemoSite] = [
      { name: DEMO_SITES.app, kind: "http", upstreamUrl: `http://127.0.0.1:${appPort}` },
      { name: DEMO_SITES.ws, kind: "websocket", upstreamUrl: `http://127.0.0.1:${wsPort}` },
    ];
    for (const site of sites) {
      const port = Number(new URL(site.upstreamUrl).port);
      const child = startChild({
        name: `upstream ${site.kind}`,
        program: options.selfCommand[0]!,
        args: [...options.selfCommand.slice(1), "demo", "--serve-upstream", site.kind, "--port", String(port)],
        env: world.childEnv,
        logFile: path.join(world.dirs.processLogs, `upstream-${site.kind}.log`),
        cwd: world.dirs.processLogs,
        detached: true,
      });
      await remember(child);
      try {
        // Any HTTP answer: the WebSocket service answers a plain GET with 426.
        await waitFor(async () => ((await httpGet({ port, path: "/", timeoutMs: 1_000 })).headers[options.markHeader] ? true : undefined), {
          what: `the ${site.kind} upstream on 127.0.0.1:${port}`,
          timeoutMs,
          abort: () => options.abort?.() ?? child.exitReason(),
        });
      } catch (error) {
        throw describeStartFailure(child, error);
      }
    }

    const nginxWrapper = { nginxBin: options.programs.nginx, conf: world.layout.conf, errorLog: world.layout.errorLog, pidFile: world.layout.pidFile };
    const variables = Object.fromEntries(Object.entries(world.env).filter(([name]) => world.childEnv[name] !== world.env[name]));
    const envFile = path.join(root, "env");
    const stopScript = path.join(root, "stop");
    await mkdir(binDir, { recursive: true });
    await mkdir(path.join(world.dirs.xdgConfig, "letsencrypt"), { recursive: true });
    await writeFile(envFile, renderEnvFile({ root, binDir, variables }));
    await writeFile(
      path.join(world.dirs.xdgConfig, "letsencrypt", "cli.ini"),
      renderCliIni({ letsencryptDir: world.dirs.letsencryptDir, workDir: world.dirs.workDir, logsDir: world.dirs.logsDir, directoryUrl: world.directoryUrl, httpPort: world.ports.http }),
    );
    const executables: [string, string][] = [
      [path.join(binDir, "ngcert"), renderNgcertWrapper(options.selfCommand)],
      [path.join(binDir, "nginx"), renderNginxWrapper(nginxWrapper)],
      [stopScript, renderStopScript(options.selfCommand, root)],
    ];
    for (const [file, text] of executables) {
      await writeFile(file, text);
      await chmod(file, 0o755);
    }
    return {
      root,
      world,
      record,
      sites,
      env: { ...world.env, PATH: `${binDir}:${world.env.PATH ?? "/usr/bin:/bin"}` },
      binDir,
      envFile,
      stopScript,
      stop,
      release: () => {
        for (const child of children) child.release();
      },
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
