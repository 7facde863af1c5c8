// A certbot lineage as read from disk: everything about it that does not depend on the clock, so it can be cached.
import type { Problem } from "./problem.js";
import type { RenewBeforeExpiry } from "./renew-before-expiry.js";

export interface LineagePaths {
  cert: string;
  chain: string;
  fullchain: string;
  privkey: string;
}

export interface LineageFacts {
  name: string;
  /** renewal/<name>.conf, absent when only live/<name>/ exists. */
  confPath: string | undefined;
  paths: LineagePaths;
  domains: string[];
  /** ISO 8601; absent when cert.pem could not be read. */
  notBefore: string | undefined;
  notAfter: string | undefined;
  serial: string | undefined;
  issuer: string | undefined;
  keyType: string | undefined;
  /** SHA-256 of cert.pem's DER, lower-case hex: what verify compares with the served certificate. */
  fingerprint: string | undefined;
  authenticator: string | undefined;
  /** The renewal conf's top-level renew_before_expiry, and whether ngcert wrote it; absent when the conf has none. */
  renewBeforeExpiry?: RenewBeforeExpiry | undefined;
  /** Problems found in the files themselves (not the clock's). */
  fileProblems: Problem[];
}
