// The one place `ngcert doctor --fix` puts a changed nginx configuration into service: nginx -t, then a graceful
// reload when nginx runs. (To be routed through ngcert's single "bring into service" step, which also confirms that
// nginx really loaded it.)
import type { Exec } from "../exec.js";
import { reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump } from "../nginx/read-nginx-dump.js";
import type { Settings } from "../settings/settings.js";

export type ServiceOutcome = "reloaded" | "not-running";

export async function bringConfigIntoService(settings: Settings, exec: Exec): Promise<ServiceOutcome> {
  await testNginxConfig(settings, exec);
  if (!isNginxRunning(await readNginxDump(settings, exec))) return "not-running";
  await reloadNginx(settings, exec);
  return "reloaded";
}
