// What in the existing nginx configuration stands in the way of the port-80 catch-all: another default_server on the
// same address and port (nginx -t would fail), and server blocks for named hosts that would never pass challenges on.
import type { ServerBlock } from "../nginx/http-servers.js";

export interface DefaultServerConflict {
  file: string;
  line: number;
  listen: string;
  /** Server-level return/rewrite/if that would still answer before an included challenge location. */
  redirects: { directive: string; line: number }[];
  /** The block's own challenge locations (the snippet beside them would be a duplicate location). */
  challengeLocations: { line: number }[];
}

export interface ShadowingServer {
  file: string;
  line: number;
  names: string[];
  redirects: { directive: string; line: number }[];
  /** The block's own challenge locations (the snippet beside them would be a duplicate location). */
  challengeLocations: { line: number }[];
}

/** A block ngcert's catch-all would take requests from (stated by socket, file and line). */
export interface DisplacedServer {
  file: string;
  line: number;
  listen: string;
  names: string[];
  redirects: { directive: string; line: number }[];
  /** The block's own challenge locations (the snippet beside them would be a duplicate location). */
  challengeLocations: { line: number }[];
}

export interface HttpServerCheck {
  conflicts: DefaultServerConflict[];
  shadowing: ShadowingServer[];
  /** nginx's implicit default on one of the catch-all's sockets (the first block there; none says default_server). */
  implicitDefault: DisplacedServer[];
  /** Blocks listening on every address of the port that a catch-all on one address would take that address from. */
  swallowed: DisplacedServer[];
  /**
   * The owner's default_server blocks that include ngcert's snippet: they answer challenges for unknown names
   * themselves, so ngcert's catch-all leaves those sockets to them.
   */
  adopted: DefaultServerConflict[];
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
  const implicitDefault: DisplacedServer[] = [];
  const swallowed: DisplacedServer[] = [];
  const adopted: DefaultServerConflict[] = [];
  const includesSnippet = (block: ServerBlock): boolean => block.includes.some((include) => include === options.snippetPath || include.endsWith("/ngcert-acme.conf"));
  const others = blocks.filter((block) => block.file !== options.ownFile);
  const names = (block: ServerBlock): string[] => block.serverNames.filter((name) => name !== "_" && name !== "" && name !== '""');
  for (const socket of options.ours) {
    const plainOn = (block: ServerBlock) => block.listens.find((listen) => !listen.ssl && sameSocket(socket, listen));
    // Already ngcert's catch-all there (a re-run): the default is ngcert's, nothing is displaced.
    const oursAlready = blocks.some((block) => block.file === options.ownFile && plainOn(block)?.defaultServer === true);
    const there = others.filter((block) => plainOn(block) !== undefined);
    if (!oursAlready && there.length > 0 && !there.some((block) => plainOn(block)!.defaultServer)) {
      const first = there[0]!;
      implicitDefault.push({ file: first.file, line: plainOn(first)!.line ?? first.line, listen: `${socket.address}:${socket.port}`, names: names(first), redirects: first.serverLevelRedirects, challengeLocations: first.challengeLocations });
    }
    // A catch-all on one address gets every connection to that address: nginx then looks only at the blocks
    // listening on that address, not at those listening on all of them.
    const wildcard = socket.address.startsWith("[") ? "[::]" : "*";
    if (socket.address !== "*" && socket.address !== "[::]") {
      for (const block of others) {
        const all = block.listens.find((listen) => !listen.ssl && listen.port === socket.port && listen.address === wildcard);
        if (all && !plainOn(block)) swallowed.push({ file: block.file, line: all.line ?? block.line, listen: `${wildcard}:${socket.port}`, names: names(block), redirects: block.serverLevelRedirects, challengeLocations: block.challengeLocations });
      }
    }
  }
  for (const block of blocks) {
    if (block.file === options.ownFile) continue;
    for (const listen of block.listens) {
      if (listen.defaultServer && !listen.ssl && options.ours.some((ours) => sameSocket(ours, listen))) {
        (includesSnippet(block) && block.serverLevelRedirects.length === 0 ? adopted : conflicts).push({ file: block.file, line: listen.line ?? block.line, listen: `${listen.address}:${listen.port}`, redirects: block.serverLevelRedirects, challengeLocations: block.challengeLocations });
      }
    }
    const onHttpPort = block.listens.some((listen) => listen.port === options.httpPort && !listen.ssl);
    const names = block.serverNames.filter((name) => name !== "_" && name !== "" && name !== '""');
    // Including the snippet is not enough when a server-level return/rewrite/if answers first.
    if (onHttpPort && names.length > 0 && (!includesSnippet(block) || block.serverLevelRedirects.length > 0)) {
      shadowing.push({ file: block.file, line: block.line, names, redirects: block.serverLevelRedirects, challengeLocations: block.challengeLocations });
    }
  }
  return { conflicts, shadowing, implicitDefault, swallowed, adopted };
}
