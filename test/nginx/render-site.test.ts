// renderSite on plain data: the HTTPS reverse proxy `ngcert add` writes, for each http2 style nginx may need, every
// listen form (all addresses, IPv6 too, one IPv4 or IPv6 address), an https upstream and HSTS.
import { describe, expect, it } from "vitest";
import { renderSite, sitePath, type SiteOptions } from "../../src/nginx/render-site.js";

function site(overrides: Partial<SiteOptions> = {}): SiteOptions {
  return {
    name: "app.example.com",
    domains: ["app.example.com", "www.example.com"],
    upstream: { url: "http://127.0.0.1:8080", https: false },
    letsencryptDir: "/etc/letsencrypt",
    httpsPort: 443,
    listenAddress: "",
    ipv6: false,
    http2: "directive",
    hsts: false,
    ...overrides,
  };
}

/** The server block's lines that differ between options. */
const listenLines = (text: string): string[] => text.split("\n").filter((line) => /^\s*(listen|http2)\b/.test(line));

describe("renderSite", () => {
  it("renders an HTTPS reverse proxy for the domains (nginx >= 1.25.1: `http2 on;`)", () => {
    expect(renderSite(site())).toMatchInlineSnapshot(`
      "# Written by \`ngcert add\`: HTTPS for app.example.com, www.example.com, proxied to http://127.0.0.1:8080.
      # \`ngcert add\` rewrites it while it is unedited; \`ngcert remove\` deletes it.
      server {
          listen 443 ssl;
          http2 on;
          server_name app.example.com www.example.com;

          # live/ always points at the current certificate; the deploy hook reloads nginx when it changes.
          ssl_certificate /etc/letsencrypt/live/app.example.com/fullchain.pem;
          ssl_certificate_key /etc/letsencrypt/live/app.example.com/privkey.pem;
          ssl_protocols TLSv1.2 TLSv1.3;
          ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
          ssl_prefer_server_ciphers off;
          ssl_session_cache shared:ngcert_tls:10m;
          ssl_session_timeout 1d;
          ssl_session_tickets off;

          location / {
              proxy_pass http://127.0.0.1:8080;
              proxy_http_version 1.1;
              proxy_set_header Host $host;
              proxy_set_header X-Real-IP $remote_addr;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              proxy_set_header X-Forwarded-Proto $scheme;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $ngcert_connection_upgrade;
          }
      }
      "
    `);
  });

  it("renders every option at once: http2 on the listen line, IPv6, an https upstream with a path, HSTS", () => {
    const text = renderSite(
      site({ name: "shop.example", domains: ["shop.example"], http2: "listen", ipv6: true, httpsPort: 8443, upstream: { url: "https://shop_web_1:3000/store/", https: true }, hsts: true }),
    );
    expect(text).toMatchInlineSnapshot(`
      "# Written by \`ngcert add\`: HTTPS for shop.example, proxied to https://shop_web_1:3000/store/.
      # \`ngcert add\` rewrites it while it is unedited; \`ngcert remove\` deletes it.
      server {
          listen 8443 ssl http2;
          listen [::]:8443 ssl http2;
          server_name shop.example;

          # live/ always points at the current certificate; the deploy hook reloads nginx when it changes.
          ssl_certificate /etc/letsencrypt/live/shop.example/fullchain.pem;
          ssl_certificate_key /etc/letsencrypt/live/shop.example/privkey.pem;
          ssl_protocols TLSv1.2 TLSv1.3;
          ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
          ssl_prefer_server_ciphers off;
          ssl_session_cache shared:ngcert_tls:10m;
          ssl_session_timeout 1d;
          ssl_session_tickets off;
          add_header Strict-Transport-Security "max-age=63072000" always;

          location / {
              proxy_pass https://shop_web_1:3000/store/;
              proxy_http_version 1.1;
              proxy_set_header Host $host;
              proxy_set_header X-Real-IP $remote_addr;
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              proxy_set_header X-Forwarded-Proto $scheme;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $ngcert_connection_upgrade;
              proxy_ssl_server_name on;
          }
      }
      "
    `);
  });

  it("puts http2 on the listen line for nginx before 1.25.1, and leaves it out where nginx has none", () => {
    expect(listenLines(renderSite(site({ http2: "listen", ipv6: true })))).toEqual(["    listen 443 ssl http2;", "    listen [::]:443 ssl http2;"]);
    expect(listenLines(renderSite(site({ http2: "none", ipv6: true })))).toEqual(["    listen 443 ssl;", "    listen [::]:443 ssl;"]);
    expect(listenLines(renderSite(site({ http2: "directive", ipv6: true })))).toEqual(["    listen 443 ssl;", "    listen [::]:443 ssl;", "    http2 on;"]);
  });

  it("listens on every address, on IPv6 too when the host has it", () => {
    expect(listenLines(renderSite(site({ http2: "none", httpsPort: 8443 })))).toEqual(["    listen 8443 ssl;"]);
    expect(listenLines(renderSite(site({ http2: "none", httpsPort: 8443, ipv6: true })))).toEqual(["    listen 8443 ssl;", "    listen [::]:8443 ssl;"]);
  });

  it("listens on the listen address only when one is set (IPv6 in brackets), whatever the host's IPv6", () => {
    expect(listenLines(renderSite(site({ http2: "listen", listenAddress: "192.0.2.10", ipv6: true })))).toEqual(["    listen 192.0.2.10:443 ssl http2;"]);
    expect(listenLines(renderSite(site({ http2: "none", listenAddress: "127.0.0.1", httpsPort: 18443 })))).toEqual(["    listen 127.0.0.1:18443 ssl;"]);
    expect(listenLines(renderSite(site({ http2: "directive", listenAddress: "2001:db8::10", ipv6: false })))).toEqual(["    listen [2001:db8::10]:443 ssl;", "    http2 on;"]);
    expect(listenLines(renderSite(site({ http2: "none", listenAddress: "::1" })))).toEqual(["    listen [::1]:443 ssl;"]);
  });

  it("sends SNI to an https upstream and keeps an upstream's path", () => {
    const text = renderSite(site({ upstream: { url: "https://[::1]:8443/app/", https: true } }));
    expect(text).toContain("# Written by `ngcert add`: HTTPS for app.example.com, www.example.com, proxied to https://[::1]:8443/app/.\n");
    expect(text).toContain("        proxy_pass https://[::1]:8443/app/;\n        proxy_http_version 1.1;\n");
    expect(text).toContain("        proxy_set_header Connection $ngcert_connection_upgrade;\n        proxy_ssl_server_name on;\n    }\n}\n");
    expect(renderSite(site())).not.toContain("proxy_ssl");
  });

  it("adds Strict-Transport-Security with --hsts, on every response, after the TLS settings", () => {
    const text = renderSite(site({ hsts: true }));
    expect(text).toContain('    ssl_session_tickets off;\n    add_header Strict-Transport-Security "max-age=63072000" always;\n\n    location / {\n');
    expect(renderSite(site())).not.toContain("Strict-Transport-Security");
  });

  it("names the certificate in live/ (never archive/), under the settings' letsencrypt dir, by the site's name", () => {
    const text = renderSite(site({ name: "a.example", domains: ["a.example"], letsencryptDir: "/srv/le" }));
    expect(text).toContain("    server_name a.example;\n");
    expect(text).toContain("    ssl_certificate /srv/le/live/a.example/fullchain.pem;\n    ssl_certificate_key /srv/le/live/a.example/privkey.pem;\n");
    expect(text).not.toContain("archive");
  });

  it("is one server block with balanced braces and every directive ended", () => {
    const text = renderSite(site({ hsts: true, ipv6: true, http2: "listen", upstream: { url: "https://app:3000", https: true } }));
    expect(text.split("{").length).toBe(text.split("}").length);
    const directives = text.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#") && !/[{}]\s*$/.test(line));
    for (const line of directives) expect(line).toMatch(/;$/);
  });
});

describe("sitePath", () => {
  it("is conf.d/ngcert-site-<name>.conf under the nginx dir", () => {
    expect(sitePath("/etc/nginx", "app.example.com")).toBe("/etc/nginx/conf.d/ngcert-site-app.example.com.conf");
  });
});
