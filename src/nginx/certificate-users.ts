// Which nginx server blocks use a lineage's certificate (ssl_certificate under live/<name>/), and for which names.
import path from "node:path";
import type { Directive } from "./parse-config.js";

export interface CertificateUser {
  file: string;
  line: number;
  serverNames: string[];
}

export function findCertificateUsers(files: readonly { file: string; directives: Directive[] }[], liveDir: string): CertificateUser[] {
  const users: CertificateUser[] = [];
  const prefix = `${path.resolve(liveDir)}/`;
  const visit = (file: string, directives: Directive[]): void => {
    for (const directive of directives) {
      if (!directive.block) continue;
      if (directive.name === "server") {
        const body = directive.block;
        const uses = body.some((d) => d.name === "ssl_certificate" && d.args[0] !== undefined && path.resolve(d.args[0]).startsWith(prefix));
        if (uses) users.push({ file, line: directive.line, serverNames: body.filter((d) => d.name === "server_name").flatMap((d) => d.args) });
      } else {
        visit(file, directive.block);
      }
    }
  };
  for (const { file, directives } of files) visit(file, directives);
  return users;
}
