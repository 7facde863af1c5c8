// Renders a local world's nginx main config and the stand-in challenge server; pure, so the text is easy to read.
import type { NginxLayout } from "./nginx-layout.js";

export interface NginxConfOptions {
  layout: NginxLayout;
  /** Workers run as root when we are root: the temp dir is 0700, so www-data could not read the webroot. */
  runAsRoot: boolean;
}

// One JSON object per request: who fetched what with which Host header, for tests and for a curious operator.
const LOG_FORMAT =
  '\'{"time":"$time_iso8601","remote":"$remote_addr","host":"$host","port":"$server_port","method":"$request_method",' +
  '"uri":"$request_uri","status":$status,"userAgent":"$http_user_agent","scheme":"$scheme","sni":"$ssl_server_name"}\'';

export function renderNginxConf(options: NginxConfOptions): string {
  const { layout } = options;
  return `# ngcert local world: shaped like Debian's /etc/nginx/nginx.conf, with every path inside the temp dir.
${options.runAsRoot ? "user root;\n" : ""}worker_processes 1;
pid ${layout.pidFile};
error_log ${layout.errorLog} notice;

events {
    worker_connections 256;
}

http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include ${layout.dir}/mime.types;
    default_type application/octet-stream;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;

    log_format world escape=json ${LOG_FORMAT};
    access_log ${layout.accessLog} world;
    error_log ${layout.errorLog} notice;

    client_body_temp_path ${layout.tempDirs.clientBody};
    proxy_temp_path ${layout.tempDirs.proxy};
    fastcgi_temp_path ${layout.tempDirs.fastcgi};
    uwsgi_temp_path ${layout.tempDirs.uwsgi};
    scgi_temp_path ${layout.tempDirs.scgi};

    include ${layout.confD}/*.conf;
    include ${layout.sitesEnabled}/*;
}
`;
}

/** A small mime.types, so the config does not depend on the machine's /etc/nginx. */
export function renderMimeTypes(): string {
  return `types {
    text/html html htm;
    text/plain txt;
    text/css css;
    application/javascript js;
    application/json json;
    image/png png;
    image/svg+xml svg;
}
`;
}

export interface ChallengeServerOptions {
  listenAddress: string;
  httpPort: number;
  webroot: string;
}

/**
 * The port-80 stand-in: answers /.well-known/acme-challenge/ from the shared webroot for any Host name.
 * Optional in the world, because `ngcert init` writes its own default server for this port.
 */
export function renderChallengeServer(options: ChallengeServerOptions): string {
  return `# ngcert local world: HTTP-01 challenges from the shared webroot for every host name.
server {
    listen ${options.listenAddress}:${options.httpPort} default_server;
    server_name _;

    location ^~ /.well-known/acme-challenge/ {
        root ${options.webroot};
        default_type text/plain;
        try_files $uri =404;
    }

    location / {
        return 404;
    }
}
`;
}
