// Which nginx server blocks use a lineage's certificate (ssl_certificate under its live directory), and for which
// names. A file nginx loads but this parser cannot read is not treated as using nothing: its text is searched for the
// live directory, and a block found that way is reported without names (every name of the certificate is probed).
import path from "node:path";
import { parseListen } from "./http-servers.js";
import type { Directive } from "./parse-config.js";

export interface CertificateUser {
  file: string;
  line: number;
  serverNames: string[];
  /** Where the block takes TLS connections ("*", "[::]" or an address as written, and a port). */
  sslListens: { address: string; port: number }[];
  /** Found by searching the text of a file that could not be parsed: names and listens unknown. */
  unparsed?: boolean;
}

interface DumpLike {
  files: readonly { file: string; directives: Directive[] }[];
  skipped?: readonly { file: string; text: string }[];
}

export function findCertificateUsers(dump: DumpLike | readonly { file: string; directives: Directive[] }[], liveDir: string): CertificateUser[] {
  return indexCertificateUsers(dump)(liveDir);
}

/**
 * Every server block with an ssl_certificate, indexed once by each directory above its certificate files: asking for
 * thousands of lineages then costs a lookup each, not a walk of thousands of blocks each.
 */
export function indexCertificateUsers(dump: DumpLike | readonly { file: string; directives: Directive[] }[]): (liveDir: string) => CertificateUser[] {
  const { files, skipped } = Array.isArray(dump) ? { files: dump as DumpLike["files"], skipped: [] } : (dump as DumpLike);
  const byDir = new Map<string, CertificateUser[]>();
  const visit = (file: string, directives: Directive[]): void => {
    for (const directive of directives) {
      if (!directive.block) continue;
      if (directive.name !== "server") {
        visit(file, directive.block);
        continue;
      }
      const body = directive.block;
      const certificates = body.filter((d) => d.name === "ssl_certificate" && d.args[0] !== undefined).map((d) => path.resolve(d.args[0]!));
      if (certificates.length === 0) continue;
      const sslListens = body.flatMap((d) => {
        const listen = d.name === "listen" ? parseListen(d.args) : undefined;
        return listen?.ssl ? [{ address: listen.address, port: listen.port }] : [];
      });
      const user: CertificateUser = { file, line: directive.line, serverNames: body.filter((d) => d.name === "server_name").flatMap((d) => d.args), sslListens };
      // A block is a user of every directory its certificate files are under (once, however many files).
      const dirs = new Set<string>();
      for (const certificate of certificates) {
        for (let dir = path.dirname(certificate); !dirs.has(dir); dir = path.dirname(dir)) {
          dirs.add(dir);
          if (dir === path.dirname(dir)) break;
        }
      }
      for (const dir of dirs) {
        const list = byDir.get(dir);
        if (list) list.push(user);
        else byDir.set(dir, [user]);
      }
    }
  };
  for (const { file, directives } of files) visit(file, directives);
  return (liveDir) => {
    const resolved = path.resolve(liveDir);
    const prefix = `${resolved}/`;
    const users = (byDir.get(resolved) ?? []).map((user) => ({ ...user, serverNames: [...user.serverNames], sslListens: [...user.sslListens] }));
    for (const { file, text } of skipped ?? []) {
      if (!text.includes(prefix)) continue;
      const lines = text.split("\n");
      const index = lines.findIndex((line) => /^\s*ssl_certificate\s/.test(line) && line.includes(prefix));
      if (index >= 0) users.push({ file, line: index + 1, serverNames: [], sslListens: [], unparsed: true });
    }
    return users;
  };
}
