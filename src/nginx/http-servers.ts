// The server blocks of an nginx configuration that listen for plain HTTP, as ngcert needs to see them: which port and
// address, default_server or not, which names, whether they include the ACME snippet.
import type { Directive } from "./parse-config.js";

export interface Listen {
  /** "*" for all IPv4 addresses, "[::]" for all IPv6, else the address as written ("127.0.0.1", "[::1]"). */
  address: string;
  port: number;
  defaultServer: boolean;
  ssl: boolean;
  /** Where the listen directive is (the server's line for nginx's implicit `listen 80`): what a person must edit. */
  line?: number;
}

export interface ServerBlock {
  file: string;
  line: number;
  listens: Listen[];
  serverNames: string[];
  includes: string[];
  /**
   * `return`, `rewrite` and `if` directly in the server block: they run before nginx picks a location, so an included
   * challenge location never sees the request.
   */
  serverLevelRedirects: { directive: string; line: number }[];
  /** The block's own locations for the challenge path: including the snippet beside one is a duplicate location. */
  challengeLocations: { line: number }[];
}

export function parseListen(args: readonly string[]): Listen | undefined {
  const [target, ...flags] = args;
  if (!target || target.startsWith("unix:")) return undefined;
  let address = "*";
  let port = 80;
  const bracket = /^(\[[^\]]+\])(?::(\d+))?$/.exec(target);
  if (bracket) {
    address = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if (/^\d+$/.test(target)) {
    port = Number(target);
  } else {
    const colon = target.lastIndexOf(":");
    if (colon >= 0) {
      address = target.slice(0, colon);
      port = Number(target.slice(colon + 1));
    } else {
      address = target;
    }
  }
  if (address === "0.0.0.0") address = "*";
  return {
    address,
    port,
    defaultServer: flags.includes("default_server") || flags.includes("default"),
    ssl: flags.includes("ssl") || flags.includes("quic"),
  };
}

/** Every http server block in the given files; files whose top level is nginx.conf are entered through `http {}`. */
export function findServerBlocks(files: readonly { file: string; directives: Directive[] }[]): ServerBlock[] {
  const blocks: ServerBlock[] = [];
  const visit = (file: string, directives: Directive[]): void => {
    for (const directive of directives) {
      if (directive.name === "server" && directive.block) {
        blocks.push(describeServer(file, directive));
      } else if (directive.block && directive.name === "http") {
        visit(file, directive.block);
      }
    }
  };
  for (const { file, directives } of files) visit(file, directives);
  return blocks;
}

function describeServer(file: string, server: Directive): ServerBlock {
  const body = server.block ?? [];
  const listens = body.flatMap((d) => {
    const listen = d.name === "listen" ? parseListen(d.args) : undefined;
    return listen ? [{ ...listen, line: d.line }] : [];
  });
  return {
    file,
    line: server.line,
    // nginx's default when a server has no listen directive (running as root).
    listens: body.some((d) => d.name === "listen") ? listens : [{ address: "*", port: 80, defaultServer: false, ssl: false, line: server.line }],
    serverNames: body.filter((d) => d.name === "server_name").flatMap((d) => d.args),
    includes: collectIncludes(body),
    serverLevelRedirects: body.filter((d) => d.name === "return" || d.name === "rewrite" || d.name === "if").map((d) => ({ directive: d.name, line: d.line })),
    challengeLocations: body.filter((d) => d.name === "location" && d.args.some((arg) => arg.includes("/.well-known/acme-challenge"))).map((d) => ({ line: d.line })),
  };
}

function collectIncludes(directives: Directive[]): string[] {
  return directives.filter((d) => d.name === "include").flatMap((d) => d.args);
}
