// What in the existing nginx configuration stands in the way of the port-80 catch-all: another default_server on the
// same address and port (nginx -t would fail), and server blocks for named hosts that would never pass challenges on.
import type { ServerBlock } from "../nginx/http-servers.js";

export interface DefaultServerConflict {
  file: string;
  line: number;
  listen: string;
}

export interface ShadowingServer {
  file: string;
  line: number;
  names: string[];
}

export interface HttpServerCheck {
  conflicts: DefaultServerConflict[];
  shadowing: ShadowingServer[];
}

export interface CatchAllListen {
  address: string;
  port: number;
}

/** Addresses as nginx compares them: "*" is every IPv4 address. */
function sameSocket(a: CatchAllListen, b: CatchAllListen): boolean {
  return a.port === b.port && a.address.toLowerCase() === b.address.toLowerCase();
}

export function checkHttpServers(blocks: readonly ServerBlock[], options: { ours: CatchAllListen[]; ownFile: string; snippetPath: string; httpPort: number }): HttpServerCheck {
  const conflicts: DefaultServerConflict[] = [];
  const shadowing: ShadowingServer[] = [];
  for (const block of blocks) {
    if (block.file === options.ownFile) continue;
    for (const listen of block.listens) {
      if (listen.defaultServer && !listen.ssl && options.ours.some((ours) => sameSocket(ours, listen))) {
        conflicts.push({ file: block.file, line: listen.line ?? block.line, listen: `${listen.address}:${listen.port}` });
      }
    }
    const onHttpPort = block.listens.some((listen) => listen.port === options.httpPort && !listen.ssl);
    const names = block.serverNames.filter((name) => name !== "_" && name !== "" && name !== '""');
    if (onHttpPort && names.length > 0 && !block.includes.some((include) => include === options.snippetPath || include.endsWith("/ngcert-acme.conf"))) {
      shadowing.push({ file: block.file, line: block.line, names });
    }
  }
  return { conflicts, shadowing };
}
