// What nginx does with one GET request, predicted from the assembled configuration: the server block that answers,
// the server-level rewrites, the location, its rewrites, access and auth, then the content handler (try_files, a
// static file, a proxy). Every decision is a step with the file and line that made it.
import path from "node:path";
import type { ConfNode } from "./config-tree.js";
import { findLocation, findNamedLocation, readLocationSpec } from "./find-location.js";
import { UnsupportedRegex } from "./pcre-regex.js";
import { expandValue, UnknownValue, type ConditionFiles, type RequestState } from "./request-variables.js";
import { runRewrites, type Outcome, type TraceStep } from "./run-rewrites.js";
import { normalizeHost, selectServer, type ServerSelection } from "./select-server.js";
import { primaryName, type VirtualServer } from "./virtual-servers.js";

export interface TraceRequest {
  scheme: "http" | "https";
  /** The local address the connection arrives at. */
  address: string;
  port: number;
  /** The Host header as sent (with a port when it is not the scheme's default). */
  host: string;
  path: string;
  query?: string;
}

export interface TraceConfig {
  servers: readonly VirtualServer[];
  /** The directives of http { }, for what server blocks inherit. */
  http: readonly ConfNode[];
  /** nginx's prefix (`nginx -V` --prefix): relative roots are under it. */
  prefix: string;
  files: ConditionFiles;
}

export interface Trace {
  request: TraceRequest;
  selection: ServerSelection;
  /** The location block that handled the request last, if any. */
  location: ConfNode | undefined;
  /** The location chosen for the request's own URI, before any internal redirect. */
  firstLocation: ConfNode | undefined;
  outcome: Outcome;
  steps: TraceStep[];
}

const HANDLERS = ["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass"];

/** The innermost level that has the directive: what nginx's configuration merge gives a location. */
function inherited(levels: readonly (readonly ConfNode[])[], names: readonly string[]): ConfNode[] {
  for (let i = levels.length - 1; i >= 0; i--) {
    const found = levels[i]!.filter((node) => names.includes(node.name));
    if (found.length > 0) return found;
  }
  return [];
}

export function traceRequest(config: TraceConfig, request: TraceRequest): Trace {
  const selection = selectServer(config.servers, request);
  const steps: TraceStep[] = [];
  const server = selection.server;
  if (!server) return { request, selection, location: undefined, firstLocation: undefined, outcome: { kind: "refused" }, steps };
  steps.push({ code: "server", text: describeSelection(selection), file: server.file, line: server.line });
  const state: RequestState = {
    scheme: request.scheme,
    httpHost: request.host,
    host: normalizeHost(request.host) || primaryName(server),
    serverAddress: request.address,
    serverPort: request.port,
    serverName: primaryName(server),
    requestUri: request.path + (request.query ? `?${request.query}` : ""),
    uri: request.path,
    args: request.query ?? "",
    captures: [],
    vars: { ...selection.captures },
  };
  let location: ConfNode | undefined;
  let firstLocation: ConfNode | undefined;
  let searched = false;
  const finish = (outcome: Outcome): Trace => ({ request, selection, location, firstLocation, outcome, steps });
  try {
    const serverLevel = runRewrites(server.node.block ?? [], state, "server", config.files, steps);
    if (serverLevel.outcome) return finish(serverLevel.outcome);
    let named: ConfNode | undefined;
    // nginx allows 10 internal redirects (rewrite ... last, try_files fallbacks) before it answers 500.
    for (let cycle = 0; cycle < 10; cycle++) {
      const match = named ? { chain: [named], captures: [], named: {} } : findLocation(server.node, state.uri);
      named = undefined;
      if (match.captures.length > 0) state.captures = match.captures;
      Object.assign(state.vars, match.named);
      location = match.chain[match.chain.length - 1];
      if (!searched) firstLocation = location;
      searched = true;
      if (location) steps.push({ code: "location", text: `location ${location.args.join(" ")}`, file: location.file, line: location.line });
      const locationLevel = location ? runRewrites(location.block ?? [], state, "location", config.files, steps) : { ifBlocks: [] };
      if (locationLevel.outcome) return finish(locationLevel.outcome);
      if (locationLevel.restart) continue;
      const levels = [config.http, server.node.block ?? [], ...match.chain.map((node) => node.block ?? []), ...locationLevel.ifBlocks.map((node) => node.block ?? [])];
      const own = location ? [location.block ?? [], ...locationLevel.ifBlocks.map((node) => node.block ?? [])] : [server.node.block ?? []];
      const denied = checkAccess(levels, steps);
      if (denied) return finish(denied);
      const content = runContent(config, state, levels, own, location, steps);
      if ("outcome" in content) return finish(content.outcome);
      if (content.named) named = findNamedLocation(server.node, content.named);
      if (content.named && !named) return finish({ kind: "unknown", why: `no location ${content.named}` });
    }
    return finish({ kind: "status", status: 500 });
  } catch (error) {
    if (error instanceof UnknownValue) return finish({ kind: "unknown", why: `depends on ${error.message}, which ngcert cannot know in advance` });
    if (error instanceof UnsupportedRegex) return finish({ kind: "unknown", why: error.message });
    throw error;
  }
}

function describeSelection(selection: ServerSelection): string {
  switch (selection.how) {
    case "default_server":
      return `no server_name matches, so the default_server for ${selection.socket} answers`;
    case "implicit-default":
      return `no server_name matches, so the first server listed for ${selection.socket} answers (its implicit default)`;
    default:
      return `server_name ${selection.matchedName} matches`;
  }
}

