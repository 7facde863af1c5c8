// The variables of one request as far as they can be known without running it, and the conditions of `if`. A value
// that depends on something unknowable here (the client's address, a map, a cookie) raises UnknownValue: the
// analysis then says it cannot tell instead of guessing.
import { compilePcre } from "./pcre-regex.js";

export class UnknownValue extends Error {}

export interface RequestState {
  scheme: "http" | "https";
  /** The Host header as sent, with its port. */
  httpHost: string;
  /** $host: the normalized Host name. */
  host: string;
  serverAddress: string;
  serverPort: number;
  /** $server_name: the first name of the server block. */
  serverName: string;
  requestUri: string;
  /** $uri: the current URI, which rewrites change. */
  uri: string;
  args: string;
  /** $1..$9 of the last regex that matched (index 0 is the whole match). */
  captures: string[];
  /** Named captures and `set` variables. */
  vars: Record<string, string>;
  /** $document_root and $request_filename, once a location is chosen. */
  documentRoot?: string;
}

const KNOWN: Record<string, (state: RequestState) => string> = {
  scheme: (s) => s.scheme,
  https: (s) => (s.scheme === "https" ? "on" : ""),
  host: (s) => s.host,
  http_host: (s) => s.httpHost,
  server_name: (s) => s.serverName,
  server_addr: (s) => s.serverAddress,
  server_port: (s) => String(s.serverPort),
  request_uri: (s) => s.requestUri,
  uri: (s) => s.uri,
  document_uri: (s) => s.uri,
  args: (s) => s.args,
  query_string: (s) => s.args,
  is_args: (s) => (s.args === "" ? "" : "?"),
  request_method: () => "GET",
  server_protocol: () => "HTTP/1.1",
  document_root: (s) => {
    if (s.documentRoot === undefined) throw new UnknownValue("$document_root outside a location");
    return s.documentRoot;
  },
  request_filename: (s) => {
    if (s.documentRoot === undefined) throw new UnknownValue("$request_filename outside a location");
    return s.documentRoot + s.uri;
  },
};

export function readVariable(name: string, state: RequestState): string {
  if (/^\d$/.test(name)) return state.captures[Number(name)] ?? "";
  if (name in state.vars) return state.vars[name]!;
  const known = KNOWN[name];
  if (known) return known(state);
  throw new UnknownValue(`$${name}`);
}

/** Expands `$name`, `${name}` and `$1` in a directive argument. */
export function expandValue(text: string, state: RequestState): string {
  return text.replace(/\$(?:\{(\w+)\}|(\d)|([A-Za-z_]\w*))/g, (_match, braced: string | undefined, digit: string | undefined, plain: string | undefined) =>
    readVariable(braced ?? digit ?? plain ?? "", state),
  );
}

export interface ConditionFiles {
  /** Does a file (not a directory) exist at this path, as far as the analysis knows. */
  fileExists(path: string): boolean;
  directoryExists(path: string): boolean;
}

/** Evaluates the arguments of `if (...)`; a regex match sets the captures, as nginx does. */
export function evaluateCondition(rawArgs: readonly string[], state: RequestState, files: ConditionFiles): boolean {
  const args = [...rawArgs];
  if (args.length === 0) throw new UnknownValue("an empty if condition");
  args[0] = args[0]!.replace(/^\(/, "");
  args[args.length - 1] = args[args.length - 1]!.replace(/\)$/, "");
  const parts = args.filter((part) => part !== "");
  const [first, operator, operand] = parts;
  if (first === undefined) throw new UnknownValue("an empty if condition");
  const fileTest = /^(!?)-([fdex])$/.exec(first);
  if (fileTest && operator !== undefined) {
    const target = expandValue(operator, state);
    const kind = fileTest[2]!;
    const exists = kind === "f" ? files.fileExists(target) : kind === "d" ? files.directoryExists(target) : files.fileExists(target) || files.directoryExists(target);
    if (kind === "x") throw new UnknownValue(`-x ${target}`);
    return fileTest[1] === "!" ? !exists : exists;
  }
  const value = expandValue(first, state);
  if (operator === undefined) return value !== "" && value !== "0";
  if (operand === undefined) throw new UnknownValue(`if (${parts.join(" ")})`);
  switch (operator) {
    case "=":
      return value === expandValue(operand, state);
    case "!=":
      return value !== expandValue(operand, state);
    case "~":
    case "~*":
    case "!~":
    case "!~*": {
      const match = compilePcre(operand, operator.endsWith("*")).exec(value);
      if (match && !operator.startsWith("!")) {
        state.captures = [match[0], ...match.slice(1).map((part) => part ?? "")];
        Object.assign(state.vars, match.groups ?? {});
      }
      return operator.startsWith("!") ? !match : Boolean(match);
    }
    default:
      throw new UnknownValue(`if (${parts.join(" ")})`);
  }
}
