// The resolved settings every command works with.

export interface Settings {
  configPath: string;
  letsencryptDir: string;
  certbotWorkDir: string;
  certbotLogsDir: string;
  webroot: string;
  nginxDir: string;
  nginxConf: string;
  nginxBin: string;
  /** Program and arguments, never a shell string. */
  reloadCmd: string[];
  certbotBin: string;
  httpPort: number;
  httpsPort: number;
  /** Empty: listen on all addresses. */
  listenAddress: string;
  server: string;
  email: string | undefined;
  cacheDir: string;
}
