// Turns a domain's challenge verdict into a finding: the real probe decides whether it fails, the configuration
// analysis says why (the directive, file and line that decide) and which block to change. A failure the analysis
// cannot explain is reported as such, never given an invented reason.
import { readLocationSpec } from "../nginx/find-location.js";
import type { Trace } from "../nginx/trace-request.js";
import type { VirtualServer } from "../nginx/virtual-servers.js";
import type { AcmeProbe } from "../served/probe-acme-path.js";
import { finding, type Finding, type FindingCode } from "./finding.js";
import type { ChallengePrediction } from "./predict-challenge.js";

/** A change to the configuration the doctor knows how to make, located by the block's file and line. */
export type Repair =
  | { kind: "add-include"; file: string; line: number }
  | { kind: "move-redirect"; file: string; line: number }
  | { kind: "own-location"; file: string; line: number };

export interface ChallengeFinding {
  finding: Finding;
  repair: Repair | undefined;
}

export interface ChallengeContext {
  lineage: string;
  /** ngcert's snippet, whose location is the shared webroot's. */
  snippetPath: string;
  /** ngcert's port-80 catch-all (`ngcert init`): never a block to repair. */
  catchAllPath: string;
  servers: readonly VirtualServer[];
  /** What the finding says the challenge is for ("the shared webroot /var/www/acme-challenge"). */
  purpose: string;
}

function where(trace: Trace): string {
  const server = trace.selection.server;
  return server ? `${server.file}:${server.line}` : "";
}

/** Is this location a block's own place for challenges (and not ngcert's snippet)? */
function isOwnChallengeLocation(trace: Trace, snippetPath: string): boolean {
  const location = trace.firstLocation;
  if (!location || location.file === snippetPath) return false;
  const spec = readLocationSpec(location);
  return spec !== undefined && spec.kind !== "named" && /acme-challenge/.test(spec.value);
}

function classifyHop(trace: Trace, snippetPath: string): FindingCode {
  const codes = new Set(trace.steps.map((step) => step.code));
  if (trace.outcome.kind === "refused") return "CHALLENGE_NO_SERVER";
  if (codes.has("server-return") || codes.has("server-rewrite") || codes.has("server-if")) {
    return trace.outcome.kind === "redirect" ? "CHALLENGE_SERVER_REDIRECT" : "CHALLENGE_SERVER_RETURN";
  }
  if (isOwnChallengeLocation(trace, snippetPath)) return "CHALLENGE_OWN_LOCATION";
  // A regex location that wins (a dotfile rule) is the reason, whatever it then does.
  if (trace.firstLocation && readLocationSpec(trace.firstLocation)?.kind === "regex") return "CHALLENGE_REGEX_LOCATION";
  if (codes.has("deny") || codes.has("auth-basic") || codes.has("auth-request")) return "CHALLENGE_AUTH";
  // A try_files that falls back (to /index.php, to a proxy) is the reason, wherever the fallback then goes.
  if (codes.has("try-files")) return "CHALLENGE_TRY_FILES";
  if (trace.outcome.kind === "proxy") return "CHALLENGE_PROXIED";
  if (trace.outcome.kind === "unknown") return "CHALLENGE_UNEXPLAINED";
  return "CHALLENGE_OTHER_ROOT";
}

/** Servers on the same port, on another socket, that name the domain: they never see this connection. */
function bypassedNamers(trace: Trace, servers: readonly VirtualServer[], domain: string): VirtualServer[] {
  const socket = trace.selection.socket;
  return servers.filter(
    (server) =>
      server !== trace.selection.server &&
      server.names.includes(domain) &&
      server.listens.some((listen) => listen.port === trace.request.port && listen.address !== socket),
  );
}

function stepsText(trace: Trace): string {
  return trace.steps
    .filter((step) => step.code !== "server" && step.code !== "location")
    .map((step) => `${step.text} (${step.file}:${step.line})`)
    .join("; then ");
}

