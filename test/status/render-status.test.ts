// renderStatusTable / renderStatusJson on plain data: column layout, colour only when asked, the JSON document.
import { describe, expect, it } from "vitest";
import type { CertificateStatus } from "../../src/status/collect-status.js";
import { renderStatusJson, renderStatusTable } from "../../src/status/render-status.js";

function cert(name: string, overrides: Partial<CertificateStatus> = {}): CertificateStatus {
  return {
    name,
    domains: [name],
    notBefore: "2026-05-02T12:00:00.000Z",
    notAfter: "2026-07-31T12:00:00.000Z",
    daysLeft: 60,
    serial: "01",
    issuer: "CN=R11, O=Let's Encrypt, C=US",
    keyType: "ecdsa-p256",
    authenticator: "webroot",
    renewAfter: "2026-07-01T12:00:00.000Z",
    renewReason: "lifetime",
    explanationURL: null,
    nextAttempt: null,
    lastError: null,
    problems: [],
    ...overrides,
  };
}

const CERTS: CertificateStatus[] = [
  cert("a.example", { domains: ["a.example", "www.a.example"] }),
  cert("expiring-soon.example", {
    daysLeft: 3,
    renewAfter: "2026-05-15T08:30:00.000Z",
    nextAttempt: "2026-06-01T14:00:00.000Z",
    lastError: "expiring-soon.example: unauthorized: 404",
    problems: [{ code: "EXPIRING", message: "expires in 3 days" }],
  }),
  cert("broken.example", {
    domains: [],
    daysLeft: null,
    renewAfter: null,
    renewReason: null,
    authenticator: null,
    problems: [
      { code: "UNREADABLE", message: "cert.pem: missing" },
      { code: "UNREADABLE", message: "chain.pem: missing" },
      { code: "RENEWAL_CONF_INVALID", message: "no renewal conf" },
    ],
  }),
  cert("old.example", { authenticator: "standalone", renewAfter: "2026-06-20T03:04:05.000Z", renewReason: "ari", explanationURL: "https://ca.example/incident-42", problems: [{ code: "STANDALONE", message: "port 80" }] }),
];

describe("renderStatusTable", () => {
  it("aligns the columns, lists each code once per row, then every problem message", () => {
    expect(renderStatusTable(CERTS, false, new Date("2026-06-01T12:00:00.000Z"))).toMatchInlineSnapshot(`
      "NAME                   DOMAINS                  DAYS  RENEW                      AUTH        PROBLEMS
      a.example              a.example,www.a.example  60    2026-07-01 12:00 lifetime  webroot     ok
      expiring-soon.example  expiring-soon.example    3     due (lifetime)             webroot     EXPIRING
      broken.example         -                        -     -                          -           UNREADABLE,RENEWAL_CONF_INVALID
      old.example            old.example              60    2026-06-20 03:04 ari       standalone  STANDALONE

      Problems:
        expiring-soon.example: EXPIRING: expires in 3 days
        broken.example: UNREADABLE: cert.pem: missing
        broken.example: UNREADABLE: chain.pem: missing
        broken.example: RENEWAL_CONF_INVALID: no renewal conf
        old.example: STANDALONE: port 80

      The CA explains its renewal window:
        old.example: https://ca.example/incident-42

      Failed renewals:
        expiring-soon.example: next attempt 2026-06-01T14:00:00.000Z; last error: expiring-soon.example: unauthorized: 404
      "
    `);
  });

  it("has no problems section when all is well", () => {
    expect(renderStatusTable([cert("a.example")], false)).toBe("NAME       DOMAINS    DAYS  RENEW                      AUTH     PROBLEMS\na.example  a.example  60    2026-07-01 12:00 lifetime  webroot  ok\n");
  });

  it("keeps the domains column narrow: the names that fit, then how many more", () => {
    const many = cert("shop.example", { domains: ["shop.example", "www.shop.example", "api.shop.example", "cdn.shop.example", "img.shop.example"] });
    const row = renderStatusTable([many], false).split("\n")[1]!;
    expect(row).toContain("shop.example  shop.example,www.shop.example,+3  60");
    const fits = cert("b.example", { domains: ["b.example", "www.b.example"] });
    expect(renderStatusTable([fits], false).split("\n")[1]).toContain("b.example,www.b.example  60");
  });

  it("says so when there are no certificates", () => {
    expect(renderStatusTable([], true)).toBe("No certificates.\n");
  });

  it("colours ok green, warnings yellow and the rest red, only when asked", () => {
    const lines = renderStatusTable(CERTS, true).split("\n");
    expect(lines[0]).not.toContain("\u001b[");
    expect(lines[1]).toMatch(/^a\.example .* \u001b\[32mok\u001b\[0m$/);
    expect(lines[2]).toMatch(/^\u001b\[33mexpiring-soon\.example .*EXPIRING\u001b\[0m$/);
    expect(lines[3]).toMatch(/^\u001b\[31mbroken\.example .*\u001b\[0m$/);
    expect(lines[4]).toMatch(/^\u001b\[33mold\.example .*\u001b\[0m$/);
    expect(renderStatusTable(CERTS, false)).not.toContain("\u001b[");
  });
});

describe("renderStatusJson", () => {
  it("prints one JSON document with SPEC.md's keys, ending in a newline", () => {
    const text = renderStatusJson([cert("a.example")]);
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual({ certificates: [cert("a.example")] });
    expect(renderStatusJson([])).toBe('{\n  "certificates": []\n}\n');
  });
});
