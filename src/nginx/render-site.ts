// Renders <nginx-dir>/conf.d/ngcert-site-<name>.conf: an HTTPS reverse proxy for a certificate's domains.
/** Where a site proxies to, already checked (sites/parse-upstream.ts). */
export interface Upstream {
  /** As written into proxy_pass. */
  url: string;
  https: boolean;
}

export interface SiteOptions {
  name: string;
  domains: readonly string[];
  upstream: Upstream;
  letsencryptDir: string;
  httpsPort: number;
  listenAddress: string;
  ipv6: boolean;
  http2: "directive" | "listen" | "none";
  hsts: boolean;
}

export function sitePath(nginxDir: string, name: string): string {
  return `${nginxDir}/conf.d/ngcert-site-${name}.conf`;
}

export function renderSite(site: SiteOptions): string {
  const flags = site.http2 === "listen" ? "ssl http2" : "ssl";
  const targets =
    site.listenAddress === ""
      ? [String(site.httpsPort), ...(site.ipv6 ? [`[::]:${site.httpsPort}`] : [])]
      : [`${site.listenAddress.includes(":") ? `[${site.listenAddress}]` : site.listenAddress}:${site.httpsPort}`];
  const live = `${site.letsencryptDir}/live/${site.name}`;
  const lines = [
    `# Written by \`ngcert add\`: HTTPS for ${site.domains.join(", ")}, proxied to ${site.upstream.url}.`,
    "# `ngcert add` rewrites it while it is unedited; `ngcert remove` deletes it.",
    "server {",
    ...targets.map((target) => `    listen ${target} ${flags};`),
    ...(site.http2 === "directive" ? ["    http2 on;"] : []),
    `    server_name ${site.domains.join(" ")};`,
    "",
    "    # live/ always points at the current certificate; the deploy hook reloads nginx when it changes.",
    `    ssl_certificate ${live}/fullchain.pem;`,
    `    ssl_certificate_key ${live}/privkey.pem;`,
    "    ssl_protocols TLSv1.2 TLSv1.3;",
    "    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
    "    ssl_prefer_server_ciphers off;",
    "    ssl_session_cache shared:ngcert_tls:10m;",
    "    ssl_session_timeout 1d;",
    "    ssl_session_tickets off;",
    ...(site.hsts ? ['    add_header Strict-Transport-Security "max-age=63072000" always;'] : []),
    "",
    "    location / {",
    `        proxy_pass ${site.upstream.url};`,
    "        proxy_http_version 1.1;",
    "        proxy_set_header Host $host;",
    "        proxy_set_header X-Real-IP $remote_addr;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "        proxy_set_header X-Forwarded-Proto $scheme;",
    "        proxy_set_header Upgrade $http_upgrade;",
    "        proxy_set_header Connection $ngcert_connection_upgrade;",
    ...(site.upstream.https ? ["        proxy_ssl_server_name on;"] : []),
    "    }",
    "}",
  ];
  return `${lines.join("\n")}\n`;
}
