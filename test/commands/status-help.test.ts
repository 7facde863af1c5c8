// `ngcert status --help`: the text a person reads, checked whole so any change to it is a visible diff.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNgcert } from "../helpers/run-cli.js";

// yargs wraps help at the terminal's width (run-cli reads process.stdout.columns): pin it to "not a terminal" so the
// text is the same from an editor's terminal and from CI.
let columns: PropertyDescriptor | undefined;
beforeAll(() => {
  columns = Object.getOwnPropertyDescriptor(process.stdout, "columns");
  Object.defineProperty(process.stdout, "columns", { value: undefined, configurable: true, writable: true });
});
afterAll(() => {
  if (columns) Object.defineProperty(process.stdout, "columns", columns);
  else delete (process.stdout as { columns?: number }).columns;
});

describe("ngcert status --help", () => {
  it("lists the arguments, status's options and every setting, on stdout, exit 0", async () => {
    const result = await runNgcert(["status", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatchInlineSnapshot(`
      "ngcert status [names..]

      show every certificate: domains, expiry, issuer, problems (exit 1 when any)

      Settings (flag > environment > config file > default):
            --config            config file [/etc/ngcert/config.json]                             [string]
            --staging           use Let's Encrypt's staging server                               [boolean]
            --letsencrypt-dir   certbot config dir [/etc/letsencrypt]; env NGCERT_LETSENCRYPT_DIR [string]
            --certbot-work-dir  certbot work dir [/var/lib/letsencrypt]; env NGCERT_CERTBOT_WORK_DIR
                                                                                                  [string]
            --certbot-logs-dir  certbot logs dir [/var/log/letsencrypt]; env NGCERT_CERTBOT_LOGS_DIR
                                                                                                  [string]
            --webroot           shared challenge webroot [/var/www/acme-challenge]; env NGCERT_WEBROOT
                                                                                                  [string]
            --nginx-dir         nginx config dir [/etc/nginx]; env NGCERT_NGINX_DIR               [string]
            --nginx-conf        nginx main config [<nginx-dir>/nginx.conf]; env NGCERT_NGINX_CONF [string]
            --nginx-bin         nginx binary [nginx]; env NGCERT_NGINX_BIN                        [string]
            --reload-cmd        reload command [<nginx-bin> -c <nginx-conf> -s reload]; env
                                NGCERT_RELOAD_CMD                                                 [string]
            --reload-timeout    seconds the reload command and nginx get to load the new configuration
                                [60]; env NGCERT_RELOAD_TIMEOUT                                   [string]
            --certbot-bin       certbot binary [certbot]; env NGCERT_CERTBOT_BIN                  [string]
            --http-port         HTTP port [80]; env NGCERT_HTTP_PORT                              [string]
            --https-port        HTTPS port [443]; env NGCERT_HTTPS_PORT                           [string]
            --listen-address    listen address, empty for all [empty]; env NGCERT_LISTEN_ADDRESS  [string]
            --server            ACME directory URL [Let's Encrypt production]; env NGCERT_SERVER  [string]
            --email             account e-mail [none]; env NGCERT_EMAIL                           [string]
            --cache-dir         status cache dir [/var/cache/ngcert]; env NGCERT_CACHE_DIR        [string]

      Positionals:
        names  certificate names (default: all)                                                   [string]

      Options:
            --version    Show version number                                                     [boolean]
        -h, --help       Show help                                                               [boolean]
            --verbose    show stack traces and program output                                    [boolean]
            --json       print one JSON document                                                 [boolean]
            --warn-days  warn when fewer days are left [a sixth of the lifetime]                  [string]
            --nodes      also every lineage on every node of the cluster                         [boolean]
      "
    `);
  });

  it("answers -h the same, and reads no config file or letsencrypt dir to do it", async () => {
    const help = await runNgcert(["status", "--help"]);
    expect(await runNgcert(["status", "-h", "--config", "/nonexistent/ngcert.json", "--letsencrypt-dir", "/nonexistent"])).toEqual(help);
  });
});