export function judgeChallenge(prediction: ChallengePrediction, probe: AcmeProbe, context: ChallengeContext): ChallengeFinding | undefined {
  if (probe.ok) return undefined;
  const domain = prediction.domain;
  const first = prediction.hops[0];
  const last = prediction.hops[prediction.hops.length - 1];
  const base = { lineage: context.lineage, domain };
  const seen = `the CA would see: ${probe.seen}`;
  if (!first || !last || prediction.ok !== false) {
    const said = prediction.ok ? "the configuration analysis expected it to work" : prediction.verdict;
    return {
      finding: finding("CHALLENGE_UNEXPLAINED", "error", `${domain}: the challenge for ${context.purpose} fails (${seen}); ${said}`, { ...base, fix: "check that hop by hand: `curl -iL` the URL above with the Host header" }),
      repair: undefined,
    };
  }
  let code: FindingCode = prediction.redirectStopped ? "CHALLENGE_REDIRECT_REFUSED" : classifyHop(last.trace, context.snippetPath);
  if (prediction.hops.length > 1 && classifyHop(first.trace, context.snippetPath) === "CHALLENGE_SERVER_REDIRECT") code = "CHALLENGE_SERVER_REDIRECT";
  const selection = first.trace.selection;
  const notes: string[] = [];
  const bypassed = bypassedNamers(first.trace, context.servers, domain);
  if (code !== "CHALLENGE_NO_SERVER" && bypassed.length > 0) {
    code = "CHALLENGE_LISTEN_ADDRESS";
    notes.push(`${bypassed.map((server) => `${server.file}:${server.line}`).join(", ")} names ${domain} but listens on another address; connections to ${first.address}:${first.trace.request.port} land on the ${selection.socket} socket, where ${where(first.trace)} answers`);
  } else if (selection.shadowed.length > 0) {
    code = "CHALLENGE_CONFLICTING_NAME";
    notes.push(`${selection.shadowed.map((server) => `${server.file}:${server.line}`).join(", ")} also claims ${domain} on ${selection.socket}:${first.trace.request.port}; nginx warns "conflicting server name" and uses the first, ${where(first.trace)}`);
  } else if ((selection.how === "default_server" || selection.how === "implicit-default") && selection.server?.file !== context.catchAllPath) {
    code = code === "CHALLENGE_SERVER_REDIRECT" || code === "CHALLENGE_SERVER_RETURN" ? code : "CHALLENGE_DEFAULT_SERVER";
    notes.push(
      selection.how === "default_server"
        ? `no server block names ${domain} on ${selection.socket}:${first.trace.request.port}, so the default_server ${where(first.trace)} answers`
        : `no server block names ${domain} on ${selection.socket}:${first.trace.request.port}, so ${where(first.trace)} answers as the implicit default (the first one listed, no default_server)`,
    );
  }
  // ASCII only: a message with one character beyond Latin-1 is held two bytes a character, and doctor holds thousands.
  const path = prediction.hops.map((hop) => `${hop.url} -> ${where(hop.trace) || "nothing"}${stepsText(hop.trace) ? `: ${stepsText(hop.trace)}` : ""}`).join("; redirected to ");
  const message = `${domain}: the challenge for ${context.purpose} fails: ${[...notes, path].join("; ")} (${seen})`;
  const anchor = code === "CHALLENGE_OWN_LOCATION" ? last.trace.firstLocation : undefined;
  const decisive = code === "CHALLENGE_SERVER_REDIRECT" || code === "CHALLENGE_SERVER_RETURN" ? decisiveStep(prediction) : undefined;
  const server = first.trace.selection.server;
  const line = anchor?.line ?? decisive?.line ?? server?.line ?? null;
  const file = anchor?.file ?? decisive?.file ?? server?.file ?? null;
  return { finding: finding(code, "error", message, { ...base, file, line }), repair: repairFor(code, prediction, context) };
}

function decisiveStep(prediction: ChallengePrediction): { file: string; line: number } | undefined {
  for (const hop of prediction.hops) {
    const step = hop.trace.steps.find((candidate) => candidate.code === "server-return" || candidate.code === "server-rewrite" || candidate.code === "server-if");
    if (step) return step;
  }
  return undefined;
}

function repairFor(code: FindingCode, prediction: ChallengePrediction, context: ChallengeContext): Repair | undefined {
  const first = prediction.hops[0]!;
  const last = prediction.hops[prediction.hops.length - 1]!;
  const server = first.trace.selection.server;
  // A redirect the CA would not follow that comes from a server-level return: including the snippet would not help,
  // the return still runs first; it must move into a location.
  const serverLevel = prediction.hops.some((candidate) => candidate.trace.steps.some((step) => step.code.startsWith("server-")));
  switch (serverLevel && code === "CHALLENGE_REDIRECT_REFUSED" ? "CHALLENGE_SERVER_REDIRECT" : code) {
    case "CHALLENGE_SERVER_REDIRECT":
    case "CHALLENGE_SERVER_RETURN": {
      const hop = prediction.hops.find((candidate) => candidate.trace.steps.some((step) => step.code.startsWith("server-")));
      const block = hop?.trace.selection.server;
      return block ? { kind: "move-redirect", file: block.file, line: block.line } : undefined;
    }
    case "CHALLENGE_OWN_LOCATION":
      return last.trace.firstLocation ? { kind: "own-location", file: last.trace.firstLocation.file, line: last.trace.firstLocation.line } : undefined;
    case "CHALLENGE_LISTEN_ADDRESS":
    case "CHALLENGE_NO_SERVER":
    case "CHALLENGE_UNEXPLAINED":
    case "CHALLENGE_REDIRECT_REFUSED":
      return server && code === "CHALLENGE_REDIRECT_REFUSED" && server.file !== context.catchAllPath ? { kind: "add-include", file: server.file, line: server.line } : undefined;
    default:
      return server && server.file !== context.catchAllPath ? { kind: "add-include", file: server.file, line: server.line } : undefined;
  }
}
