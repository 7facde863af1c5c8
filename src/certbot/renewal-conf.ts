// A certbot renewal conf (renewal/<name>.conf) read as certbot 2.x reads it: configobj, interpolation, then the checks
// certbot makes before it will load the lineage (storage.RenewableCert) and before it will renew it
// (renewal._reconstitute). A check certbot fails is kept as its reason, in certbot's words, not thrown.
import { ConfDecodeError, PY_SPACE } from "./configobj-text.js";
import { childPath, ConfInterpolationError, ConfReader, rootPath, type SectionPath } from "./configobj-interpolate.js";
import { ConfSyntaxError, hasEntry, parseConfObj, type ConfSection, type ConfValue } from "./configobj.js";
import { checkPluginParams, checkRenewalParams } from "./renewal-params.js";

export const LINEAGE_FILES = ["cert", "privkey", "chain", "fullchain"] as const;
export type LineageFileKind = (typeof LINEAGE_FILES)[number];

export interface RenewalConf {
  /** The four file paths as certbot uses them; undefined when the conf does not give all four as text. */
  files: Record<LineageFileKind, string> | undefined;
  /** Whichever of the four the conf gives as text (where it points, even when certbot cannot use it). */
  filePaths: Partial<Record<LineageFileKind, string>>;
  archiveDir: string | undefined;
  authenticator: string | undefined;
  installer: string | undefined;
  server: string | undefined;
  keyType: string | undefined;
  webrootPath: string[];
  webrootMap: Record<string, string>;
  /** Every [renewalparams] value as written (not interpolated), for rewriting the conf later. */
  params: Record<string, ConfValue>;
  /** Why certbot cannot load the lineage at all (`certbot certificates` and `renew` both skip it). */
  loadRefusal: string | undefined;
  /** Why `certbot renew` skips it although it loads (checked after the live/ links, as certbot does). */
  renewRefusal: string | undefined;
  /** Why `certbot renew` fails when it asks whether the certificate is due (last of certbot's checks). */
  dueRefusal: string | undefined;
}

/** parseRenewalConf's refusal: certbot's reason for not loading or not renewing a conf. */
export class RenewalConfError extends Error {}

/** certbot's own version check: packaging's PEP 440 pattern, which certbot 2.x parses `version` with. */
const VERSION = new RegExp(
  `^[${PY_SPACE}]*v?(?:(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?` +
    `(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?(?:[-_.]?dev[-_.]?[0-9]*)?)(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?[${PY_SPACE}]*$`,
  "iu",
);

const pythonType = (value: ConfValue | ConfSection): string => (typeof value === "string" ? "str" : Array.isArray(value) ? "list" : "Section");

/**
 * A conf file's text, and what to give readRenewalConf or parseRenewalConf: the text when the bytes are valid UTF-8
 * (node's fast path), else the bytes themselves, so a conf that is not UTF-8 is refused as certbot refuses it rather
 * than read with replacement characters.
 */
export function decodeConf(bytes: Buffer): { text: string; input: string | Buffer } {
  const text = bytes.toString("utf8");
  return { text, input: text.includes("\ufffd") ? bytes : text };
}

/**
 * Reads a renewal conf's bytes (or its text, when that decoded from valid UTF-8). Every check certbot would fail lands in loadRefusal / renewRefusal / dueRefusal, in
 * certbot's words; a conf configobj cannot parse is still read as far as configobj got, to learn where it points.
 */
