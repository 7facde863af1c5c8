// Settings precedence (flag > NGCERT_* environment > config file > default) and the checks on every kind of value.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NgcertError, exitCodeFor } from "../../src/errors.js";
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from "../../src/settings/definitions.js";
import { resolveSettings, type SettingsInput } from "../../src/settings/resolve-settings.js";

const CONFIG = "/etc/ngcert-test/config.json";

function input(overrides: Partial<SettingsInput> = {}): SettingsInput {
  return { flags: {}, env: {}, config: {}, configPath: CONFIG, cwd: "/srv/here", ...overrides };
}

function errorOf(overrides: Partial<SettingsInput>): NgcertError {
  try {
    resolveSettings(input(overrides));
  } catch (error) {
    if (error instanceof NgcertError) return error;
    throw error;
  }
  throw new Error("resolveSettings accepted the input");
}

describe("resolveSettings defaults", () => {
  it("gives SPEC.md's defaults when nothing is set", () => {
    expect(resolveSettings(input())).toMatchObject({
      configPath: CONFIG,
      letsencryptDir: "/etc/letsencrypt",
      certbotWorkDir: "/var/lib/letsencrypt",
      certbotLogsDir: "/var/log/letsencrypt",
      webroot: "/var/www/acme-challenge",
      nginxDir: "/etc/nginx",
      nginxConf: "/etc/nginx/nginx.conf",
      nginxBin: "nginx",
      reloadCmd: ["nginx", "-c", "/etc/nginx/nginx.conf", "-s", "reload"],
      reloadTimeoutMs: 60_000,
      certbotBin: "certbot",
      httpPort: 80,
      httpsPort: 443,
      listenAddress: "",
      server: LETS_ENCRYPT_PRODUCTION,
      cacheDir: "/var/cache/ngcert",
    });
    expect(resolveSettings(input()).email).toBeUndefined();
  });

  it("names the default config file when none was given", () => {
    expect(resolveSettings({ flags: {}, env: {}, config: {}, cwd: "/" }).configPath).toBe("/etc/ngcert/config.json");
  });
});

