// Reads one lineage (renewal conf + the files it names) into LineageFacts, as certbot and OpenSSL see it; a broken file
// becomes a problem, never an exception. What `certbot renew` would skip is one RENEWAL_CONF_INVALID in certbot's words.
import { FileKindError, readRegularFile } from "../fs/read-regular-file.js";
import path from "node:path";
import { fingerprintOf, readCertificateInfo, type CertificateInfo } from "../certs/certificate-info.js";
import { DerError } from "../certs/der.js";
import { nginxRefusal } from "../certs/nginx-refusal.js";
import { describeBlocks, readCertificateFile } from "../certs/pem.js";
import { PrivateKeyError, publicKeyIdFromPrivateKeyPem, publicKeyIdFromSpki } from "../certs/public-key.js";
import { whyNotIssuedBy } from "../certs/verify-issued-by.js";
import type { Problem } from "./problem.js";
import { isNodeError } from "../errors.js";
import { certbotNames } from "./certbot-names.js";
import { certbotRefusal } from "./certbot-refusal.js";
import type { LineageFacts, LineagePaths } from "./lineage.js";
import { inspectLink, resolveConfPath, type LiveLink } from "./live-links.js";
import { readRenewBeforeExpiry } from "./renew-before-expiry.js";
import { LINEAGE_FILES, decodeConf, readRenewalConf, type RenewalConf } from "./renewal-conf.js";

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
const chainCache = new Map<string, { infos: CertificateInfo[]; otherBlocks: string[] }>();

/** A renewal conf as certbot would load it (and its text), or certbot's reason why it cannot. */
export function loadRenewalConf(confPath: string): { conf: RenewalConf; text: string } | { refusal: string } {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(confPath);
  } catch (error) {
    // configobj reads what is not a regular file as an empty conf, which then lacks the file references. A FIFO or a
    // device is not read at all: it would block, or never end.
    if (error instanceof FileKindError && error.code !== "EFBIG") {
      return { refusal: `it is ${error.what}, which certbot reads as an empty conf: renewal config file is missing a required file reference` };
    }
    if (isNodeError(error) && error.code === "ENOENT") {
      return { refusal: "it is a dangling symlink, which certbot reads as an empty conf: renewal config file is missing a required file reference" };
    }
    return { refusal: `it cannot be read (${error instanceof FileKindError ? `it is ${error.what}` : isNodeError(error) ? error.code : String(error)})` };
  }
  const { text, input } = decodeConf(bytes);
  return { conf: readRenewalConf(input), text };
}

/**
 * `beforeFiles` runs once the file paths are known and before any is read, so a cache can stamp them first: a file
 * that changes while it is being read then never matches its stamp.
 */
