// Which server blocks use a lineage: parsed files by their ssl_certificate, and a file the parser could not read by
// its text, so a certificate in use is never taken for unused.
import { describe, expect, it } from "vitest";
import { findCertificateUsers } from "../../src/nginx/certificate-users.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";

const site = (name: string): string =>
  `server {\n    listen 443 ssl;\n    server_name ${name} www.${name};\n    ssl_certificate /etc/letsencrypt/live/${name}/fullchain.pem;\n    ssl_certificate_key /etc/letsencrypt/live/${name}/privkey.pem;\n}\n`;

describe("findCertificateUsers", () => {
  it("finds the blocks whose ssl_certificate lies in the lineage's live directory, with their names", () => {
    const files = [{ file: "/etc/nginx/conf.d/a.conf", directives: parseNginxConfig(site("a.example") + site("b.example")) }];
    expect(findCertificateUsers({ files }, "/etc/letsencrypt/live/a.example")).toEqual([{ file: "/etc/nginx/conf.d/a.conf", line: 1, serverNames: ["a.example", "www.a.example"], sslListens: [{ address: "*", port: 443 }] }]);
    expect(findCertificateUsers({ files }, "/etc/letsencrypt/live/a.exam")).toEqual([]);
  });

  it("finds a use in a file it could not parse by searching its text, without names", () => {
    const skipped = [{ file: "/etc/nginx/conf.d/lua.conf", text: `# something the parser refuses\n${site("c.example")}` }];
    expect(findCertificateUsers({ files: [], skipped }, "/etc/letsencrypt/live/c.example")).toEqual([{ file: "/etc/nginx/conf.d/lua.conf", line: 5, serverNames: [], sslListens: [], unparsed: true }]);
  });
});
