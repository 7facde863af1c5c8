// certbot's ACME accounts: <letsencrypt-dir>/accounts/<server host[:port]><server path>/<id>/ holds meta.json,
// regr.json and private_key.json (the account key as a JWK, mode 0400). A cluster answers challenges with the
// issuing account's key thumbprint, and every node that may become the issuer needs the same account.
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { JwkError, jwkThumbprint } from "../certs/jwk-thumbprint.js";
import { NgcertError, isNodeError } from "../errors.js";

export const ACCOUNT_FILES = ["meta.json", "regr.json", "private_key.json"] as const;
export type AccountFile = (typeof ACCOUNT_FILES)[number];

export interface CertbotAccount {
  id: string;
  /** The account directory relative to the letsencrypt dir, as certbot names it: accounts/<server path>/<id>. */
  relativeDir: string;
  /** RFC 7638 thumbprint of the account key. */
  thumbprint: string;
  /** The three files' contents (the key among them: never print it). */
  files: Record<AccountFile, string>;
}

const ACCOUNT_ID = /^[0-9a-f]{32}$/;

/** certbot's configuration.server_path: the URL's host[:port] and path, relative to <letsencrypt-dir>/accounts. */
export function accountsPathFor(server: string): string {
  const url = new URL(server);
  return path.join("accounts", `${url.host}${url.pathname}`);
}

export function listAccountIds(letsencryptDir: string, server: string): string[] {
  try {
    return readdirSync(path.join(letsencryptDir, accountsPathFor(server)))
      .filter((id) => ACCOUNT_ID.test(id))
      .sort();
  } catch (error) {
    if (isNodeError(error) && (error.code === "ENOENT" || error.code === "ENOTDIR")) return [];
    throw new NgcertError("IO", `cannot read certbot's accounts in ${path.join(letsencryptDir, accountsPathFor(server))}: ${isNodeError(error) ? error.code : String(error)}`, { cause: error });
  }
}

export function readAccount(letsencryptDir: string, server: string, id: string): CertbotAccount {
  if (!ACCOUNT_ID.test(id)) throw new NgcertError("INVALID_INPUT", `\`${id}\` is not a certbot account id`);
  const relativeDir = path.join(accountsPathFor(server), id);
  // certbot links an account dir to an earlier server's (ACME v1 to v2); the files are wherever the link leads.
  const dir = realpathOrSame(path.join(letsencryptDir, relativeDir));
  const files = {} as Record<AccountFile, string>;
  for (const file of ACCOUNT_FILES) {
    try {
      files[file] = readFileSync(path.join(dir, file), "utf8");
    } catch (error) {
      throw new NgcertError("IO", `certbot account ${id}: cannot read ${path.join(dir, file)} (${isNodeError(error) ? error.code : String(error)})`, { cause: error });
    }
  }
  return { id, relativeDir, thumbprint: thumbprintOfKeyFile(files["private_key.json"], path.join(dir, "private_key.json")), files };
}

export function thumbprintOfKeyFile(text: string, file: string): string {
  try {
    const jwk = JSON.parse(text) as unknown;
    if (jwk === null || typeof jwk !== "object") throw new JwkError("not a JSON object");
    return jwkThumbprint(jwk as Record<string, unknown>);
  } catch (error) {
    throw new NgcertError("INVALID_INPUT", `${file} is not a usable account key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * The account a cluster issues with: the one named in the config, else the only one certbot has for the server.
 * undefined when certbot has none yet (it registers one on the first order).
 */
export function findClusterAccount(letsencryptDir: string, server: string, wanted: string | undefined): CertbotAccount | undefined {
  const ids = listAccountIds(letsencryptDir, server);
  if (wanted !== undefined) {
    if (!ids.includes(wanted)) return undefined;
    return readAccount(letsencryptDir, server, wanted);
  }
  if (ids.length === 0) return undefined;
  if (ids.length > 1) {
    throw new NgcertError(
      "CONFIG",
      `certbot has ${ids.length} accounts for ${server} (${ids.join(", ")}): name the one the cluster issues with as "account" in the "cluster" settings`,
    );
  }
  return readAccount(letsencryptDir, server, ids[0]!);
}

function realpathOrSame(file: string): string {
  try {
    return statSync(file).isDirectory() ? realpathSync(file) : file;
  } catch {
    return file;
  }
}
