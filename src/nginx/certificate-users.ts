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
  const { files, skipped } = Array.isArray(dump) ? { files: dump as DumpLike["files"], skipped: [] } : (dump as DumpLike);
  const users: CertificateUser[] = [];
  const prefix = `${path.resolve(liveDir)}/`;
  const visit = (file: string, directives: Directive[]): void => {
    for (const directive of directives) {
      if (!directive.block) continue;
      if (directive.name === "server") {
        const body = directive.block;
        const uses = body.some((d) => d.name === "ssl_certificate" && d.args[0] !== undefined && path.resolve(d.args[0]).startsWith(prefix));
        if (uses) {
          const sslListens = body.flatMap((d) => {
            const listen = d.name === "listen" ? parseListen(d.args) : undefined;
            return listen?.ssl ? [{ address: listen.address, port: listen.port }] : [];
          });
          users.push({ file, line: directive.line, serverNames: body.filter((d) => d.name === "server_name").flatMap((d) => d.args), sslListens });
        }
      } else {
        visit(file, directive.block);
      }
    }
  };
  for (const { file, directives } of files) visit(file, directives);
  for (const { file, text } of skipped ?? []) {
    const lines = text.split("\n");
    const index = lines.findIndex((line) => /^\s*ssl_certificate\s/.test(line) && line.includes(prefix));
    if (index >= 0) users.push({ file, line: index + 1, serverNames: [], sslListens: [], unparsed: true });
  }
  return users;
}
