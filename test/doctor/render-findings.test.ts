import { describe, expect, it } from "vitest";
import { finding, type Finding } from "../../src/checks/finding.js";
import { writeFindingsJson, writeFindingsText } from "../../src/doctor/render-findings.js";

const DIFF = ["--- /etc/nginx/sites-enabled/default", "+++ /etc/nginx/sites-enabled/default", "@@ -44,6 +44,7 @@", " \tserver_name _;", "+\tinclude /etc/nginx/snippets/ngcert-acme.conf;", ""].join("\n");
const OTHER_DIFF = ["--- /etc/nginx/sites-enabled/shop", "+++ /etc/nginx/sites-enabled/shop", "@@ -1,2 +1,3 @@", " server {", "+    include /etc/nginx/snippets/ngcert-acme.conf;", ""].join("\n");

/** A default server answering many names' challenges: one finding per name, all fixed by the same diff. */
function hostingFindings(count: number): Finding[] {
  const findings = [finding("NGINX_NOT_RUNNING", "error", "nginx is not running", { fix: "start nginx" })];
  for (let i = 1; i <= count; i++) {
    const name = `site${String(i).padStart(4, "0")}.example.com`;
    findings.push(
      finding("CHALLENGE_DEFAULT_SERVER", "error", `${name}: no server block names ${name} on *:80 → the default_server answers`, {
        lineage: name,
        domain: name,
        file: "/etc/nginx/sites-enabled/default",
        line: 21,
        fix: i === 3 ? OTHER_DIFF : DIFF,
      }),
    );
  }
  return findings;
}

function capture(write: (output: { write(text: string): void }) => void): string[] {
  const pieces: string[] = [];
  write({ write: (text) => void pieces.push(text) });
  return pieces;
}

describe("writeFindingsJson", () => {
  it("writes the one document JSON.stringify would, every finding with its own fix", () => {
    const findings = hostingFindings(5);
    const text = capture((output) => writeFindingsJson(findings, output)).join("");
    expect(text).toBe(`${JSON.stringify({ findings })}\n`);
    const parsed = JSON.parse(text) as { findings: Finding[] };
    expect(parsed.findings.map((item) => item.fix)).toEqual(["start nginx", DIFF, DIFF, OTHER_DIFF, DIFF, DIFF]);
    expect(Object.keys(parsed.findings[1]!)).toEqual(["code", "severity", "lineage", "domain", "file", "line", "message", "fix"]);
  });

  it("writes thousands of findings in bounded pieces, not as one string", () => {
    const findings = hostingFindings(3000);
    const pieces = capture((output) => writeFindingsJson(findings, output));
    expect(pieces.join("")).toBe(`${JSON.stringify({ findings })}\n`);
    expect(pieces.length).toBeGreaterThan(100);
    // A piece ends at the finding that takes it past the bound: one finding more than the bound at most.
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(8 * 1024 + 1024);
  });

  it("writes an empty list as an empty list", () => {
    expect(capture((output) => writeFindingsJson([], output)).join("")).toBe('{"findings":[]}\n');
  });
});

describe("writeFindingsText", () => {
  it("shows a diff once, with the first finding it fixes, and refers the others back to it", () => {
    const text = capture((output) => writeFindingsText(hostingFindings(4), output)).join("");
    expect(text.split("+\tinclude /etc/nginx/snippets/ngcert-acme.conf;").length - 1).toBe(1);
    expect(text.split("+    include /etc/nginx/snippets/ngcert-acme.conf;").length - 1).toBe(1);
    const blocks = text.split("\n\n");
    expect(blocks).toHaveLength(5);
    expect(blocks[0]).toBe("error NGINX_NOT_RUNNING\n  nginx is not running\n  fix: start nginx");
    expect(blocks[1]).toContain("error CHALLENGE_DEFAULT_SERVER (site0001.example.com / site0001.example.com) /etc/nginx/sites-enabled/default:21\n");
    expect(blocks[1]).toContain("  fix:\n    --- /etc/nginx/sites-enabled/default\n");
    expect(blocks[2]).toMatch(/\n {2}fix: the diff shown above for CHALLENGE_DEFAULT_SERVER \(site0001\.example\.com \/ site0001\.example\.com\)$/);
    expect(blocks[3]).toContain("  fix:\n    --- /etc/nginx/sites-enabled/shop\n");
    expect(blocks[4]).toMatch(/fix: the diff shown above for CHALLENGE_DEFAULT_SERVER \(site0001\.example\.com \/ site0001\.example\.com\)\n$/);
  });

  it("writes thousands of findings in bounded pieces", () => {
    const pieces = capture((output) => writeFindingsText(hostingFindings(3000), output));
    expect(pieces.length).toBeGreaterThan(20);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(8 * 1024 + 1024);
    expect(pieces.join("").split("\n  fix: the diff shown above for").length - 1).toBe(2998);
  });
});
