// Which location handles a URI, as ngx_http_core_find_location decides: an exact `=` match ends the search; else
// the longest prefix is remembered (its nested locations searched first), and unless it is `^~` the regular
// expressions of that level are tried in order, the first match winning over the prefix.
import type { ConfNode } from "./config-tree.js";
import { compilePcre } from "./pcre-regex.js";

export type LocationKind = "exact" | "prefix" | "noregex" | "regex" | "named";

export interface LocationSpec {
  kind: LocationKind;
  /** The URI prefix, the exact URI, the regex source or the @name. */
  value: string;
  caseless: boolean;
}

export interface LocationMatch {
  /** The location nodes from the outermost to the one that handles the request; empty: the server's own. */
  chain: ConfNode[];
  /** Captures of the matching regex location ($1..$9 and named). */
  captures: string[];
  named: Record<string, string>;
}

/** Reads `location [modifier] uri`, including nginx's joined forms such as `location ~\.php$` and `location =/`. */
export function readLocationSpec(node: ConfNode): LocationSpec | undefined {
  const [first, second] = node.args;
  if (first === undefined) return undefined;
  const modifiers: [string, LocationKind, boolean][] = [["=", "exact", false], ["^~", "noregex", false], ["~*", "regex", true], ["~", "regex", false]];
  if (second !== undefined) {
    const found = modifiers.find(([text]) => text === first);
    return found ? { kind: found[1], value: second, caseless: found[2] } : undefined;
  }
  if (first.startsWith("@")) return { kind: "named", value: first, caseless: false };
  for (const [text, kind, caseless] of modifiers) {
    if (first.startsWith(text) && first.length > text.length) return { kind, value: first.slice(text.length), caseless };
  }
  return { kind: "prefix", value: first, caseless: false };
}

function locationsIn(container: ConfNode): { node: ConfNode; spec: LocationSpec }[] {
  return (container.block ?? []).flatMap((node) => {
    if (node.name !== "location" || !node.block) return [];
    const spec = readLocationSpec(node);
    return spec ? [{ node, spec }] : [];
  });
}

interface Found {
  chain: ConfNode[];
  /** true: an exact or regex match, which ends the search. */
  final: boolean;
  captures: string[];
  named: Record<string, string>;
}

function search(container: ConfNode, uri: string): Found | undefined {
  const locations = locationsIn(container);
  const exact = locations.find(({ spec }) => spec.kind === "exact" && spec.value === uri);
  if (exact) return { chain: [exact.node], final: true, captures: [], named: {} };
  let best: { node: ConfNode; spec: LocationSpec } | undefined;
  for (const entry of locations) {
    if ((entry.spec.kind === "prefix" || entry.spec.kind === "noregex") && uri.startsWith(entry.spec.value)) {
      if (!best || entry.spec.value.length > best.spec.value.length) best = entry;
    }
  }
  let found: Found | undefined;
  if (best) {
    const nested = search(best.node, uri);
    if (nested?.final) return { ...nested, chain: [best.node, ...nested.chain] };
    found = nested ? { ...nested, chain: [best.node, ...nested.chain] } : { chain: [best.node], final: false, captures: [], named: {} };
    if (best.spec.kind === "noregex") return found;
  }
  for (const { node, spec } of locations) {
    if (spec.kind !== "regex") continue;
    const match = compilePcre(spec.value, spec.caseless).exec(uri);
    if (!match) continue;
    const nested = search(node, uri);
    const captures = [match[0], ...match.slice(1).map((value) => value ?? "")];
    if (nested?.final) return { ...nested, chain: [node, ...nested.chain] };
    return { chain: [node, ...(nested?.chain ?? [])], final: true, captures, named: { ...(match.groups ?? {}) } };
  }
  return found;
}

/** The location of `container` (a server, or a location for nested ones) that handles `uri`. */
export function findLocation(container: ConfNode, uri: string): LocationMatch {
  const found = search(container, uri);
  return found ? { chain: found.chain, captures: found.captures, named: found.named } : { chain: [], captures: [], named: {} };
}

/** A named location (`location @name`) of a server. */
export function findNamedLocation(server: ConfNode, name: string): ConfNode | undefined {
  return locationsIn(server).find(({ spec }) => spec.kind === "named" && spec.value === name)?.node;
}
