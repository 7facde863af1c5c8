// pebble-challtestsrv as Pebble's DNS: every name resolves to 127.0.0.1, nothing else listens, all on loopback.
import { Resolver } from "node:dns/promises";
import path from "node:path";
import { describeStartFailure, startChild, type Child } from "./child-process.js";
import { httpGet } from "./http-get.js";
import { waitFor } from "./wait.js";

export interface ChalltestsrvOptions {
  program: string;
  dnsPort: number;
  managementPort: number;
  logDir: string;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  /** See ChildOptions.detached. */
  detached?: boolean;
}

export async function startChalltestsrv(options: ChalltestsrvOptions): Promise<Child> {
  const child = startChild({
    name: "pebble-challtestsrv",
    program: options.program,
    args: [
      "-dns01", `127.0.0.1:${options.dnsPort}`,
      "-management", `127.0.0.1:${options.managementPort}`,
      "-defaultIPv4", "127.0.0.1",
      // No AAAA answers: Pebble would otherwise prefer ::1, where the world's nginx does not listen.
      "-defaultIPv6", "",
      // nginx answers HTTP-01; the challenge servers of challtestsrv stay off.
      "-http01", "",
      "-https01", "",
      "-tlsalpn01", "",
    ],
    env: options.env,
    logFile: path.join(options.logDir, "pebble-challtestsrv.log"),
    cwd: options.logDir,
    detached: options.detached,
  });
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([`127.0.0.1:${options.dnsPort}`]);
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    await waitFor(
      async () => {
        const addresses = await resolver.resolve4("probe.ngcert.test");
        return addresses.includes("127.0.0.1") ? true : undefined;
      },
      { what: `DNS answers on 127.0.0.1:${options.dnsPort}`, timeoutMs, abort: child.exitReason },
    );
    // The management server is started last; any HTTP answer from it means start-up is complete.
    await waitFor(async () => ((await httpGet({ port: options.managementPort, path: "/", timeoutMs: 1_000 })).status > 0 ? true : undefined), {
      what: `challtestsrv's management interface on 127.0.0.1:${options.managementPort}`,
      timeoutMs,
      abort: child.exitReason,
    });
  } catch (error) {
    await child.stop();
    throw describeStartFailure(child, error);
  }
  return child;
}
