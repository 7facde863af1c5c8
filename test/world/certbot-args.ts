// The certbot flags every test run needs: the world's directories, Pebble as the server, and no questions asked.

export interface CertbotArgsInput {
  letsencryptDir: string;
  workDir: string;
  logsDir: string;
  directoryUrl: string;
}

/** Flags to append after certbot's subcommand; `renew` also skips certbot's random sleep of up to 8 minutes. */
export function renderCertbotArgs(input: CertbotArgsInput, subcommand?: string): string[] {
  return [
    "--config-dir", input.letsencryptDir,
    "--work-dir", input.workDir,
    "--logs-dir", input.logsDir,
    "--server", input.directoryUrl,
    "--non-interactive",
    "--agree-tos",
    "--register-unsafely-without-email",
    ...(subcommand === "renew" ? ["--no-random-sleep-on-renew"] : []),
  ];
}
