// The parts of a certbot renewal conf (renewal/<name>.conf) that ngcert uses.
import { parseConfObj, type ConfSection, type ConfValue } from "./configobj.js";

export interface RenewalConf {
  cert: string;
  privkey: string;
  chain: string;
  fullchain: string;
  archiveDir: string | undefined;
  authenticator: string | undefined;
  installer: string | undefined;
  server: string | undefined;
  keyType: string | undefined;
  webrootPath: string[];
  webrootMap: Record<string, string>;
  /** Every [renewalparams] value as written, for rewriting the conf later. */
  params: Record<string, ConfValue>;
}

export class RenewalConfError extends Error {}

const FILE_KEYS = ["cert", "privkey", "chain", "fullchain"] as const;

/** Parses a renewal conf's text; throws RenewalConfError naming what is wrong. */
export function parseRenewalConf(text: string): RenewalConf {
  let root: ConfSection;
  try {
    root = parseConfObj(text);
  } catch (error) {
    throw new RenewalConfError(error instanceof Error ? error.message : String(error));
  }
  const files = {} as Record<(typeof FILE_KEYS)[number], string>;
  for (const key of FILE_KEYS) {
    const value = root.values[key];
    if (typeof value !== "string" || value === "") throw new RenewalConfError(`no "${key}" path`);
    files[key] = value;
  }
  const params = root.sections.renewalparams;
  if (!params) throw new RenewalConfError("no [renewalparams] section: certbot does not know how to renew it");
  const single = (key: string): string | undefined => {
    const value = params.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw new RenewalConfError(`"${key}" must be a single value`);
    return value;
  };
  const webrootPath = params.values.webroot_path;
  const webrootMap: Record<string, string> = {};
  for (const [domain, value] of Object.entries(params.sections.webroot_map?.values ?? {})) {
    if (typeof value !== "string") throw new RenewalConfError(`webroot_map entry "${domain}" must be a single path`);
    webrootMap[domain] = value;
  }
  const archiveDir = root.values.archive_dir;
  return {
    ...files,
    archiveDir: typeof archiveDir === "string" ? archiveDir : undefined,
    authenticator: single("authenticator"),
    installer: single("installer"),
    server: single("server"),
    keyType: single("key_type"),
    webrootPath: webrootPath === undefined ? [] : typeof webrootPath === "string" ? [webrootPath] : webrootPath,
    webrootMap,
    params: params.values,
  };
}
