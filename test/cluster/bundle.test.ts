// What a node accepts on stdin from the issuer: nothing it would write is taken unchecked.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BUNDLE_FORMAT, parseBundle } from "../../src/cluster/bundle.js";
import { issueServerCertificate, makeCertificateAuthority } from "../../src/certs/issue-certificate.js";

const now = Date.now();
const ca = makeCertificateAuthority({ notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 86_400_000), commonName: "test CA", organization: "ngcert" });
const leaf = issueServerCertificate({ notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000), issuer: ca, dnsNames: ["app.example.com"], ipAddresses: [], organization: "ngcert" });
const lineage = { name: "app.example.com", conf: "version = 2.1.0\n", fingerprint: createHash("sha256").update(leaf.der).digest("hex"), cert: leaf.pem, chain: ca.pem, fullchain: leaf.pem + ca.pem, privkey: leaf.keyPem };
const account = { relativeDir: "accounts/acme.example/directory/0123456789abcdef0123456789abcdef", files: { "meta.json": "{}", "regr.json": "{}", "private_key.json": "{}" } };
const bundle = { format: BUNDLE_FORMAT, from: "web1", to: "web2", letsencryptDir: "/etc/letsencrypt", webroot: "/var/www/acme-challenge", accounts: [account], lineages: [lineage] };
const text = (change: Record<string, unknown>): string => JSON.stringify({ ...bundle, ...change });

describe("parseBundle", () => {
  it("takes a well-formed bundle", () => {
    expect(parseBundle(JSON.stringify(bundle))).toEqual(bundle);
  });

  it.each([
    ["not JSON", "{", /is not JSON/],
    ["another format", text({ format: 99 }), /has format 99; this ngcert reads format 1/],
    ["a relative letsencrypt dir", text({ letsencryptDir: "etc/letsencrypt" }), /names relative directories/],
    ["a lineage name that climbs out", text({ lineages: [{ ...lineage, name: "../../etc" }] }), /is not a certificate name/],
    ["a lineage twice", text({ lineages: [lineage, lineage] }), /names app\.example\.com twice/],
    ["a fingerprint that is not the certificate's", text({ lineages: [{ ...lineage, fingerprint: "0".repeat(64) }] }), /the fingerprint is not cert's/],
    ["a cert that is not PEM", text({ lineages: [{ ...lineage, cert: "hello" }] }), /cert is not PEM/],
    ["an account dir outside accounts/", text({ accounts: [{ ...account, relativeDir: "accounts/../../root/0123456789abcdef0123456789abcdef" }] }), /is not a certbot account directory/],
    ["an account without its key", text({ accounts: [{ ...account, files: { "meta.json": "{}", "regr.json": "{}" } }] }), /no private_key\.json/],
  ])("refuses %s", (_what, input, message) => {
    expect(() => parseBundle(input)).toThrow(message);
  });
});