export function readRenewalConf(bytes: Uint8Array | string): RenewalConf {
  let root: ConfSection;
  let parseRefusal: string | undefined;
  try {
    root = parseConfObj(bytes);
  } catch (error) {
    if (error instanceof ConfSyntaxError) {
      parseRefusal = `error parsing it: ${error.message.replace(/\n/g, " ")}`;
      root = error.partial;
    } else if (error instanceof ConfDecodeError) {
      parseRefusal = error.message;
      root = parseLeniently(bytes as Uint8Array);
    } else throw error;
  }
  const reader = new ConfReader();
  const top = rootPath(root);
  const conf: RenewalConf = {
    files: undefined,
    filePaths: {},
    archiveDir: undefined,
    authenticator: undefined,
    installer: undefined,
    server: undefined,
    keyType: undefined,
    webrootPath: [],
    // Keyed by domain names: a prototype-less dictionary, since thousands of lineages adding their own names to plain
    // objects would exhaust V8's shape transitions and leave every later object literal with a shape of its own.
    webrootMap: Object.create(null) as Record<string, string>,
    params: {},
    loadRefusal: undefined,
    renewRefusal: undefined,
    dueRefusal: undefined,
  };
  // storage.RenewableCert: every root value is read (and interpolated) when certbot merges in its defaults.
  const rootValues = readAll(reader, top, Object.keys(root.values));
  conf.loadRefusal = parseRefusal;
  if (typeof rootValues === "string") conf.loadRefusal ??= rootValues;
  const get = (key: string): ConfValue | undefined => (typeof rootValues === "string" ? undefined : rootValues[key]);
  if (conf.loadRefusal === undefined) conf.loadRefusal = checkFileReferences(root, get, reader);
  for (const kind of LINEAGE_FILES) {
    const value = get(kind) ?? root.values[kind];
    if (typeof value === "string") conf.filePaths[kind] = value;
  }
  if (LINEAGE_FILES.every((kind) => conf.filePaths[kind] !== undefined)) conf.files = conf.filePaths as Record<LineageFileKind, string>;
  const archiveDir = get("archive_dir");
  if (typeof archiveDir === "string") conf.archiveDir = archiveDir;
  readRenewalParams(root, top, reader, conf);
  // should_autorenew strips renew_before_expiry as text, unless autorenew is off.
  const interval = get("renew_before_expiry") ?? (Object.hasOwn(root.sections, "renew_before_expiry") ? root.sections.renew_before_expiry : undefined);
  const autorenew = conf.params.autorenew;
  if (interval !== undefined && typeof interval !== "string" && !(typeof autorenew === "string" && autorenew.toLowerCase() === "false")) {
    conf.dueRefusal = `'${pythonType(interval)}' object has no attribute 'strip'`;
  }
  return conf;
}

function parseLeniently(bytes: Uint8Array): ConfSection {
  try {
    return parseConfObj(bytes, { lenient: true });
  } catch (error) {
    if (error instanceof ConfSyntaxError) return error.partial;
    throw error;
  }
}

/** A conf certbot loads and renews from, with its four paths; throws RenewalConfError with certbot's reason otherwise. */
export function parseRenewalConf(text: string | Uint8Array): RenewalConf & Record<LineageFileKind, string> {
  const conf = readRenewalConf(text);
  const refusal = conf.loadRefusal ?? conf.renewRefusal;
  if (refusal !== undefined || conf.files === undefined) throw new RenewalConfError(refusal ?? "renewal config file is missing a required file reference");
  return { ...conf, ...conf.files };
}

/** Reads every value of every section as configobj prints a conf; the first failure other than a missing name. */
function readWholeConf(reader: ConfReader, at: SectionPath): string | undefined {
  const section = at.sections[at.sections.length - 1]!;
  for (const key of Object.keys(section.values)) {
    try {
      reader.read(at, key, section.values[key]!);
    } catch (error) {
      if (!(error instanceof ConfInterpolationError)) throw error;
      if (!error.missing) return error.message;
    }
  }
  for (const name of Object.keys(section.sections)) {
    const failure = readWholeConf(reader, childPath(at, name)!);
    if (failure) return failure;
  }
  return undefined;
}

function readAll(reader: ConfReader, at: SectionPath, keys: string[]): Record<string, ConfValue> | string {
  const section = at.sections[at.sections.length - 1]!;
  const out = Object.create(null) as Record<string, ConfValue>;
  for (const key of keys) {
    try {
      out[key] = reader.read(at, key, section.values[key]!);
    } catch (error) {
      if (error instanceof ConfInterpolationError) return error.message;
      throw error;
    }
  }
  return out;
}

