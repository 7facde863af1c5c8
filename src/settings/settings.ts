// The resolved settings every command works with.
import type { ClusterConfig } from "./cluster-config.js";

export interface Settings {
  configPath: string;
  /**
   * Flags that reproduce the settings given on the command line or in the environment (not the config file's, which
   * is read again by whoever runs later): what `ngcert init` bakes into the certbot hooks.
   */
  givenArgs: string[];
  letsencryptDir: string;
  certbotWorkDir: string;
  certbotLogsDir: string;
  webroot: string;
  nginxDir: string;
  nginxConf: string;
  nginxBin: string;
  /** Program and arguments, never a shell string. */
  reloadCmd: string[];
  /** How long the reload command, and then nginx's new workers, may take before the reload counts as failed. */
  reloadTimeoutMs: number;
  certbotBin: string;
  httpPort: number;
  httpsPort: number;
  /** Empty: listen on all addresses. */
  listenAddress: string;
  server: string;
  email: string | undefined;
  cacheDir: string;
  /** The nodes behind one name, when this node is one of several ("cluster" in the config file). */
  cluster?: ClusterConfig | undefined;
}
