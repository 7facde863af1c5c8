// The two files `ngcert init` owns, rendered from plain options: the ACME snippet and the port-80 catch-all for the
// default and custom ports, every-address with and without IPv6, and one IPv4 or IPv6 listen address.
import { describe, expect, it } from "vitest";
import { findServerBlocks } from "../../src/nginx/http-servers.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";
import { acmeServerPath, acmeSnippetPath, listenTargets, renderAcmeServer, renderAcmeSnippet, type AcmeServerOptions } from "../../src/nginx/render-acme.js";

function server(overrides: Partial<AcmeServerOptions> = {}): AcmeServerOptions {
  return { nginxDir: "/etc/nginx", httpPort: 80, httpsPort: 443, listenAddress: "", ipv6: false, ...overrides };
}

const listenLines = (text: string): string[] => text.split("\n").filter((line) => /^\s*listen\b/.test(line));
const redirectLine = (text: string): string | undefined => text.split("\n").find((line) => line.includes("return 301"));

describe("acme paths", () => {
  it("puts the snippet in snippets/ and the catch-all in conf.d/", () => {
    expect(acmeSnippetPath("/etc/nginx")).toBe("/etc/nginx/snippets/ngcert-acme.conf");
    expect(acmeServerPath("/usr/local/nginx/conf")).toBe("/usr/local/nginx/conf/conf.d/ngcert-acme.conf");
  });
});

describe("renderAcmeSnippet", () => {
  it("serves the challenge directory from the webroot", () => {
    expect(renderAcmeSnippet("/var/lib/ngcert/webroot")).toMatchInlineSnapshot(`
      "# Written by \`ngcert init\`. Serves ACME HTTP-01 challenges from the shared webroot for every host name.
      # Include it in every port-80 server block of your own: include <this file>;
      # ^~ makes this prefix win over regex locations; the access rules below replace any inherited auth or deny.
      location ^~ /.well-known/acme-challenge/ {
          root /var/lib/ngcert/webroot;
          default_type text/plain;
          autoindex off;
          auth_basic off;
          satisfy any;
          allow all;
          # Only files that exist under the webroot; never a directory, never a fallback.
          try_files $uri =404;
          # Never a file reached through a symlink below the webroot: whoever could plant one could make nginx serve any
          # file its workers can read.
          disable_symlinks on from=$document_root;
      }
      "
    `);
  });
});

describe("renderAcmeServer", () => {
  it("default ports, every IPv4 address", () => {
    expect(renderAcmeServer(server())).toMatchInlineSnapshot(`
      "# Written by \`ngcert init\`. The port-80 catch-all: ACME challenges for any host name, everything else
      # redirected to HTTPS on the same host and URI.

      # For the sites \`ngcert add\` writes: "Connection: upgrade" upstream only when the client asked for a WebSocket.
      map $http_upgrade $ngcert_connection_upgrade {
          default upgrade;
          ''      close;
      }

      server {
          listen 80 default_server;
          server_name _;

          include /etc/nginx/snippets/ngcert-acme.conf;

          # The redirect lives in a location, not at server level, so it never runs before the challenge location.
          location / {
              return 301 https://$host$request_uri;
          }
      }
      "
    `);
  });

  it("default ports, every address with IPv6", () => {
    expect(listenLines(renderAcmeServer(server({ ipv6: true })))).toEqual(["    listen 80 default_server;", "    listen [::]:80 default_server;"]);
  });

  it("custom ports on one IPv4 address: listen address:port, redirect adds the HTTPS port", () => {
    expect(renderAcmeServer(server({ nginxDir: "/opt/nginx", httpPort: 8080, httpsPort: 8443, listenAddress: "192.0.2.10" }))).toMatchInlineSnapshot(`
      "# Written by \`ngcert init\`. The port-8080 catch-all: ACME challenges for any host name, everything else
      # redirected to HTTPS on the same host and URI.

      # For the sites \`ngcert add\` writes: "Connection: upgrade" upstream only when the client asked for a WebSocket.
      map $http_upgrade $ngcert_connection_upgrade {
          default upgrade;
          ''      close;
      }

      server {
          listen 192.0.2.10:8080 default_server;
          server_name _;

          include /opt/nginx/snippets/ngcert-acme.conf;

          # The redirect lives in a location, not at server level, so it never runs before the challenge location.
          location / {
              return 301 https://$host:8443$request_uri;
          }
      }
      "
    `);
  });

  it("custom ports on one IPv6 address: the address in brackets, ipv6 adds nothing more", () => {
    const text = renderAcmeServer(server({ httpPort: 8080, httpsPort: 8443, listenAddress: "2001:db8::10", ipv6: true }));
    expect(listenLines(text)).toEqual(["    listen [2001:db8::10]:8080 default_server;"]);
    expect(redirectLine(text)).toBe("        return 301 https://$host:8443$request_uri;");
  });

  it("custom HTTP port, every address with and without IPv6", () => {
    expect(listenLines(renderAcmeServer(server({ httpPort: 8080, ipv6: true })))).toEqual(["    listen 8080 default_server;", "    listen [::]:8080 default_server;"]);
    expect(listenLines(renderAcmeServer(server({ httpPort: 8080, ipv6: false })))).toEqual(["    listen 8080 default_server;"]);
  });

  it("redirects with $host and $request_uri, adding :<https-port> only when it is not 443", () => {
    expect(redirectLine(renderAcmeServer(server({ httpPort: 8080 })))).toBe("        return 301 https://$host$request_uri;");
    expect(redirectLine(renderAcmeServer(server({ httpsPort: 4443 })))).toBe("        return 301 https://$host:4443$request_uri;");
  });
});

describe("renderAcmeServer read back by ngcert's own parser", () => {
  it("is one default_server block on the listen targets, with the snippet included and the catch-all name", () => {
    const file = "/etc/nginx/conf.d/ngcert-acme.conf";
    const directives = parseNginxConfig(renderAcmeServer(server({ ipv6: true })));
    expect(findServerBlocks([{ file, directives }])).toEqual([
      {
        file,
        line: 10,
        listens: [
          { address: "*", port: 80, defaultServer: true, ssl: false, line: 11 },
          { address: "[::]", port: 80, defaultServer: true, ssl: false, line: 12 },
        ],
        serverNames: ["_"],
        includes: ["/etc/nginx/snippets/ngcert-acme.conf"],
      },
    ]);
  });
});

describe("listenTargets", () => {
  it.each([
    [{ httpPort: 80, listenAddress: "", ipv6: false }, ["80"]],
    [{ httpPort: 80, listenAddress: "", ipv6: true }, ["80", "[::]:80"]],
    [{ httpPort: 81, listenAddress: "127.0.0.1", ipv6: true }, ["127.0.0.1:81"]],
    [{ httpPort: 81, listenAddress: "::1", ipv6: false }, ["[::1]:81"]],
  ])("%j → %j", (options, targets) => {
    expect(listenTargets(options)).toEqual(targets);
  });
});
