// The certbot flags every ngcert run passes: the settings' directories and server, never a prompt.
import type { Settings } from "../settings/settings.js";

export function commonCertbotArgs(settings: Settings): string[] {
  return [
    "--config-dir",
    settings.letsencryptDir,
    "--work-dir",
    settings.certbotWorkDir,
    "--logs-dir",
    settings.certbotLogsDir,
    "--non-interactive",
  ];
}

export function accountArgs(settings: Settings): string[] {
  return [
    "--server",
    settings.server,
    "--agree-tos",
    ...(settings.email === undefined ? ["--register-unsafely-without-email"] : ["--email", settings.email, "--no-eff-email"]),
  ];
}
