// Edits a renewal conf the way certbot's configobj would write the same change (a removed key takes the comment lines
// above it along; new scalars follow the section's last scalar; a new subsection follows its last entry; `key = value`,
// one-element lists with a trailing comma), while every line it does not change stays byte for byte as it was.

import { ownedValueOf } from "./renew-before-expiry.js";

export type ConfEdit = { ok: true; text: string } | { ok: false; reason: string };

interface Line {
  text: string;
  /** "" for the top level, "renewalparams", "renewalparams/webroot_map". */
  section: string;
  kind: "blank" | "comment" | "header" | "key";
  key?: string;
  depth?: number;
}

const HEADER = /^\s*((?:\[\s*)+)(.*?)((?:\s*\])+)\s*(#.*)?$/;
const KEY = /^\s*("[^"]*"|'[^']*'|[^'"=#[][^=]*?)\s*=\s*(.*)$/;

function readLines(text: string): Line[] | string {
  const lines: Line[] = [];
  const path: string[] = [];
  for (const raw of text.split("\n")) {
    const trimmed = raw.trim();
    if (trimmed === "") lines.push({ text: raw, section: path.join("/"), kind: "blank" });
    else if (trimmed.startsWith("#")) lines.push({ text: raw, section: path.join("/"), kind: "comment" });
    else if (trimmed.startsWith("[")) {
      const header = HEADER.exec(raw);
      if (!header) return `malformed section header ${JSON.stringify(trimmed)}`;
      const depth = header[1]!.replace(/\s/g, "").length;
      path.length = depth - 1;
      path.push(header[2]!.trim());
      lines.push({ text: raw, section: path.join("/"), kind: "header", depth });
    } else {
      const key = KEY.exec(raw);
      if (!key) return `cannot read the line ${JSON.stringify(trimmed)}`;
      if (/^("""|''')/.test(key[2]!.trim())) return "multi-line values are not supported";
      lines.push({ text: raw, section: path.join("/"), kind: "key", key: key[1]!.replace(/^["']|["']$/g, "") });
    }
  }
  return lines;
}

function join(lines: readonly Line[]): string {
  return lines.map((line) => line.text).join("\n");
}

/** configobj's spelling of a value: plain unless it needs quotes (ngcert never writes one that does). */
function plain(value: string): string | undefined {
  return /^[^\s,#'"=][^,#'"]*$/.test(value) && !/\s$/.test(value) ? value : undefined;
}

/** Removes keys of a section with the comment and blank lines configobj keeps with them (those just above). */
function removeKeys(lines: Line[], section: string, keys: readonly string[]): Line[] {
  const out: Line[] = [];
  for (const line of lines) {
    if (line.kind === "key" && line.section === section && keys.includes(line.key!)) {
      while (out.length > 0 && (out[out.length - 1]!.kind === "comment" || out[out.length - 1]!.kind === "blank") && out[out.length - 1]!.section === section) out.pop();
      continue;
    }
    out.push(line);
  }
  return out;
}

function setValue(line: Line, value: string): Line {
  const indent = /^\s*/.exec(line.text)![0];
  return { ...line, text: `${indent}${line.key} = ${value}` };
}

/** Index just after the last key line in `section` (or its subsections when `deep`); -1 when it has none. */
function endOf(lines: readonly Line[], section: string, deep: boolean): number {
  let end = -1;
  lines.forEach((line, index) => {
    const inside = line.section === section || (deep && line.section.startsWith(`${section}/`));
    if (inside && (line.kind === "key" || line.kind === "header")) end = index + 1;
  });
  return end;
}

export function removeRenewalParams(text: string, keys: readonly string[]): ConfEdit {
  const lines = readLines(text);
  if (typeof lines === "string") return { ok: false, reason: lines };
  return { ok: true, text: join(removeKeys(lines, "renewalparams", keys)) };
}

export interface WebrootSwitch {
  webroot: string;
  /** Every domain of the lineage: each gets a [[webroot_map]] entry. */
  domains: readonly string[];
  /** Keys of [renewalparams] to drop (the hooks that stop or start nginx). */
  removeKeys: readonly string[];
}

/** authenticator = webroot, webroot_path = <webroot>, and a [[webroot_map]] entry per domain. */
export function switchToWebroot(text: string, change: WebrootSwitch): ConfEdit {
  const parsed = readLines(text);
  if (typeof parsed === "string") return { ok: false, reason: parsed };
  const webroot = plain(change.webroot);
  if (webroot === undefined) return { ok: false, reason: `the webroot ${JSON.stringify(change.webroot)} would need quoting in a renewal conf` };
  if (!parsed.some((line) => line.kind === "header" && line.section === "renewalparams")) return { ok: false, reason: "no [renewalparams] section" };
  let lines = removeKeys(parsed, "renewalparams", change.removeKeys);
  const params = (key: string): number => lines.findIndex((line) => line.kind === "key" && line.section === "renewalparams" && line.key === key);

  const authenticator = params("authenticator");
  if (authenticator < 0) return { ok: false, reason: "no authenticator in [renewalparams]" };
  lines[authenticator] = setValue(lines[authenticator]!, "webroot");
  const path = params("webroot_path");
  if (path >= 0) lines[path] = setValue(lines[path]!, `${webroot},`);
  else lines.splice(endOf(lines, "renewalparams", false), 0, { text: `webroot_path = ${webroot},`, section: "renewalparams", kind: "key", key: "webroot_path" });

  const mapSection = "renewalparams/webroot_map";
  const hasMap = lines.some((line) => line.kind === "header" && line.section === mapSection);
  if (!hasMap) {
    const at = endOf(lines, "renewalparams", true);
    lines.splice(at, 0, { text: "[[webroot_map]]", section: mapSection, kind: "header", depth: 2 });
  }
  lines = lines.map((line) => (line.kind === "key" && line.section === mapSection && change.domains.includes(line.key!) ? setValue(line, webroot) : line));
  const present = new Set(lines.filter((line) => line.kind === "key" && line.section === mapSection).map((line) => line.key));
  const missing = change.domains.filter((domain) => !present.has(domain));
  lines.splice(endOf(lines, mapSection, false), 0, ...missing.map((domain): Line => ({ text: `${domain} = ${webroot}`, section: mapSection, kind: "key", key: domain })));
  return { ok: true, text: join(lines) };
}

/**
 * The top-level `renew_before_expiry = <value>` with ngcert's owned comment directly above it: replaced in place when
 * ngcert's own line is there, else added after the last top-level key with the comment above it, where configobj
 * puts a new key and its comments. A value the owner wrote is never touched (see certbot/renew-before-expiry.ts).
 */
export function setRenewBeforeExpiry(text: string, value: string, comment: string): ConfEdit {
  const parsed = readLines(text);
  if (typeof parsed === "string") return { ok: false, reason: parsed };
  const lines = [...parsed];
  if (plain(value) === undefined) return { ok: false, reason: `${JSON.stringify(value)} would need quoting in a renewal conf` };
  const at = lines.findIndex((line) => line.kind === "key" && line.section === "" && line.key === "renew_before_expiry");
  const commentLine: Line = { text: comment, section: "", kind: "comment" };
  if (at >= 0) {
    const above = lines[at - 1];
    if (above?.kind !== "comment" || ownedValueOf(above.text) === undefined) return { ok: false, reason: "renew_before_expiry there is the owner's" };
    lines[at - 1] = commentLine;
    lines[at] = setValue(lines[at]!, value);
    return { ok: true, text: join(lines) };
  }
  // An owned comment whose value line someone removed is ngcert's own leftover: it goes.
  const kept = lines.filter((line) => !(line.kind === "comment" && line.section === "" && ownedValueOf(line.text) !== undefined));
  const end = endOf(kept, "", false);
  if (end < 0) return { ok: false, reason: "no top-level keys (cert, privkey, ...)" };
  kept.splice(end, 0, commentLine, { text: `renew_before_expiry = ${value}`, section: "", kind: "key", key: "renew_before_expiry" });
  return { ok: true, text: join(kept) };
}