export function readLineageFacts(letsencryptDir: string, name: string, hasConf: boolean, beforeFiles?: (paths: LineagePaths) => void): LineageFacts {
  const problems: Problem[] = [];
  const confPath = hasConf ? renewalConfPath(letsencryptDir, name) : undefined;
  const loaded = confPath === undefined ? undefined : loadRenewalConf(confPath);
  const conf = loaded && "conf" in loaded ? loaded.conf : undefined;
  // The top-level line certbot's should_autorenew reads, and whether it is ngcert's (certbot/renew-before-expiry.ts).
  const renewBeforeExpiry = loaded && "text" in loaded ? readRenewBeforeExpiry(loaded.text) : undefined;
  // Where the conf points, file by file (a conf certbot refuses still says where its lineage is), else certbot's layout.
  const files = conf?.filePaths ?? {};
  const defaults = defaultLineagePaths(letsencryptDir, name);
  const at = (kind: keyof LineagePaths): string => (files[kind] === undefined ? defaults[kind] : resolveConfPath(files[kind]!));
  const paths: LineagePaths = { cert: at("cert"), chain: at("chain"), fullchain: at("fullchain"), privkey: at("privkey") };
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

  const links = new Map<string, LiveLink>(LINEAGE_FILES.map((kind) => [kind, inspectLink(kind, paths[kind], files[kind])]));
  const read = <T>(kind: keyof LineagePaths, parse: (text: string) => T): T | undefined =>
    attemptWith(problems, paths[kind], () => parse(readText(paths[kind], links.get(kind)!)));

  const certFile = read("cert", (text) => readCertificateFile(text));
  const cert = certFile && attemptWith(problems, paths.cert, () => readCertificateInfo(certFile.certificates[0]!));
  if (cert) {
    facts.domains = certbotNames(cert);
    facts.notBefore = cert.notBefore.toISOString();
    facts.notAfter = cert.notAfter.toISOString();
    facts.serial = cert.serial;
    facts.issuer = cert.issuer;
    facts.keyType = cert.keyType;
    facts.fingerprint = fingerprintOf(cert.der);
  }
  const chainText = read("chain", (text) => text);
  const chainFile = chainText === undefined ? undefined : attemptWith(problems, paths.chain, () => parseChain(chainText));
  const chain = chainFile?.infos;
  const fullchainFile = read("fullchain", (text) => readCertificateFile(text));
  const keyId = read("privkey", (text) => publicKeyIdFromPrivateKeyPem(text));

  reportExtraContent(problems, paths, certFile, chainFile, fullchainFile);
  if (cert && keyId !== undefined && keyId !== publicKeyIdFromSpki(cert.spki)) {
    problems.push({ code: "KEY_MISMATCH", message: `${paths.privkey} is not the key of ${paths.cert}: nginx would refuse to load the pair` });
  }
  if (cert && chain) {
    const issuer = chain[0]!;
    const why = whyNotIssuedBy(cert, issuer);
    if (why === "signature") {
      problems.push({ code: "CHAIN_INVALID", message: `${paths.cert} is not signed by the first certificate of ${paths.chain} (${issuer.subject})` });
    } else if (why === "name") {
      problems.push({
        code: "CHAIN_INVALID",
        message: `${paths.cert} names its issuer "${cert.issuer}", but the first certificate of ${paths.chain}, whose key signed it, is "${issuer.subject}": TLS clients cannot link the two`,
      });
    }
  }
  if (cert && chain && fullchainFile) {
    const expected = [cert.der, ...chain.map((info) => info.der)];
    const actual = fullchainFile.certificates;
    if (actual.length !== expected.length || actual.some((der, i) => !der.equals(expected[i]!))) {
      problems.push({ code: "CHAIN_INVALID", message: `${paths.fullchain} is not ${path.basename(paths.cert)} followed by ${path.basename(paths.chain)}` });
    }
  }
  if (cert) {
    const refusal = nginxRefusal(cert, true) ?? (chain ?? []).map((info) => nginxRefusal(info, false)).find((reason) => reason !== undefined);
    if (refusal) problems.push({ code: "UNREADABLE", message: `${paths.fullchain}: ${refusal}` });
  }

  if (confPath === undefined) {
    problems.unshift({ code: "RENEWAL_CONF_INVALID", message: `no ${renewalConfPath(letsencryptDir, name)}: certbot will never renew this certificate` });
  } else {
    const reason = certbotRefusal(loaded!, [...links.values()], cert, paths.cert, letsencryptDir, name);
    if (reason) problems.unshift({ code: "RENEWAL_CONF_INVALID", message: `${confPath}: certbot will not renew this certificate: ${reason}` });
  }
  return facts;
}

/** cert.pem holds only the leaf and certificate files hold only certificates, as certbot writes them. */
function reportExtraContent(
  problems: Problem[],
  paths: LineagePaths,
  cert: { certificates: Buffer[]; otherBlocks: string[] } | undefined,
  chain: { otherBlocks: string[] } | undefined,
  fullchain: { otherBlocks: string[] } | undefined,
): void {
  if (cert && (cert.certificates.length > 1 || cert.otherBlocks.length > 0)) {
    const extra = [...(cert.certificates.length > 1 ? [`${cert.certificates.length - 1} more certificate${cert.certificates.length > 2 ? "s" : ""}`] : []), ...(cert.otherBlocks.length > 0 ? [describeBlocks(cert.otherBlocks)] : [])];
    problems.push({
      code: "CHAIN_INVALID",
      message: `${paths.cert} holds ${extra.join(" and ")} after the certificate; OpenSSL and nginx read the first certificate (reported here), certbot writes only that one to cert.pem`,
    });
  }
  for (const [file, read] of [[paths.chain, chain], [paths.fullchain, fullchain]] as const) {
    if (read && read.otherBlocks.length > 0) {
      problems.push({ code: "CHAIN_INVALID", message: `${file} holds ${describeBlocks(read.otherBlocks)} besides its certificates, which OpenSSL skips; certbot writes certificates only` });
    }
  }
}

function parseChain(text: string): { infos: CertificateInfo[]; otherBlocks: string[] } {
  let chain = chainCache.get(text);
  if (!chain) {
    const file = readCertificateFile(text);
    chain = { infos: file.certificates.map((der) => readCertificateInfo(der)), otherBlocks: file.otherBlocks };
    chainCache.set(text, chain);
  }
  return chain;
}

/** The file's text; marks the link as existing once it could be opened. */
function readText(file: string, link: LiveLink): string {
  try {
    const text = readRegularFile(file).toString("utf8");
    link.exists = true;
    return text;
  } catch (error) {
    if (isNodeError(error) && error.code === "EISDIR") {
      link.exists = true;
      throw new Unreadable("is a directory, not a file");
    }
    if (error instanceof FileKindError) {
      link.exists = true;
      throw new Unreadable(`is ${error.what}`);
    }
    if (isNodeError(error) && (error.code === "ENOENT" || error.code === "ENOTDIR" || error.code === "ERR_INVALID_ARG_VALUE")) {
      throw new Unreadable(link.link === undefined ? "missing" : `dangling symlink to ${link.link}`);
    }
    if (isNodeError(error)) {
      link.exists = true;
      throw new Unreadable(`cannot be read (${error.code})`);
    }
    throw error;
  }
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