describe("resolveSettings precedence", () => {
  // One setting of every kind, with a distinct value per source and the value each resolves to.
  const cases = [
    { key: "letsencrypt-dir", env: "NGCERT_LETSENCRYPT_DIR", field: "letsencryptDir", values: ["/flag/le", "/env/le", "/config/le"], resolved: ["/flag/le", "/env/le", "/config/le"], fallback: "/etc/letsencrypt" },
    { key: "nginx-bin", env: "NGCERT_NGINX_BIN", field: "nginxBin", values: ["/flag/nginx", "/env/nginx", "/config/nginx"], resolved: ["/flag/nginx", "/env/nginx", "/config/nginx"], fallback: "nginx" },
    { key: "certbot-bin", env: "NGCERT_CERTBOT_BIN", field: "certbotBin", values: ["flag-certbot", "env-certbot", "config-certbot"], resolved: ["flag-certbot", "env-certbot", "config-certbot"], fallback: "certbot" },
    { key: "reload-cmd", env: "NGCERT_RELOAD_CMD", field: "reloadCmd", values: ["systemctl reload nginx", "service nginx reload", "nginx -s reload"], resolved: [["systemctl", "reload", "nginx"], ["service", "nginx", "reload"], ["nginx", "-s", "reload"]], fallback: ["nginx", "-c", "/etc/nginx/nginx.conf", "-s", "reload"] },
    { key: "http-port", env: "NGCERT_HTTP_PORT", field: "httpPort", values: ["8080", "8081", 8082], resolved: [8080, 8081, 8082], fallback: 80 },
    { key: "https-port", env: "NGCERT_HTTPS_PORT", field: "httpsPort", values: ["8443", "8444", "8445"], resolved: [8443, 8444, 8445], fallback: 443 },
    { key: "listen-address", env: "NGCERT_LISTEN_ADDRESS", field: "listenAddress", values: ["127.0.0.1", "[::1]", "10.0.0.1"], resolved: ["127.0.0.1", "::1", "10.0.0.1"], fallback: "" },
    { key: "server", env: "NGCERT_SERVER", field: "server", values: ["https://flag.test/dir", "https://env.test/dir", "http://config.test:14000/dir"], resolved: ["https://flag.test/dir", "https://env.test/dir", "http://config.test:14000/dir"], fallback: LETS_ENCRYPT_PRODUCTION },
    { key: "email", env: "NGCERT_EMAIL", field: "email", values: ["flag@example.com", "env@example.com", "config@example.com"], resolved: ["flag@example.com", "env@example.com", "config@example.com"], fallback: undefined },
  ] as const;

  for (const { key, env, field, values, resolved, fallback } of cases) {
    const [flagValue, envValue, configValue] = values;
    it(`${key}: flag beats ${env}, which beats the config file, which beats the default`, () => {
      const all = { flags: { [key]: flagValue }, env: { [env]: String(envValue) }, config: { [key]: configValue } };
      expect(resolveSettings(input(all))[field]).toEqual(resolved[0]);
      expect(resolveSettings(input({ ...all, flags: {} }))[field]).toEqual(resolved[1]);
      expect(resolveSettings(input({ config: all.config }))[field]).toEqual(resolved[2]);
      expect(resolveSettings(input())[field]).toEqual(fallback);
    });
  }

  it("treats an empty environment variable as unset", () => {
    const settings = resolveSettings(input({ env: { NGCERT_EMAIL: "", NGCERT_HTTP_PORT: "" }, config: { email: "config@example.com", "http-port": 8080 } }));
    expect(settings.email).toBe("config@example.com");
    expect(settings.httpPort).toBe(8080);
  });

  it("ignores environment variables that are not ngcert's", () => {
    expect(resolveSettings(input({ env: { LETSENCRYPT_DIR: "/other", EMAIL: "x@example.com" } }))).toEqual(resolveSettings(input()));
  });
});