/** allow/deny and auth_basic as the CA meets them: rules for specific addresses never match the CA's. */
function checkAccess(levels: readonly (readonly ConfNode[])[], steps: TraceStep[]): Outcome | undefined {
  const rules = inherited(levels, ["allow", "deny"]);
  const decisive = rules.find((rule) => rule.args[0] === "all");
  const satisfyAny = inherited(levels, ["satisfy"])[0]?.args[0] === "any";
  const auth = inherited(levels, ["auth_basic"])[0];
  const authRequired = auth !== undefined && auth.args[0] !== "off";
  const authRequest = inherited(levels, ["auth_request"])[0];
  if (satisfyAny && decisive?.name === "allow") return undefined;
  if (decisive?.name === "deny") {
    steps.push({ code: "deny", text: `${decisive.name} ${decisive.args.join(" ")}`, file: decisive.file, line: decisive.line });
    return { kind: "status", status: 403 };
  }
  if (authRequired) {
    steps.push({ code: "auth-basic", text: `auth_basic ${auth.args.join(" ")}`, file: auth.file, line: auth.line });
    return { kind: "status", status: 401 };
  }
  if (authRequest && authRequest.args[0] !== "off") {
    steps.push({ code: "auth-request", text: `auth_request ${authRequest.args.join(" ")}`, file: authRequest.file, line: authRequest.line });
    return { kind: "unknown", why: `auth_request ${authRequest.args[0]} decides, through a subrequest` };
  }
  return undefined;
}

type Content = { outcome: Outcome } | { named?: string; again?: true };

function runContent(config: TraceConfig, state: RequestState, levels: readonly (readonly ConfNode[])[], own: readonly (readonly ConfNode[])[], location: ConfNode | undefined, steps: TraceStep[]): Content {
  const step = (code: TraceStep["code"], node: ConfNode, text: string): void => void steps.push({ code, text, file: node.file, line: node.line });
  const ownDirectives = own.flat();
  const internal = location?.block?.find((node) => node.name === "internal");
  if (internal) {
    step("internal", internal, "internal: only internal redirects reach this location");
    return { outcome: { kind: "status", status: 404 } };
  }
  const handler = [...ownDirectives].reverse().find((node) => HANDLERS.includes(node.name));
  if (handler) {
    step("proxy", handler, `${handler.name} ${handler.args.join(" ")}`);
    return { outcome: { kind: "proxy", target: handler.args[0] ?? "" } };
  }
  const rootNode = inherited(levels, ["root", "alias"])[0];
  const root = mapRoot(config, rootNode, state, location);
  state.documentRoot = root.documentRoot;
  const tryFiles = ownDirectives.find((node) => node.name === "try_files");
  if (tryFiles) {
    const candidates = tryFiles.args.slice(0, -1);
    const fallback = tryFiles.args[tryFiles.args.length - 1] ?? "";
    for (const candidate of candidates) {
      const value = expandValue(candidate, state);
      const file = root.pathOf(value.replace(/\/$/, ""));
      const exists = value.endsWith("/") ? config.files.directoryExists(file) : config.files.fileExists(file);
      if (!exists) continue;
      step("try-files", tryFiles, `try_files finds ${candidate} at ${file}`);
      if (value.endsWith("/")) return { outcome: { kind: "status", status: 403 } };
      return { outcome: { kind: "file", path: file, root: root.documentRoot } };
    }
    step("try-files", tryFiles, `try_files ${tryFiles.args.join(" ")}: no file at ${root.pathOf(state.uri)}, so ${fallback}`);
    if (/^=\d{3}$/.test(fallback)) return { outcome: { kind: "status", status: Number(fallback.slice(1)) } };
    if (fallback.startsWith("@")) return { named: fallback };
    const [pathPart = "", query] = expandValue(fallback, state).split("?", 2);
    state.uri = pathPart;
    if (query !== undefined) state.args = query;
    return { again: true };
  }
  if (state.uri.endsWith("/")) return { outcome: { kind: "status", status: 403 } };
  const file = root.pathOf(state.uri);
  const anchor = rootNode ?? location;
  if (config.files.fileExists(file)) {
    if (anchor) step("static", anchor, `static file ${file}`);
    return { outcome: { kind: "file", path: file, root: root.documentRoot } };
  }
  if (anchor) step("not-found", anchor, `no file at ${file}`);
  return { outcome: { kind: "status", status: 404 } };
}

interface Root {
  documentRoot: string;
  pathOf(uri: string): string;
}

function mapRoot(config: TraceConfig, node: ConfNode | undefined, state: RequestState, location: ConfNode | undefined): Root {
  const resolve = (value: string): string => path.resolve(config.prefix, expandValue(value, state));
  if (!node) {
    const documentRoot = path.join(config.prefix, "html");
    return { documentRoot, pathOf: (uri) => documentRoot + uri };
  }
  if (node.name === "root") {
    const documentRoot = resolve(node.args[0] ?? "html").replace(/\/$/, "");
    return { documentRoot, pathOf: (uri) => documentRoot + uri };
  }
  // alias replaces the location's prefix (a regex location's alias names the whole path through captures); its
  // trailing slash is significant, so it is not normalized.
  const raw = expandValue(node.args[0] ?? "", state);
  const alias = raw.startsWith("/") ? raw : `${config.prefix}/${raw}`;
  const spec = location ? readLocationSpec(location) : undefined;
  if (spec?.kind === "regex") return { documentRoot: alias, pathOf: () => alias };
  const prefixLength = spec?.value.length ?? 0;
  return { documentRoot: alias, pathOf: (uri) => alias + uri.slice(prefixLength) };
}
