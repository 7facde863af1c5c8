// The rewrite module's directives of one level (server or location), in order, as nginx runs them: `return` ends the
// request, `rewrite` changes the URI or redirects, `if` runs its own directives when its condition holds (in a
// location, the `if` block's configuration then handles the request), `set` and `break`.
import type { ConfNode } from "./config-tree.js";
import { compilePcre } from "./pcre-regex.js";
import { evaluateCondition, expandValue, type ConditionFiles, type RequestState } from "./request-variables.js";

export type Outcome =
  | { kind: "file"; path: string; root: string }
  | { kind: "redirect"; status: number; location: string }
  | { kind: "status"; status: number; text?: string }
  | { kind: "proxy"; target: string }
  | { kind: "refused" }
  | { kind: "unknown"; why: string };

export type StepCode =
  | "server"
  | "server-return"
  | "server-rewrite"
  | "server-if"
  | "location"
  | "return"
  | "rewrite"
  | "if"
  | "deny"
  | "auth-basic"
  | "auth-request"
  | "internal"
  | "try-files"
  | "static"
  | "proxy"
  | "not-found";

export interface TraceStep {
  code: StepCode;
  text: string;
  file: string;
  line: number;
}

export interface RewriteResult {
  outcome?: Outcome;
  /** `rewrite ... last` in a location: search the locations again with the new URI. */
  restart?: boolean;
  /** `if` blocks whose condition held, in a location: their configuration handles the request. */
  ifBlocks: ConfNode[];
}

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Makes a redirect target absolute the way nginx does (absolute_redirect and port_in_redirect on). */
export function absoluteLocation(target: string, state: RequestState): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  const defaultPort = state.scheme === "https" ? 443 : 80;
  const port = state.serverPort === defaultPort ? "" : `:${state.serverPort}`;
  return `${state.scheme}://${state.host}${port}${target.startsWith("/") ? "" : "/"}${target}`;
}

function returnOutcome(args: readonly string[], state: RequestState): Outcome {
  const [first, second] = args;
  if (first === undefined) return { kind: "unknown", why: "return without arguments" };
  if (!/^\d{3}$/.test(first)) return { kind: "redirect", status: 302, location: absoluteLocation(expandValue(first, state), state) };
  const status = Number(first);
  if (REDIRECT_CODES.has(status) && second !== undefined) return { kind: "redirect", status, location: absoluteLocation(expandValue(second, state), state) };
  return second === undefined ? { kind: "status", status } : { kind: "status", status, text: expandValue(second, state) };
}

export function runRewrites(directives: readonly ConfNode[], state: RequestState, level: "server" | "location", files: ConditionFiles, steps: TraceStep[]): RewriteResult {
  const result: RewriteResult = { ifBlocks: [] };
  const prefix = level === "server" ? "server-" : "";
  const step = (code: StepCode, node: ConfNode, text: string): void => void steps.push({ code, text, file: node.file, line: node.line });
  const run = (list: readonly ConfNode[], inIf: ConfNode | undefined): "stop" | "go" => {
    for (const node of list) {
      switch (node.name) {
        case "return": {
          result.outcome = returnOutcome(node.args, state);
          step(inIf ? (`${prefix}if` as StepCode) : (`${prefix}return` as StepCode), inIf ?? node, `return ${node.args.join(" ")}${inIf ? ` inside if ${inIf.args.join(" ")}` : ""}`);
          return "stop";
        }
        case "rewrite": {
          const [source, replacement, flag] = node.args;
          if (source === undefined || replacement === undefined) continue;
          const match = compilePcre(source, false).exec(state.uri);
          if (!match) continue;
          state.captures = [match[0], ...match.slice(1).map((part) => part ?? "")];
          Object.assign(state.vars, match.groups ?? {});
          const target = expandValue(replacement, state);
          const code = inIf ? (`${prefix}if` as StepCode) : (`${prefix}rewrite` as StepCode);
          if (/^(https?:\/\/)/i.test(target) || replacement.startsWith("$scheme") || flag === "redirect" || flag === "permanent") {
            result.outcome = { kind: "redirect", status: flag === "permanent" ? 301 : 302, location: absoluteLocation(target.replace(/\?$/, ""), state) };
            step(code, inIf ?? node, `rewrite ${node.args.join(" ")}`);
            return "stop";
          }
          const [pathPart = "", query] = target.split("?", 2);
          state.uri = pathPart;
          if (query !== undefined) state.args = query;
          step(code, inIf ?? node, `rewrite ${node.args.join(" ")} (URI now ${state.uri})`);
          if (flag === "last" && level === "location") {
            result.restart = true;
            return "stop";
          }
          if (flag === "last" || flag === "break") return "stop";
          continue;
        }
        case "set": {
          const [name, value] = node.args;
          if (name?.startsWith("$") && value !== undefined) state.vars[name.slice(1)] = expandValue(value, state);
          continue;
        }
        case "break":
          return "stop";
        case "if": {
          if (!evaluateCondition(node.args, state, files)) continue;
          if (level === "location") result.ifBlocks.push(node);
          if (run(node.block ?? [], node) === "stop") return "stop";
          continue;
        }
        default:
          continue;
      }
    }
    return "go";
  };
  run(directives, undefined);
  return result;
}