/** RenewableCert's checks on the four paths and the version, in certbot's order. */
function checkFileReferences(root: ConfSection, get: (key: string) => ConfValue | undefined, reader: ConfReader): string | undefined {
  const absent = LINEAGE_FILES.find((kind) => !hasEntry(root, kind));
  // certbot's message for this prints the whole conf, reading every value: a value that cannot be interpolated (other
  // than a missing name, which printing tolerates) fails that message instead.
  if (absent) return readWholeConf(reader, rootPath(root)) ?? `renewal config file is missing a required file reference (no "${absent}")`;
  const version = get("version");
  if (version !== undefined || Object.hasOwn(root.sections, "version")) {
    if (typeof version !== "string") return `expected string or bytes-like object, got '${version === undefined ? "Section" : "list"}'`;
    if (!VERSION.test(version)) return `Invalid version: '${version}'`;
  }
  for (const kind of LINEAGE_FILES) {
    const value = get(kind) ?? root.sections[kind]!;
    if (typeof value !== "string") return `expected str, bytes or os.PathLike object, not ${pythonType(value)}`;
  }
  return undefined;
}

/** What renewal._reconstitute reads from [renewalparams], and why it would skip the lineage. */
function readRenewalParams(root: ConfSection, top: SectionPath, reader: ConfReader, conf: RenewalConf): void {
  const paramsPath = childPath(top, "renewalparams");
  if (!paramsPath) {
    const scalar = Object.hasOwn(root.values, "renewalparams") ? root.values.renewalparams! : undefined;
    if (scalar === undefined) conf.renewRefusal = "it lacks renewalparams";
    else if (!scalar.includes("authenticator")) conf.renewRefusal = "it does not specify an authenticator";
    else conf.renewRefusal = `'${pythonType(scalar)}' object does not support item assignment`;
    return;
  }
  const params = paramsPath.sections[paramsPath.sections.length - 1]!;
  conf.params = params.values;
  if (!hasEntry(params, "authenticator")) conf.renewRefusal = "it does not specify an authenticator";
  // _reconstitute reads key_type first, then every value in file order.
  const order = ["key_type", ...Object.keys(params.values).filter((key) => key !== "key_type")].filter((key) => Object.hasOwn(params.values, key));
  const values = readAll(reader, paramsPath, order);
  if (typeof values === "string") {
    conf.renewRefusal ??= values;
    return;
  }
  const text = (key: string): string | undefined => (typeof values[key] === "string" ? (values[key] as string) : undefined);
  conf.authenticator = text("authenticator");
  conf.installer = text("installer");
  conf.server = text("server");
  conf.keyType = text("key_type");
  const webrootPath = values.webroot_path;
  conf.webrootPath = webrootPath === undefined ? [] : typeof webrootPath === "string" ? [webrootPath] : webrootPath;
  const map = params.sections.webroot_map;
  if (map && Object.hasOwn(params.sections, "webroot_map")) {
    for (const [domain, value] of Object.entries(map.values)) if (typeof value === "string") conf.webrootMap[domain] = value;
  }
  conf.renewRefusal ??= checkRenewalParams(values);
  // Then the plugin names become a set of prefixes: a list or section there is unhashable in Python.
  const authenticator = values.authenticator ?? params.sections.authenticator;
  const installer = values.installer ?? params.sections.installer;
  const plugins = [authenticator === "webroot" ? undefined : authenticator, installer];
  for (const plugin of plugins) {
    if (plugin !== undefined && typeof plugin !== "string") conf.renewRefusal ??= `unhashable type: '${pythonType(plugin)}'`;
  }
  const names = plugins.filter((plugin): plugin is string => typeof plugin === "string");
  conf.renewRefusal ??= checkPluginParams([...Object.keys(params.values), ...Object.keys(params.sections)], names);
}