describe("resolveSettings paths", () => {
  it("resolves relative paths from every source against the working directory", () => {
    expect(resolveSettings(input({ flags: { "letsencrypt-dir": "le" } })).letsencryptDir).toBe("/srv/here/le");
    expect(resolveSettings(input({ env: { NGCERT_WEBROOT: "./acme" } })).webroot).toBe("/srv/here/acme");
    expect(resolveSettings(input({ config: { "certbot-logs-dir": "../logs" } })).certbotLogsDir).toBe("/srv/logs");
    expect(resolveSettings(input({ flags: { "cache-dir": "/abs/cache/" } })).cacheDir).toBe("/abs/cache");
  });

  it("derives nginx-conf from nginx-dir, and the reload command from nginx-bin and nginx-conf", () => {
    const fromDir = resolveSettings(input({ config: { "nginx-dir": "/opt/nginx" } }));
    expect(fromDir.nginxConf).toBe("/opt/nginx/nginx.conf");
    expect(fromDir.reloadCmd).toEqual(["nginx", "-c", "/opt/nginx/nginx.conf", "-s", "reload"]);

    const relative = resolveSettings(input({ flags: { "nginx-dir": "conf/nginx" }, env: { NGCERT_NGINX_BIN: "/usr/local/sbin/nginx" } }));
    expect(relative.nginxConf).toBe("/srv/here/conf/nginx/nginx.conf");
    expect(relative.reloadCmd).toEqual(["/usr/local/sbin/nginx", "-c", "/srv/here/conf/nginx/nginx.conf", "-s", "reload"]);

    const explicit = resolveSettings(input({ flags: { "nginx-dir": "/opt/nginx" }, env: { NGCERT_NGINX_CONF: "/etc/main.conf" } }));
    expect(explicit.nginxConf).toBe("/etc/main.conf");
    expect(explicit.reloadCmd).toEqual(["nginx", "-c", "/etc/main.conf", "-s", "reload"]);
  });

  it("uses an explicit reload command as given, whatever nginx-bin says", () => {
    const settings = resolveSettings(input({ flags: { "nginx-bin": "/x/nginx" }, config: { "reload-cmd": "systemctl reload nginx" } }));
    expect(settings.reloadCmd).toEqual(["systemctl", "reload", "nginx"]);
  });

  it("refuses a letsencrypt dir whose hook paths /bin/sh would not run as one command, as certbot runs them", () => {
    // certbot passes --deploy-hook to subprocess with shell=True: the hook's path is a shell command line.
    const root = mkdtempSync(path.join(tmpdir(), "ngcert-shell-"));
    try {
      for (const char of ["&", "|", "<", ">", "(", ")"]) {
        const dir = path.join(root, `le${char}x`);
        mkdirSync(dir);
        const hook = path.join(dir, "hook");
        writeFileSync(hook, "#!/bin/sh\necho ran\n", { mode: 0o755 });
        const shell = spawnSync("/bin/sh", ["-c", hook], { encoding: "utf8", timeout: 5000 });
        expect([shell.status, shell.stdout], `/bin/sh -c ${hook}`).not.toEqual([0, "ran\n"]);
        expect(errorOf({ flags: { "letsencrypt-dir": dir } }).message).toContain("is not a usable path");
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("judges a relative path as it will be used, with the working directory's characters", () => {
    expect(errorOf({ cwd: "/srv/a&b", flags: { "letsencrypt-dir": "le" } }).message).toBe(
      "--letsencrypt-dir: `/srv/a&b/le` is not a usable path: spaces, quotes and ; { } $ \\ # & | < > ( ) * ? [ ] are not allowed",
    );
  });

  it("refuses paths that could break out of an nginx directive", () => {
    expect(errorOf({ flags: { webroot: "/var/www/acme challenge" } }).message).toBe(
      "--webroot: `/var/www/acme challenge` is not a usable path: spaces, quotes and ; { } $ \\ # & | < > ( ) * ? [ ] are not allowed",
    );
    for (const bad of ["/a;b", "/a{b}", "/a$HOME", "/a'b", '/a"b', "/a#b", "/a\\b", "/a`b`", "/a&b", "/a|b", "/a<b", "/a>b", "/a(b)", "/a*b", "/a?b", "/a[b]"]) {
      expect(errorOf({ flags: { webroot: bad } }).code).toBe("USAGE");
    }
    expect(errorOf({ config: { webroot: "" } }).message).toBe(`"webroot" in ${CONFIG}: a path is required`);
    expect(errorOf({ env: { NGCERT_WEBROOT: "/a\nb" } }).message).toBe("environment variable NGCERT_WEBROOT: control characters are not allowed");
  });
});

describe("resolveSettings values", () => {
  it("accepts ports 1-65535 as strings or (from the config file) numbers", () => {
    expect(resolveSettings(input({ flags: { "http-port": " 8080 " } })).httpPort).toBe(8080);
    expect(resolveSettings(input({ flags: { "http-port": "1" } })).httpPort).toBe(1);
    expect(resolveSettings(input({ config: { "https-port": 65535 } })).httpsPort).toBe(65535);
    for (const bad of ["0", "65536", "80a", "-1", "8.5", "", "0x50"]) {
      expect(errorOf({ flags: { "http-port": bad } }).message).toBe(`--http-port: ${JSON.stringify(bad)} is not a port number (1-65535)`);
    }
    expect(errorOf({ config: { "https-port": 443.5 } }).message).toBe(`"https-port" in ${CONFIG}: 443.5 is not a port number (1-65535)`);
    expect(errorOf({ config: { "https-port": true } }).message).toBe(`"https-port" in ${CONFIG}: true is not a port number (1-65535)`);
  });

  it("accepts IPv4, IPv6 with or without brackets, and empty for all addresses", () => {
    const address = (value: string): string => resolveSettings(input({ flags: { "listen-address": value } })).listenAddress;
    expect(address("192.0.2.7")).toBe("192.0.2.7");
    expect(address("2001:db8::1")).toBe("2001:db8::1");
    expect(address("[2001:db8::1]")).toBe("2001:db8::1");
    expect(address(" [::] ")).toBe("::");
    expect(address("")).toBe("");
    for (const bad of ["localhost", "[::1", "::1]", "127.0.0.1:80", "[127.0.0.1]:80", "300.1.1.1"]) {
      expect(errorOf({ flags: { "listen-address": bad } }).message).toBe(`--listen-address: \`${bad}\` is not an IPv4 or IPv6 address`);
    }
  });

  it("accepts only http(s) URLs without credentials as the ACME directory", () => {
    expect(resolveSettings(input({ env: { NGCERT_SERVER: "https://localhost:14000/dir" } })).server).toBe("https://localhost:14000/dir");
    for (const bad of ["acme-v02.api.letsencrypt.org/directory", "ftp://example.com/dir", "https://user:pw@example.com/dir", "file:///etc/passwd"]) {
      expect(errorOf({ env: { NGCERT_SERVER: bad } }).message).toBe(`environment variable NGCERT_SERVER: \`${bad}\` is not an http(s) URL of an ACME directory`);
    }
  });

  it("accepts plausible e-mail addresses only", () => {
    expect(resolveSettings(input({ flags: { email: "ops+certs@mail.example.co.uk" } })).email).toBe("ops+certs@mail.example.co.uk");
    for (const bad of ["ops", "ops@localhost", "ops@@example.com", "ops @example.com", "@example.com", "ops@-example.com"]) {
      expect(errorOf({ flags: { email: bad } }).message).toBe(`--email: \`${bad}\` is not an e-mail address`);
    }
  });

  it("takes program names and paths, but not a command line, as a binary", () => {
    expect(resolveSettings(input({ config: { "certbot-bin": "/snap/bin/certbot" } })).certbotBin).toBe("/snap/bin/certbot");
    expect(errorOf({ config: { "nginx-bin": "nginx -g daemon" } }).message).toBe(`"nginx-bin" in ${CONFIG}: \`nginx -g daemon\` is not a program name or path`);
    expect(errorOf({ flags: { "certbot-bin": "" } }).message).toBe("--certbot-bin: `` is not a program name or path");
  });

  it("splits the reload command into argv the way a shell quotes, without a shell", () => {
    const reload = (value: string): string[] => resolveSettings(input({ env: { NGCERT_RELOAD_CMD: value } })).reloadCmd;
    expect(reload(`docker exec "my proxy" nginx -s reload`)).toEqual(["docker", "exec", "my proxy", "nginx", "-s", "reload"]);
    expect(reload(`sh -c 'nginx -t && nginx -s reload'`)).toEqual(["sh", "-c", "nginx -t && nginx -s reload"]);
    expect(reload("  /usr/sbin/nginx   -s\treload  ")).toEqual(["/usr/sbin/nginx", "-s", "reload"]);
    expect(errorOf({ env: { NGCERT_RELOAD_CMD: `sh -c "nginx -s reload` } }).message).toBe(
      'environment variable NGCERT_RELOAD_CMD: `sh -c "nginx -s reload` has an unclosed " quote',
    );
    expect(errorOf({ flags: { "reload-cmd": "   " } }).message).toBe("--reload-cmd: is empty: give a program and its arguments");
  });
});

describe("resolveSettings ACME server", () => {
  it("--staging picks Let's Encrypt staging, and conflicts with --server", () => {
    expect(resolveSettings(input({ flags: { staging: true } })).server).toBe(LETS_ENCRYPT_STAGING);
    const conflict = errorOf({ flags: { staging: true, server: "https://ca.test/dir" } });
    expect(conflict.message).toBe("--staging and --server both choose the ACME server: give only one");
    expect(exitCodeFor(conflict)).toBe(2);
  });

  it("--staging outranks NGCERT_SERVER and the config file's server", () => {
    expect(resolveSettings(input({ flags: { staging: true }, env: { NGCERT_SERVER: "https://env.test/dir" } })).server).toBe(LETS_ENCRYPT_STAGING);
    expect(resolveSettings(input({ flags: { staging: true }, config: { server: "https://config.test/dir" } })).server).toBe(LETS_ENCRYPT_STAGING);
  });

  it('"staging": true in the config file picks staging unless a flag or NGCERT_SERVER chooses a server', () => {
    expect(resolveSettings(input({ config: { staging: true } })).server).toBe(LETS_ENCRYPT_STAGING);
    expect(resolveSettings(input({ config: { staging: false } })).server).toBe(LETS_ENCRYPT_PRODUCTION);
    expect(resolveSettings(input({ config: { staging: true }, env: { NGCERT_SERVER: "https://env.test/dir" } })).server).toBe("https://env.test/dir");
    expect(resolveSettings(input({ config: { staging: true }, flags: { server: "https://flag.test/dir" } })).server).toBe("https://flag.test/dir");
  });

  it('--no-staging outranks "staging": true in the config file', () => {
    expect(resolveSettings(input({ flags: { staging: false }, config: { staging: true } })).server).toBe(LETS_ENCRYPT_PRODUCTION);
  });

  it('refuses "staging" and "server" together in the config file, and a "staging" that is not a boolean', () => {
    expect(errorOf({ config: { staging: true, server: "https://config.test/dir" } }).message).toBe(
      `${CONFIG}: "staging" and "server" both choose the ACME server: keep only one`,
    );
    expect(errorOf({ config: { staging: "yes" } }).message).toBe(`${CONFIG}: "staging" must be true or false, not "yes"`);
  });
});

describe("resolveSettings errors", () => {
  it("names the source of a bad value: the flag, the environment variable, or the key and the file", () => {
    const flag = errorOf({ flags: { "https-port": "https" }, env: { NGCERT_HTTPS_PORT: "443" } });
    expect([flag.code, flag.message]).toEqual(["USAGE", '--https-port: "https" is not a port number (1-65535)']);
    const env = errorOf({ env: { NGCERT_HTTPS_PORT: "https" }, config: { "https-port": 443 } });
    expect([env.code, env.message]).toEqual(["CONFIG", 'environment variable NGCERT_HTTPS_PORT: "https" is not a port number (1-65535)']);
    const config = errorOf({ config: { "https-port": "https" } });
    expect([config.code, config.message]).toEqual(["CONFIG", `"https-port" in ${CONFIG}: "https" is not a port number (1-65535)`]);
    for (const error of [flag, env, config]) expect(exitCodeFor(error)).toBe(2);
  });

  it("does not look at a lower source once a higher one is set", () => {
    expect(resolveSettings(input({ flags: { "http-port": "81" }, env: { NGCERT_HTTP_PORT: "bad" }, config: { "http-port": "worse" } })).httpPort).toBe(81);
  });

  it("refuses values of the wrong JSON type in the config file", () => {
    expect(errorOf({ config: { email: 42 } }).message).toBe(`"email" in ${CONFIG}: expected a string, not 42`);
    expect(errorOf({ config: { webroot: ["/a", "/b"] } }).message).toBe(`"webroot" in ${CONFIG}: expected a string, not ["/a","/b"]`);
    expect(errorOf({ config: { "reload-cmd": null } }).message).toBe(`"reload-cmd" in ${CONFIG}: expected a string, not null`);
  });

  it("refuses an unknown key in the config file, naming the key and the file", () => {
    const error = errorOf({ config: { "letsencrypt_dir": "/etc/letsencrypt" } });
    expect(error.code).toBe("CONFIG");
    expect(error.message).toMatch(new RegExp(`^${CONFIG.replace(/[./]/g, "\\$&")}: unknown setting "letsencrypt_dir"; settings are named after the long flags: letsencrypt-dir, `));
  });
});
