// A local world's nginx files: a Debian-like config dir (conf.d/, snippets/, sites-enabled/) and every runtime path
// (pid, logs, temp dirs) inside the world's temp dir, so nothing touches the machine's own nginx.
import path from "node:path";

export interface NginxLayout {
  /** Like /etc/nginx: nginx.conf, mime.types, conf.d/, snippets/, sites-available/, sites-enabled/. */
  dir: string;
  conf: string;
  confD: string;
  snippets: string;
  sitesAvailable: string;
  sitesEnabled: string;
  /** Like /var/log/nginx, /run and /var/lib/nginx. */
  runtimeDir: string;
  pidFile: string;
  errorLog: string;
  accessLog: string;
  tempDirs: Record<"clientBody" | "proxy" | "fastcgi" | "uwsgi" | "scgi", string>;
}

export function planNginxLayout(root: string): NginxLayout {
  const dir = path.join(root, "nginx");
  const runtimeDir = path.join(root, "nginx-runtime");
  const temp = path.join(runtimeDir, "temp");
  return {
    dir,
    conf: path.join(dir, "nginx.conf"),
    confD: path.join(dir, "conf.d"),
    snippets: path.join(dir, "snippets"),
    sitesAvailable: path.join(dir, "sites-available"),
    sitesEnabled: path.join(dir, "sites-enabled"),
    runtimeDir,
    pidFile: path.join(runtimeDir, "nginx.pid"),
    errorLog: path.join(runtimeDir, "error.log"),
    accessLog: path.join(runtimeDir, "access.log"),
    tempDirs: {
      clientBody: path.join(temp, "client_body"),
      proxy: path.join(temp, "proxy"),
      fastcgi: path.join(temp, "fastcgi"),
      uwsgi: path.join(temp, "uwsgi"),
      scgi: path.join(temp, "scgi"),
    },
  };
}

/** Every directory the layout needs, for mkdir -p. */
export function listNginxDirs(layout: NginxLayout): string[] {
  return [layout.dir, layout.confD, layout.snippets, layout.sitesAvailable, layout.sitesEnabled, layout.runtimeDir, ...Object.values(layout.tempDirs)];
}
