// certbot renew restores typed options from [renewalparams] before renewing (renewal.restore_required_config_elements):
// a value it cannot convert makes it skip the lineage. Same order, same conversions, same messages.
import type { ConfValue } from "./configobj.js";
import { pyStrip, PY_SPACE } from "./configobj-text.js";

const BOOL_ITEMS = ["must_staple", "allow_subset_of_names", "reuse_key", "autorenew"];
const INT_ITEMS = ["rsa_key_size", "http01_port"];
const CHALLENGE_TYPES = new Set(["dns", "dns-01", "http-01", "tls-alpn-01"]);
const ALIASES: Record<string, string> = { dns: "dns-01", http: "http-01" };

/** Python's int() on text: Unicode whitespace around, a sign, decimal digits of any script, single underscores between. */
const PY_INT = new RegExp(`^[${PY_SPACE}]*[+-]?\\p{Nd}+(?:_\\p{Nd}+)*[${PY_SPACE}]*$`, "u");

/** The first value certbot renew could not restore, in certbot's words; undefined when all convert. */
export function checkRenewalParams(values: Record<string, ConfValue>): string | undefined {
  const has = (key: string): boolean => Object.hasOwn(values, key);
  if (has("pref_challs")) {
    const value = values.pref_challs!;
    const challenges = (typeof value === "string" ? [value] : value).map((name) => pyStrip(name)).map((name) => ALIASES[name] ?? name);
    const unknown = challenges.filter((name) => !CHALLENGE_TYPES.has(name));
    if (unknown.length > 0) return `Unrecognized challenges: ${unknown.join(", ")}`;
  }
  for (const key of BOOL_ITEMS) {
    if (!has(key)) continue;
    const value = values[key]!;
    if (typeof value !== "string") return "'list' object has no attribute 'lower'";
    const lower = value.toLowerCase();
    if (lower !== "true" && lower !== "false") return `Expected True or False for ${key} but found ${value}`;
  }
  for (const key of INT_ITEMS) {
    if (!has(key)) continue;
    const value = values[key]!;
    if (key === "http01_port" && value === "None") continue;
    if (typeof value !== "string") return "int() argument must be a string, a bytes-like object or a real number, not 'list'";
    if (!PY_INT.test(value)) return `Expected a numeric value for ${key}`;
  }
  return undefined;
}

/** Options of the plugins certbot itself ships; the options of other plugins are known only where they are installed. */
const BUILTIN_PLUGIN_OPTIONS: Record<string, readonly string[]> = {
  manual: ["manual_auth_hook", "manual_cleanup_hook", "manual_public_ip_logging_ok"],
  standalone: [],
  null: [],
  webroot: ["webroot_map", "webroot_path"],
};

/**
 * certbot renew restores `<plugin>_*` values for the authenticator and installer, and asks its option parser about each
 * one: a name no installed plugin defines fails the lineage. Judged here for certbot's own plugins only.
 */
export function checkPluginParams(keys: readonly string[], plugins: readonly string[]): string | undefined {
  for (const plugin of plugins) {
    const prefix = plugin.replace(/-/g, "_");
    const known = Object.hasOwn(BUILTIN_PLUGIN_OPTIONS, prefix) ? BUILTIN_PLUGIN_OPTIONS[prefix]! : undefined;
    if (!known) continue;
    const unknown = keys.find((key) => key.startsWith(`${prefix}_`) && !known.includes(key));
    if (unknown) return `'Namespace' object has no attribute '${unknown}'`;
  }
  return undefined;
}
