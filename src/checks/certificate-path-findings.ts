// Whether a renewal reaches what nginx serves: ssl_certificate must name live/<lineage>/ (archive/ files are never
// replaced), a lineage that exists and covers the server's names; a copy elsewhere of a name a lineage renews is
// never updated.
import path from "node:path";
import type { ConfNode } from "../nginx/config-tree.js";
import type { VirtualServer } from "../nginx/virtual-servers.js";
import { finding, type Finding } from "./finding.js";

export interface LineageNames {
  name: string;
  domains: string[];
}

/** Does a certificate name (possibly a wildcard) cover a host name, as TLS clients match them? */
export function covers(certificateName: string, host: string): boolean {
  const name = certificateName.toLowerCase();
  const wanted = host.toLowerCase();
  if (name === wanted) return true;
  if (!name.startsWith("*.")) return false;
  const dot = wanted.indexOf(".");
  return dot > 0 && wanted.slice(dot) === name.slice(1);
}

/** The server names a certificate must cover: plain and wildcard names, not regexes, "_" or "". */
function servedNames(server: VirtualServer): string[] {
  return server.names.filter((name) => name !== "" && name !== "_" && !name.startsWith("~") && !name.endsWith(".*")).map((name) => (name.startsWith(".") ? name.slice(1) : name));
}

function sslCertificate(server: VirtualServer, http: readonly ConfNode[]): ConfNode | undefined {
  return server.node.block?.find((node) => node.name === "ssl_certificate") ?? http.find((node) => node.name === "ssl_certificate");
}

export interface CertificatePathOptions {
  letsencryptDir: string;
  lineages: readonly LineageNames[];
  /** The configuration's directory: relative certificate paths are relative to it. */
  confDir: string;
  /** Where a symlink points (absolute), or undefined when the path is not a symlink. */
  linkTarget(file: string): string | undefined;
}

export function checkCertificatePaths(servers: readonly VirtualServer[], http: readonly ConfNode[], options: CertificatePathOptions): Finding[] {
  const findings: Finding[] = [];
  const live = `${path.resolve(options.letsencryptDir, "live")}/`;
  const archive = `${path.resolve(options.letsencryptDir, "archive")}/`;
  const lineages = new Map(options.lineages.map((lineage) => [lineage.name, lineage]));
  for (const server of servers) {
    if (!server.listens.some((listen) => listen.ssl)) continue;
    const directive = sslCertificate(server, http);
    const configured = directive?.args[0];
    if (!directive || configured === undefined || configured.includes("$") || configured.startsWith("data:")) continue;
    const at = { file: directive.file, line: directive.line };
    const names = servedNames(server);
    let file = path.resolve(options.confDir, configured);
    const target = options.linkTarget(file);
    if (!file.startsWith(live) && target?.startsWith(live)) file = target;
    if (file.startsWith(archive)) {
      const name = file.slice(archive.length).split("/")[0]!;
      findings.push(
        finding("SSL_CERT_ARCHIVE", "error", `ssl_certificate ${configured} points into archive/: each renewal writes a new file there, so nginx keeps serving this one until it expires`, {
          ...at,
          lineage: lineages.has(name) ? name : null,
          fix: `ssl_certificate ${path.join(live, name, "fullchain.pem")}; and ssl_certificate_key ${path.join(live, name, "privkey.pem")}; (live/ always points at the current version)`,
        }),
      );
      continue;
    }
    if (file.startsWith(live)) {
      const name = file.slice(live.length).split("/")[0]!;
      const lineage = lineages.get(name);
      if (!lineage) {
        findings.push(finding("SSL_CERT_UNOWNED", "error", `ssl_certificate ${configured}: there is no lineage ${name} in ${options.letsencryptDir}, so nothing renews it`, { ...at, fix: "point it at a lineage `ngcert status` lists, or obtain one (`ngcert add`)" }));
        continue;
      }
      const uncovered = names.filter((host) => !lineage.domains.some((domain) => covers(domain, host)));
      if (uncovered.length > 0) {
        findings.push(
          finding("SSL_CERT_NAMES", "error", `the server for ${names.join(" ")} uses lineage ${name}, which does not cover ${uncovered.join(", ")} (it covers ${lineage.domains.join(", ")}): clients get a certificate error for those names`, {
            ...at,
            lineage: name,
            fix: `expand ${name} to those names (\`certbot certonly --cert-name ${name} -d ...\`) or point this server at a lineage that covers them`,
          }),
        );
      }
      continue;
    }
    const renewing = options.lineages.filter((lineage) => names.some((host) => lineage.domains.some((domain) => covers(domain, host))));
    if (renewing.length > 0) {
      const lineage = renewing[0]!;
      findings.push(
        finding("SSL_CERT_UNOWNED", "warning", `the server for ${names.join(" ")} uses ${configured}, which no lineage owns, while lineage ${lineage.name} renews ${lineage.domains.join(", ")}: its renewals never reach this server`, {
          ...at,
          lineage: lineage.name,
          fix: `ssl_certificate ${path.join(live, lineage.name, "fullchain.pem")}; ssl_certificate_key ${path.join(live, lineage.name, "privkey.pem")};`,
        }),
      );
    }
  }
  return findings;
}
