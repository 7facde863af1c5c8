// A renewal conf from the issuer, made a node's own: the lineage's files, certbot's directories and the webroot point
// where this node keeps them (the same paths on most clusters, and then nothing changes), and `autorenew` says
// whether certbot on this node may renew it. `autorenew = False` is certbot's own switch (`--no-autorenew`): a node
// that is not the issuer never orders, whatever its certbot timer runs. Every other line stays as it was.
import path from "node:path";

export interface NodePaths {
  letsencryptDir: string;
  workDir: string;
  logsDir: string;
  webroot: string;
}

export interface RebaseInput {
  name: string;
  /** The issuer's webroot: webroot_path and webroot_map entries naming it become the node's. */
  fromWebroot: string;
  to: NodePaths;
  autorenew: boolean;
}

const KEY_LINE = /^(\s*)([A-Za-z0-9_.*-]+)(\s*=\s*)(.*)$/;

export function rebaseRenewalConf(text: string, input: RebaseInput): string {
  const live = path.join(input.to.letsencryptDir, "live", input.name);
  const top: Record<string, string> = {
    archive_dir: path.join(input.to.letsencryptDir, "archive", input.name),
    cert: path.join(live, "cert.pem"),
    privkey: path.join(live, "privkey.pem"),
    chain: path.join(live, "chain.pem"),
    fullchain: path.join(live, "fullchain.pem"),
  };
  const params: Record<string, string> = { config_dir: input.to.letsencryptDir, work_dir: input.to.workDir, logs_dir: input.to.logsDir };
  const out: string[] = [];
  let section = "";
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    const header = /^\s*(\[+)\s*([^\]]*?)\s*\]+/.exec(line);
    if (header) {
      section = header[1]!.length === 1 ? header[2]! : `${section.split("/")[0]}/${header[2]}`;
      out.push(line);
      continue;
    }
    const key = KEY_LINE.exec(line);
    if (!key) {
      out.push(line);
      continue;
    }
    const [, indent, name, equals, value] = key as unknown as [string, string, string, string, string];
    if (section === "" && name in top) out.push(`${indent}${name}${equals}${top[name]}`);
    else if (section === "renewalparams" && name in params) out.push(`${indent}${name}${equals}${params[name]}`);
    else if (section === "renewalparams" && name === "webroot_path") out.push(`${indent}${name}${equals}${replaceInList(value, input.fromWebroot, input.to.webroot)}`);
    else if (section === "renewalparams/webroot_map") out.push(`${indent}${name}${equals}${value.trim() === input.fromWebroot ? input.to.webroot : value}`);
    else out.push(line);
  }
  const rebased = out.join("\n");
  return setAutorenew(rebased, input.autorenew) ?? rebased;
}

/** Sets certbot's autorenew switch in a conf, leaving every other line alone; undefined when it has no [renewalparams]. */
export function setAutorenew(text: string, enabled: boolean): string | undefined {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let section = "";
  let paramsEnd = -1;
  const out: string[] = [];
  for (const line of lines) {
    const header = /^\s*(\[+)\s*([^\]]*?)\s*\]+/.exec(line);
    if (header) {
      section = header[1]!.length === 1 ? header[2]! : `${section.split("/")[0]}/${header[2]}`;
      out.push(line);
      if (section === "renewalparams") paramsEnd = out.length;
      continue;
    }
    const key = KEY_LINE.exec(line);
    if (section === "renewalparams" && key?.[2] === "autorenew") continue;
    out.push(line);
    if (section === "renewalparams" && key) paramsEnd = out.length;
  }
  if (paramsEnd < 0) return undefined;
  if (!enabled) out.splice(paramsEnd, 0, "autorenew = False");
  return out.join("\n");
}

/** Whether certbot would renew it on its own: no `autorenew`, or one that is true. */
export function isAutorenewEnabled(text: string): boolean {
  let section = "";
  for (const line of text.split("\n")) {
    const header = /^\s*(\[+)\s*([^\]]*?)\s*\]+/.exec(line);
    if (header) section = header[1]!.length === 1 ? header[2]! : `${section.split("/")[0]}/${header[2]}`;
    const key = KEY_LINE.exec(line);
    if (section === "renewalparams" && key?.[2] === "autorenew") return !/^\s*(false|no|off|0)\s*(#.*)?$/i.test(key[4]!);
  }
  return true;
}

function replaceInList(value: string, from: string, to: string): string {
  const trailing = /,\s*$/.test(value);
  const items = value.replace(/,\s*$/, "").split(",").map((item) => item.trim());
  const replaced = items.map((item) => (item === from ? to : item)).join(", ");
  return trailing ? `${replaced},` : replaced;
}
