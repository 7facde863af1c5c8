// What init says when its catch-all would change which server answers for the owner's names or addresses: each
// message names the blocks and gives steps that, followed literally, let the next `ngcert init` succeed.
import type { HttpServerCheck, ShadowingServer } from "./check-http-servers.js";

interface BlockShape {
  redirects: { directive: string; line: number }[];
  challengeLocations: { line: number }[];
}

/**
 * How to make a block answer challenges: include the snippet — in place of a challenge location of its own (both
 * would be a duplicate location), and after moving what runs before any location (a server-level return, rewrite
 * or if) into `location / { }`, or that still answers the challenge request.
 */
export function includeAdvice(blocks: BlockShape | readonly BlockShape[], snippetFile: string): string {
  const all = Array.isArray(blocks) ? (blocks as readonly BlockShape[]) : [blocks as BlockShape];
  const redirects = all.flatMap((block) => block.redirects);
  const own = all.flatMap((block) => block.challengeLocations);
  const steps: string[] = [];
  if (redirects.length > 0) {
    const what = redirects.map((redirect) => `\`${redirect.directive}\` (line ${redirect.line})`).join(", ");
    steps.push(`move its server-level ${what} into a \`location / { ... }\` block (at server level it runs before any location, the challenge's too)`);
  }
  if (own.length > 0) steps.push(`replace its own \`location\` for /.well-known/acme-challenge/ (line ${own.map((location) => location.line).join(", ")}) with \`include ${snippetFile};\``);
  else steps.push(`add \`include ${snippetFile};\` inside its server block`);
  return steps.join(", and ");
}

/** The warning for a port-80 block of the owner's whose names never reach the catch-all. */
export function describeShadowing(server: ShadowingServer, options: { snippetFile: string; httpPort: number }): string {
  return (
    `${server.file}:${server.line}: the port-${options.httpPort} server for ${server.names.join(" ")} does not include the ACME snippet, ` +
    `so challenges for those names never reach ngcert: ${includeAdvice(server, options.snippetFile)}`
  );
}

export function describeHttpConflicts(check: HttpServerCheck, options: { snippetFile: string; httpPort: number; listenAddress: string }): string | undefined {
  const { snippetFile, httpPort } = options;
  const parts: string[] = [];
  if (check.conflicts.length > 0) {
    const where = check.conflicts.map((c) => `  ${c.file}:${c.line}: listen ${c.listen} default_server`).join("\n");
    parts.push(
      `another server is already the default_server on port ${httpPort}, where ngcert's catch-all would be:\n${where}\n` +
        `To keep it as the default, ${includeAdvice(check.conflicts, snippetFile)}: it then answers challenges for every name nginx does not know, ` +
        "and ngcert writes no catch-all of its own there. Or disable that site (on Debian: remove its link from sites-enabled/) " +
        "and let ngcert's catch-all be the default.",
    );
  }
  if (check.implicitDefault.length > 0) {
    const where = check.implicitDefault.map((d) => `  ${d.file}:${d.line}: the first server on ${d.listen}${d.names.length > 0 ? ` (${d.names.join(" ")})` : ""}`).join("\n");
    parts.push(
      `no server block says default_server on port ${httpPort}, so nginx sends requests for names it does not know to the first one listening there:\n${where}\n` +
        "ngcert's catch-all would take that over. To keep that block as the default, add `default_server` to its listen line and " +
        `${includeAdvice(check.implicitDefault, snippetFile)} (ngcert then leaves the default to it and answers challenges through it), then run ngcert init again.`,
    );
  }
  if (check.swallowed.length > 0) {
    const where = check.swallowed.map((d) => `  ${d.file}:${d.line}: listen ${d.listen}${d.names.length > 0 ? ` (${d.names.join(" ")})` : ""}`).join("\n");
    parts.push(
      `a catch-all on ${options.listenAddress} would get every request to that address, and nginx would no longer pass them to these blocks, which listen on all addresses:\n${where}\n` +
        `Run ngcert init without --listen-address (its catch-all then listens on all addresses too), or give those blocks \`listen ${options.listenAddress.includes(":") ? `[${options.listenAddress}]` : options.listenAddress}:${httpPort};\`, then run ngcert init again.`,
    );
  }
  if (parts.length === 0) return undefined;
  return parts.join("\n");
}
