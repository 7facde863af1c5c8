// Renders the two nginx files `ngcert init` owns: the ACME challenge location and the port-80 catch-all server.

export function acmeSnippetPath(nginxDir: string): string {
  return `${nginxDir}/snippets/ngcert-acme.conf`;
}

export function acmeServerPath(nginxDir: string): string {
  return `${nginxDir}/conf.d/ngcert-acme.conf`;
}

/**
 * `thumbprint`: this node is one of several behind one name (a cluster). A token nobody put in the webroot is then
 * answered with its key authorization, `<token>.<thumbprint>`, so the CA's request may land on any node; a file in the
 * webroot still comes first (certbot's own token on the issuer, ngcert's probes), and everything else is as without.
 */
export function renderAcmeSnippet(webroot: string, options: { thumbprint?: string | undefined } = {}): string {
  if (options.thumbprint !== undefined) return renderStatelessSnippet(webroot, options.thumbprint);
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
  /** Listen targets (as listenTargets gives them) whose default server is the owner's, including ngcert's snippet. */
  leaveTo?: readonly string[];
}

export function listenTargets(options: Pick<AcmeServerOptions, "httpPort" | "listenAddress" | "ipv6">): string[] {
  if (options.listenAddress === "") {
    return options.ipv6 ? [String(options.httpPort), `[::]:${options.httpPort}`] : [String(options.httpPort)];
  }
  const address = options.listenAddress.includes(":") ? `[${options.listenAddress}]` : options.listenAddress;
  return [`${address}:${options.httpPort}`];
}

export function renderAcmeServer(options: AcmeServerOptions): string {
  const targets = listenTargets(options).filter((target) => !(options.leaveTo ?? []).includes(target));
  const port = options.httpsPort === 443 ? "" : `:${options.httpsPort}`;
  const head = `# Written by \`ngcert init\`. The port-${options.httpPort} catch-all: ACME challenges for any host name, everything else
# redirected to HTTPS on the same host and URI.

# For the sites \`ngcert add\` writes: "Connection: upgrade" upstream only when the client asked for a WebSocket.
map $http_upgrade $ngcert_connection_upgrade {
    default upgrade;
    ''      close;
}
`;
  if (targets.length === 0) {
    return `${head}
# No catch-all server: the default server of your own on ${(options.leaveTo ?? []).join(", ")} includes the challenge
# snippet and answers challenges for every name nginx does not know.
`;
  }
  const listens = targets.map((target) => `    listen ${target} default_server;`).join("\n");
  return `${head}
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

/** The stateless location's name (server level: named locations cannot be nested). */
export const STATELESS_LOCATION = "@ngcert-acme-stateless";

function renderStatelessSnippet(webroot: string, thumbprint: string): string {
  // Only ACME's alphabet reaches a response: the thumbprint is checked here, the token by the regex below.
  if (!/^[A-Za-z0-9_-]{43}$/.test(thumbprint)) throw new Error(`not a SHA-256 JWK thumbprint: ${JSON.stringify(thumbprint)}`);
  return `# Written by \`ngcert init\`. Serves ACME HTTP-01 challenges for every host name on every node of the cluster: a file
# in the shared webroot when there is one, else the key authorization of the cluster's ACME account, computed from
# the token (RFC 8555 8.1), so the CA's request may land on any node. Include it in every port-80 server block of
# your own: include <this file>;
# ^~ makes this prefix win over regex locations; the access rules below replace any inherited auth or deny.
location ^~ /.well-known/acme-challenge/ {
    root ${webroot};
    default_type text/plain;
    autoindex off;
    auth_basic off;
    satisfy any;
    allow all;
    # Only files that exist under the webroot; never a directory.
    try_files $uri =404;
    # Never a file reached through a symlink below the webroot: whoever could plant one could make nginx serve any
    # file its workers can read.
    disable_symlinks on from=$document_root;
    # A token in ACME's alphabet only (base64url, 22 to 256 characters): nothing else reaches the answer below.
    location ~ "^/\\.well-known/acme-challenge/(?<ngcert_acme_token>[A-Za-z0-9_-]{22,256})$" {
        try_files $uri ${STATELESS_LOCATION};
    }
}
# The key authorization of the cluster's ACME account (thumbprint ${thumbprint}).
location ${STATELESS_LOCATION} {
    default_type text/plain;
    auth_basic off;
    satisfy any;
    allow all;
    return 200 "$ngcert_acme_token.${thumbprint}";
}
`;
}

/** The thumbprint a stateless snippet answers with; undefined for the single-node snippet (or another file). */
export function readSnippetThumbprint(text: string): string | undefined {
  return /^\s*return 200 "\$ngcert_acme_token\.([A-Za-z0-9_-]{43})";$/m.exec(text)?.[1];
}
