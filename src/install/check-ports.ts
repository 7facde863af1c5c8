// Before nginx starts or reloads: is every endpoint it will listen on free, or held by this nginx already? A port
// held by another program (a leftover `certbot --standalone`, Apache, a dev server, docker-proxy) would make nginx
// fail to start, or — on a reload — quietly keep its old sockets while the challenge requests go elsewhere.
import type { Exec } from "../exec.js";
import type { Settings } from "../settings/settings.js";
import { findPortConflicts, type Endpoint, type PortConflict } from "./endpoints.js";
import { readListeningSockets } from "./listening-sockets.js";
import { findRunningNginx, nginxEndpoints, readNginxConfig } from "./nginx-endpoints.js";

export interface PortCheck {
  endpoints: Endpoint[];
  /** The master pid of this configuration's nginx, when it runs. */
  nginxPid: number | undefined;
  conflicts: PortConflict[];
}

export async function checkPorts(settings: Settings, exec: Exec, options: { withCatchAll: boolean }): Promise<PortCheck> {
  const dump = await readNginxConfig(settings, exec);
  const endpoints = await nginxEndpoints(dump, settings, options.withCatchAll);
  const nginx = findRunningNginx(dump);
  const sockets = await readListeningSockets(exec);
  return { endpoints, nginxPid: nginx?.pid, conflicts: findPortConflicts(endpoints, sockets, nginx?.isOwn ?? (() => false)) };
}
