// What install.sh needs to know about the configured nginx: the endpoints its configuration listens on (plus, before
// `ngcert init` has written it, the catch-all init will add), whether it runs and which processes are its own, and the
// last error it logged.
import { lookup } from "node:dns/promises";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { readParentPid } from "../fs/process-alive.js";
import { hostHasIpv6 } from "../nginx/host-ipv6.js";
import { findServerBlocks, parseListen } from "../nginx/http-servers.js";
import { NginxTestError } from "../nginx/nginx-control.js";
import { readMasterPid } from "../nginx/nginx-processes.js";
import { readNginxDump, type NginxDump } from "../nginx/read-nginx-dump.js";
import { listenTargets } from "../nginx/render-acme.js";
import type { Settings } from "../settings/settings.js";
import { endpointOf, endpointsToBind, type Endpoint, type SocketHolder } from "./endpoints.js";

/** `nginx -T`, with nginx's own complaint (and the file and line it names) as the message when it refuses. */
export async function readNginxConfig(settings: Settings, exec: Exec): Promise<NginxDump> {
  try {
    return await readNginxDump(settings, exec);
  } catch (error) {
    if (error instanceof NginxTestError) {
      const { message, file, line } = error.failure;
      throw new NgcertError("NGINX_INVALID", `nginx -t fails: ${message}${file === undefined ? "" : ` in ${file}${line === undefined ? "" : `:${line}`}`}`, { cause: error });
    }
    throw error;
  }
}

/** The endpoints nginx binds for its http servers, and for init's catch-all when `withCatchAll` (init has not run yet). */
export async function nginxEndpoints(dump: NginxDump, settings: Settings, withCatchAll: boolean): Promise<Endpoint[]> {
  const listens = findServerBlocks(dump.files).flatMap((server) => server.listens);
  if (withCatchAll) {
    for (const target of listenTargets({ ...settings, ipv6: hostHasIpv6() })) {
      const listen = parseListen([target]);
      if (listen) listens.push(listen);
    }
  }
  const endpoints: Endpoint[] = [];
  for (const listen of listens) {
    const endpoint = endpointOf(listen.address, listen.port);
    if (endpoint) {
      endpoints.push(endpoint);
      continue;
    }
    // `listen localhost:80`: nginx binds every address the name resolves to.
    for (const { address, family } of await lookup(listen.address, { all: true }).catch(() => [])) {
      const resolved = endpointOf(address, listen.port);
      if (resolved && (family === 4 || family === 6)) endpoints.push(resolved);
    }
  }
  return endpointsToBind(endpoints);
}

export interface RunningNginx {
  pid: number;
  /** The master and its workers: the sockets they hold are nginx's own. */
  isOwn: (holder: SocketHolder) => boolean;
}

/** The running master of this configuration (from its pid file), or undefined. */
export function findRunningNginx(dump: NginxDump): RunningNginx | undefined {
  const pid = dump.pidFile === undefined ? undefined : readMasterPid(dump.pidFile);
  if (pid === undefined) return undefined;
  return { pid, isOwn: (holder) => holder.pid === pid || readParentPid(holder.pid) === pid };
}

/** The last error nginx logged (e.g. a failed bind during a reload), from the end of its main error log. */
export function readLastNginxError(dump: NginxDump): string | undefined {
  if (dump.errorLog === undefined) return undefined;
  let tail: string;
  try {
    const fd = openSync(dump.errorLog, "r");
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 16_384);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      tail = buffer.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const last = tail.split("\n").filter((line) => /\[(emerg|alert|crit)\]/.test(line)).at(-1);
  return last?.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (?:\*\d+ )?/, "[$1] ");
}
