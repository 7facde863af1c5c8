// Renders the two nginx files `ngcert init` owns: the ACME challenge location and the port-80 catch-all server.

export function acmeSnippetPath(nginxDir: string): string {
  return `${nginxDir}/snippets/ngcert-acme.conf`;
}

export function acmeServerPath(nginxDir: string): string {
  return `${nginxDir}/conf.d/ngcert-acme.conf`;
}

export function renderAcmeSnippet(webroot: string): string {
  return `# Written by \`ngcert init\`. Serves ACME HTTP-01 challenges from the shared webroot for every host name.
# Include it in every port-80 server block of your own: include <this file>;
# ^~ makes this prefix win over regex locations; the access rules below replace any inherited auth or deny.
location ^~ /.well-known/acme-challenge/ {
    root ${webroot};
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
`;
}

export interface AcmeServerOptions {
  nginxDir: string;
  httpPort: number;
  httpsPort: number;
  /** Empty: every address. */
  listenAddress: string;
  /** Also listen on IPv6 (only when listening on every address and the host has IPv6). */
  ipv6: boolean;
}

export function listenTargets(options: Pick<AcmeServerOptions, "httpPort" | "listenAddress" | "ipv6">): string[] {
  if (options.listenAddress === "") {
    return options.ipv6 ? [String(options.httpPort), `[::]:${options.httpPort}`] : [String(options.httpPort)];
  }
  const address = options.listenAddress.includes(":") ? `[${options.listenAddress}]` : options.listenAddress;
  return [`${address}:${options.httpPort}`];
}

export function renderAcmeServer(options: AcmeServerOptions): string {
  const listens = listenTargets(options)
    .map((target) => `    listen ${target} default_server;`)
    .join("\n");
  const port = options.httpsPort === 443 ? "" : `:${options.httpsPort}`;
  return `# Written by \`ngcert init\`. The port-${options.httpPort} catch-all: ACME challenges for any host name, everything else
# redirected to HTTPS on the same host and URI.

# For the sites \`ngcert add\` writes: "Connection: upgrade" upstream only when the client asked for a WebSocket.
map $http_upgrade $ngcert_connection_upgrade {
    default upgrade;
    ''      close;
}

server {
${listens}
    server_name _;

    include ${acmeSnippetPath(options.nginxDir)};

    # The redirect lives in a location, not at server level, so it never runs before the challenge location.
    location / {
        return 301 https://$host${port}$request_uri;
    }
}
`;
}
