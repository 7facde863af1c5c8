// The settings table from SPEC.md: every command takes these, with the same flag, environment variable and default.

export type SettingKind = "path" | "program" | "command" | "port" | "address" | "url" | "email" | "seconds";

export interface SettingDefinition {
  /** Long flag name, also the key in the config file. */
  key: SettingKey;
  env: string;
  kind: SettingKind;
  describe: string;
}

export const SETTING_KEYS = [
  "letsencrypt-dir",
  "certbot-work-dir",
  "certbot-logs-dir",
  "webroot",
  "nginx-dir",
  "nginx-conf",
  "nginx-bin",
  "reload-cmd",
  "reload-timeout",
  "certbot-bin",
  "http-port",
  "https-port",
  "listen-address",
  "server",
  "email",
  "cache-dir",
] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];

export const SETTINGS: readonly SettingDefinition[] = [
  { key: "letsencrypt-dir", env: "NGCERT_LETSENCRYPT_DIR", kind: "path", describe: "certbot config dir [/etc/letsencrypt]" },
  { key: "certbot-work-dir", env: "NGCERT_CERTBOT_WORK_DIR", kind: "path", describe: "certbot work dir [/var/lib/letsencrypt]" },
  { key: "certbot-logs-dir", env: "NGCERT_CERTBOT_LOGS_DIR", kind: "path", describe: "certbot logs dir [/var/log/letsencrypt]" },
  { key: "webroot", env: "NGCERT_WEBROOT", kind: "path", describe: "shared challenge webroot [/var/www/acme-challenge]" },
  { key: "nginx-dir", env: "NGCERT_NGINX_DIR", kind: "path", describe: "nginx config dir [/etc/nginx]" },
  { key: "nginx-conf", env: "NGCERT_NGINX_CONF", kind: "path", describe: "nginx main config [<nginx-dir>/nginx.conf]" },
  { key: "nginx-bin", env: "NGCERT_NGINX_BIN", kind: "program", describe: "nginx binary [nginx]" },
  { key: "reload-cmd", env: "NGCERT_RELOAD_CMD", kind: "command", describe: "reload command [<nginx-bin> -c <nginx-conf> -s reload]" },
  { key: "reload-timeout", env: "NGCERT_RELOAD_TIMEOUT", kind: "seconds", describe: "seconds the reload command and nginx get to load the new configuration [60]" },
  { key: "certbot-bin", env: "NGCERT_CERTBOT_BIN", kind: "program", describe: "certbot binary [certbot]" },
  { key: "http-port", env: "NGCERT_HTTP_PORT", kind: "port", describe: "HTTP port [80]" },
  { key: "https-port", env: "NGCERT_HTTPS_PORT", kind: "port", describe: "HTTPS port [443]" },
  { key: "listen-address", env: "NGCERT_LISTEN_ADDRESS", kind: "address", describe: "listen address, empty for all [empty]" },
  { key: "server", env: "NGCERT_SERVER", kind: "url", describe: "ACME directory URL [Let's Encrypt production]" },
  { key: "email", env: "NGCERT_EMAIL", kind: "email", describe: "account e-mail [none]" },
  { key: "cache-dir", env: "NGCERT_CACHE_DIR", kind: "path", describe: "status cache dir [/var/cache/ngcert]" },
];

export const DEFAULT_CONFIG_PATH = "/etc/ngcert/config.json";
export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
