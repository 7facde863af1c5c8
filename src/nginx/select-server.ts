// Which server block answers a request, as nginx decides it: the listen socket the connection lands on (an exact
// address beats the wildcard, and then only servers listening on that exact socket are candidates), then the Host
// name against server_name — exact, longest leading wildcard, longest trailing wildcard, first regex — else the
// socket's default server (default_server, or the first server listed for it).
import { compilePcre } from "./pcre-regex.js";
import { serversOnSocket, socketFor, type VirtualServer } from "./virtual-servers.js";

export type SelectionHow = "exact" | "leading-wildcard" | "trailing-wildcard" | "regex" | "default_server" | "implicit-default";

export interface ServerSelection {
  /** Undefined when nothing listens on that address and port: the connection is refused. */
  server: VirtualServer | undefined;
  /** The socket the connection landed on: "*", "[::]" or a specific address. */
  socket: string | undefined;
  how: SelectionHow | undefined;
  /** The server_name entry that matched. */
  matchedName?: string;
  /** Other servers on the same socket that claim the same name: nginx warns "conflicting server name" and ignores them. */
  shadowed: VirtualServer[];
  /** Named captures of a regex server_name, which become variables. */
  captures: Record<string, string>;
}

/** The Host header as nginx uses it for server selection: lower case, without port or trailing dot. */
export function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  const bracket = /^(\[[^\]]*\])(:\d+)?$/.exec(name);
  if (bracket) return bracket[1]!;
  name = name.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

type NameForm = { kind: "exact"; name: string } | { kind: "leading"; suffix: string; length: number } | { kind: "trailing"; prefix: string; length: number } | { kind: "regex"; source: string };

function nameForms(name: string): NameForm[] {
  if (name.startsWith("~")) return [{ kind: "regex", source: name.slice(1) }];
  if (name.startsWith(".")) return [{ kind: "exact", name: name.slice(1) }, { kind: "leading", suffix: name, length: name.length }];
  if (name.startsWith("*.")) return [{ kind: "leading", suffix: name.slice(1), length: name.length }];
  if (name.endsWith(".*")) return [{ kind: "trailing", prefix: name.slice(0, -1), length: name.length }];
  return [{ kind: "exact", name }];
}

export function selectServer(servers: readonly VirtualServer[], request: { address: string; port: number; host: string }): ServerSelection {
  const socket = socketFor(servers, request.address, request.port);
  if (socket === undefined) return { server: undefined, socket: undefined, how: undefined, shadowed: [], captures: {} };
  const candidates = serversOnSocket(servers, socket, request.port);
  const host = normalizeHost(request.host);
  const claims = (kind: NameForm["kind"]): { server: VirtualServer; name: string; form: NameForm }[] =>
    candidates.flatMap((server) => server.names.flatMap((name) => nameForms(name).filter((form) => form.kind === kind).map((form) => ({ server, name, form }))));

  const exact = claims("exact").filter(({ form }) => form.kind === "exact" && form.name === host);
  if (exact.length > 0) return chosen(exact[0]!.server, socket, "exact", exact[0]!.name, shadowedBy(exact, exact[0]!.server));

  const leading = claims("leading")
    .filter(({ form }) => form.kind === "leading" && host.endsWith(form.suffix) && host.length > form.suffix.length)
    .sort((a, b) => lengthOf(b.form) - lengthOf(a.form));
  if (leading.length > 0) {
    const best = leading.filter((entry) => lengthOf(entry.form) === lengthOf(leading[0]!.form));
    return chosen(best[0]!.server, socket, "leading-wildcard", best[0]!.name, shadowedBy(best, best[0]!.server));
  }

  const trailing = claims("trailing")
    .filter(({ form }) => form.kind === "trailing" && host.startsWith(form.prefix) && host.length > form.prefix.length)
    .sort((a, b) => lengthOf(b.form) - lengthOf(a.form));
  if (trailing.length > 0) {
    const best = trailing.filter((entry) => lengthOf(entry.form) === lengthOf(trailing[0]!.form));
    return chosen(best[0]!.server, socket, "trailing-wildcard", best[0]!.name, shadowedBy(best, best[0]!.server));
  }

  for (const { server, name, form } of claims("regex")) {
    if (form.kind !== "regex") continue;
    // nginx matches server_name regular expressions without regard to case.
    const match = compilePcre(form.source, true).exec(host);
    if (match) return { ...chosen(server, socket, "regex", name, []), captures: { ...(match.groups ?? {}) } };
  }

  const flagged = candidates.find((server) => server.listens.some((listen) => listen.port === request.port && listen.address === socket && listen.defaultServer));
  if (flagged) return chosen(flagged, socket, "default_server", undefined, []);
  return chosen(candidates[0]!, socket, "implicit-default", undefined, []);
}

function lengthOf(form: NameForm): number {
  return form.kind === "leading" || form.kind === "trailing" ? form.length : 0;
}

function shadowedBy(entries: readonly { server: VirtualServer }[], winner: VirtualServer): VirtualServer[] {
  return [...new Set(entries.map((entry) => entry.server).filter((server) => server !== winner))];
}

function chosen(server: VirtualServer, socket: string, how: SelectionHow, matchedName: string | undefined, shadowed: VirtualServer[]): ServerSelection {
  return { server, socket, how, ...(matchedName === undefined ? {} : { matchedName }), shadowed, captures: {} };
}
