// Reads one lineage (renewal conf + live/ files) into LineageFacts; a broken file becomes a problem, never an exception.
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { DerError } from "../certs/der.js";
import { fingerprintOf, readCertificateInfo, type CertificateInfo } from "../certs/certificate-info.js";
import { parseCertificatePems } from "../certs/pem.js";
import { PrivateKeyError, publicKeyIdFromPrivateKeyPem, publicKeyIdFromSpki } from "../certs/public-key.js";
import { isIssuedBy } from "../certs/verify-issued-by.js";
import type { Problem } from "./problem.js";
import { isNodeError } from "../errors.js";
import type { LineageFacts, LineagePaths } from "./lineage.js";
import { parseRenewalConf, type RenewalConf } from "./renewal-conf.js";
import { readRenewBeforeExpiry, type RenewBeforeExpiry } from "./renew-before-expiry.js";

export function renewalConfPath(letsencryptDir: string, name: string): string {
  return path.join(letsencryptDir, "renewal", `${name}.conf`);
}

export function defaultLineagePaths(letsencryptDir: string, name: string): LineagePaths {
  const live = path.join(letsencryptDir, "live", name);
  return {
    cert: path.join(live, "cert.pem"),
    chain: path.join(live, "chain.pem"),
    fullchain: path.join(live, "fullchain.pem"),
    privkey: path.join(live, "privkey.pem"),
  };
}

class Unreadable extends Error {}

/** Chains are shared by thousands of lineages: parse each distinct chain text once per process. */
const chainCache = new Map<string, CertificateInfo[]>();

/**
 * `beforeFiles` runs once the file paths are known and before any is read, so a cache can stamp them first: a file
 * that changes while it is being read then never matches its stamp.
 */
export function readLineageFacts(letsencryptDir: string, name: string, hasConf: boolean, beforeFiles?: (paths: LineagePaths) => void): LineageFacts {
  const problems: Problem[] = [];
  const confPath = hasConf ? renewalConfPath(letsencryptDir, name) : undefined;
  let conf: RenewalConf | undefined;
  let renewBeforeExpiry: RenewBeforeExpiry | undefined;
  if (confPath) {
    try {
      const text = readText(confPath);
      renewBeforeExpiry = readRenewBeforeExpiry(text);
      conf = parseRenewalConf(text);
    } catch (error) {
      problems.push({ code: "RENEWAL_CONF_INVALID", message: `${confPath}: ${errorText(error)}` });
    }
  } else {
    problems.push({ code: "RENEWAL_CONF_INVALID", message: `no ${renewalConfPath(letsencryptDir, name)}: certbot will never renew this certificate` });
  }
  const paths = conf ? { cert: conf.cert, chain: conf.chain, fullchain: conf.fullchain, privkey: conf.privkey } : defaultLineagePaths(letsencryptDir, name);
  beforeFiles?.(paths);
  const facts: LineageFacts = {
    name,
    confPath,
    paths,
    domains: [],
    notBefore: undefined,
    notAfter: undefined,
    serial: undefined,
    issuer: undefined,
    keyType: undefined,
    fingerprint: undefined,
    authenticator: conf?.authenticator,
    renewBeforeExpiry,
    fileProblems: problems,
  };
  if (conf?.authenticator === "standalone") {
    problems.push({ code: "STANDALONE", message: `renews with certbot's standalone authenticator, which must bind port 80: nginx would have to stop; \`ngcert migrate ${name}\` switches it to the shared webroot` });
  }

  const cert = attempt(problems, paths.cert, (text) => {
    const [der, ...rest] = parseCertificatePems(text);
    if (rest.length > 0) throw new Unreadable(`holds ${rest.length + 1} certificates; cert.pem must hold only the leaf`);
    return readCertificateInfo(der!);
  });
  if (cert) {
    facts.domains = cert.dnsNames.length > 0 ? [...cert.dnsNames, ...cert.ipAddresses] : cert.ipAddresses;
    facts.notBefore = cert.notBefore.toISOString();
    facts.notAfter = cert.notAfter.toISOString();
    facts.serial = cert.serial;
    facts.issuer = cert.issuer;
    facts.keyType = cert.keyType;
    facts.fingerprint = fingerprintOf(cert.der);
  }
  const chainText = attempt(problems, paths.chain, (text) => text);
  const chain = chainText === undefined ? undefined : attemptWith(problems, paths.chain, () => parseChain(chainText));
  const fullchain = attempt(problems, paths.fullchain, (text) => parseCertificatePems(text));
  const keyId = attempt(problems, paths.privkey, (text) => publicKeyIdFromPrivateKeyPem(text));

  if (cert && keyId !== undefined && keyId !== publicKeyIdFromSpki(cert.spki)) {
    problems.push({ code: "KEY_MISMATCH", message: `${paths.privkey} is not the key of ${paths.cert}: nginx would refuse to load the pair` });
  }
  if (cert && chain) {
    const issuer = chain[0]!;
    if (!isIssuedBy(cert, issuer)) {
      problems.push({ code: "CHAIN_INVALID", message: `${paths.cert} is not signed by the first certificate of ${paths.chain} (${issuer.subject})` });
    }
  }
  if (cert && chain && fullchain) {
    const expected = [cert.der, ...chain.map((info) => info.der)];
    if (fullchain.length !== expected.length || fullchain.some((der, i) => !der.equals(expected[i]!))) {
      problems.push({ code: "CHAIN_INVALID", message: `${paths.fullchain} is not ${path.basename(paths.cert)} followed by ${path.basename(paths.chain)}` });
    }
  }
  return facts;
}

function parseChain(text: string): CertificateInfo[] {
  let chain = chainCache.get(text);
  if (!chain) {
    chain = parseCertificatePems(text).map((der) => readCertificateInfo(der));
    chainCache.set(text, chain);
  }
  return chain;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") {
      let target: string | undefined;
      try {
        if (lstatSync(file).isSymbolicLink()) target = readlinkSync(file);
      } catch {
        target = undefined;
      }
      throw new Unreadable(target === undefined ? "missing" : `dangling symlink to ${target}`);
    }
    if (isNodeError(error) && error.code === "EISDIR") throw new Unreadable("is a directory, not a file");
    if (isNodeError(error)) throw new Unreadable(`cannot be read (${error.code})`);
    throw error;
  }
}

function attempt<T>(problems: Problem[], file: string, parse: (text: string) => T): T | undefined {
  return attemptWith(problems, file, () => parse(readText(file)));
}

function attemptWith<T>(problems: Problem[], file: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    problems.push({ code: "UNREADABLE", message: `${file}: ${errorText(error)}` });
    return undefined;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Unreadable || error instanceof PrivateKeyError) return error.message;
  if (error instanceof DerError) return `not a valid certificate (${error.message})`;
  return error instanceof Error ? error.message : String(error);
}
