// checkHttpServers on plain server blocks: default_server conflicts with the catch-all on the same address and port
// only, named port-80 servers that would shadow the catch-all without the ACME snippet, an implicit default server the
// catch-all would displace, wildcard-listen blocks a catch-all on one address would swallow, and default servers of
// the owner's that include the snippet (left to answer challenges).
import { describe, expect, it } from "vitest";
import { checkHttpServers } from "../../src/init/check-http-servers.js";
import type { Listen, ServerBlock } from "../../src/nginx/http-servers.js";

const SNIPPET = "/etc/nginx/snippets/ngcert-acme.conf";
const OWN = "/etc/nginx/conf.d/ngcert-acme.conf";
const NONE = { conflicts: [], shadowing: [], implicitDefault: [], swallowed: [], adopted: [] };
const options = { ours: [{ address: "*", port: 80 }, { address: "[::]", port: 80 }], ownFile: OWN, snippetPath: SNIPPET, httpPort: 80 };

function listen(address: string, port: number, flags: Partial<Listen> = {}): Listen {
  return { address, port, defaultServer: false, ssl: false, ...flags };
}

function block(overrides: Partial<ServerBlock> = {}): ServerBlock {
  return { file: "/etc/nginx/sites-enabled/default", line: 10, listens: [listen("*", 80)], serverNames: ["_"], includes: [], serverLevelRedirects: [], challengeLocations: [], ...overrides };
}

describe("checkHttpServers: default_server conflicts", () => {
  it("reports another default_server on the same address and port, at the listen's line", () => {
    const blocks = [block({ listens: [listen("*", 80, { defaultServer: true, line: 12 }), listen("[::]", 80, { defaultServer: true, line: 13 })] })];
    expect(checkHttpServers(blocks, options)).toEqual({
      ...NONE,
      conflicts: [
        { file: "/etc/nginx/sites-enabled/default", line: 12, listen: "*:80", redirects: [], challengeLocations: [] },
        { file: "/etc/nginx/sites-enabled/default", line: 13, listen: "[::]:80", redirects: [], challengeLocations: [] },
      ],
    });
  });

  it("falls back to the block's line when the listen has none", () => {
    expect(checkHttpServers([block({ listens: [listen("*", 80, { defaultServer: true })] })], options).conflicts).toEqual([
      { file: "/etc/nginx/sites-enabled/default", line: 10, listen: "*:80", redirects: [], challengeLocations: [] },
    ]);
  });

  it("ignores a default_server on another port or another address", () => {
    const blocks = [
      block({ listens: [listen("*", 8080, { defaultServer: true })] }),
      block({ listens: [listen("127.0.0.1", 80, { defaultServer: true })] }),
      block({ listens: [listen("[::1]", 80, { defaultServer: true })] }),
    ];
    expect(checkHttpServers(blocks, options)).toEqual(NONE);
  });

  it("does not count an ssl default server as a conflict; a plain listen on the same socket is the implicit default", () => {
    const blocks = [block({ listens: [listen("*", 80, { defaultServer: true, ssl: true }), listen("[::]", 80, { line: 7 })] })];
    expect(checkHttpServers(blocks, options)).toEqual({ ...NONE, implicitDefault: [{ file: "/etc/nginx/sites-enabled/default", line: 7, listen: "[::]:80", names: [], redirects: [], challengeLocations: [] }] });
  });

  it("ignores ngcert's own catch-all file", () => {
    const blocks = [block({ file: OWN, listens: [listen("*", 80, { defaultServer: true })], serverNames: ["named.example"] })];
    expect(checkHttpServers(blocks, options)).toEqual(NONE);
  });

  it("compares with a specific listen address of ours, case-insensitively", () => {
    const ours = { ...options, ours: [{ address: "[2001:DB8::1]", port: 8080 }], httpPort: 8080 };
    const blocks = [block({ listens: [listen("[2001:db8::1]", 8080, { defaultServer: true, line: 3 })] }), block({ listens: [listen("*", 8080, { defaultServer: true })] })];
    expect(checkHttpServers(blocks, ours).conflicts).toEqual([{ file: "/etc/nginx/sites-enabled/default", line: 3, listen: "[2001:db8::1]:8080", redirects: [], challengeLocations: [] }]);
  });
});

describe("checkHttpServers: shadowing servers", () => {
  it("warns about a named port-80 server without the snippet, naming its names", () => {
    const blocks = [block({ file: "/etc/nginx/conf.d/app.conf", line: 4, serverNames: ["app.example.com", "_", "www.example.com"] })];
    expect(checkHttpServers(blocks, options).shadowing).toEqual([{ file: "/etc/nginx/conf.d/app.conf", line: 4, names: ["app.example.com", "www.example.com"], redirects: [], challengeLocations: [] }]);
  });

  it("does not warn about catch-all names only: `_`, empty or a literal `\"\"`", () => {
    const blocks = [block({ serverNames: ["_"] }), block({ serverNames: [""] }), block({ serverNames: ['""'] }), block({ serverNames: [] })];
    expect(checkHttpServers(blocks, options).shadowing).toEqual([]);
  });

  it("does not warn when the server includes the snippet, by its path or any path ending in /ngcert-acme.conf", () => {
    const blocks = [block({ serverNames: ["a.example"], includes: [SNIPPET] }), block({ serverNames: ["b.example"], includes: ["snippets/ngcert-acme.conf"] })];
    expect(checkHttpServers(blocks, options).shadowing).toEqual([]);
  });

  it("still warns when the included file only resembles the snippet's name", () => {
    const blocks = [block({ serverNames: ["a.example"], includes: ["/etc/nginx/snippets/my-ngcert-acme.conf.bak"] })];
    expect(checkHttpServers(blocks, options).shadowing).toEqual([{ file: "/etc/nginx/sites-enabled/default", line: 10, names: ["a.example"], redirects: [], challengeLocations: [] }]);
  });

  it("only looks at servers listening on the HTTP port without ssl", () => {
    const blocks = [
      block({ serverNames: ["tls.example"], listens: [listen("*", 443, { ssl: true })] }),
      block({ serverNames: ["ssl80.example"], listens: [listen("*", 80, { ssl: true })] }),
      block({ serverNames: ["other.example"], listens: [listen("*", 8080)] }),
      block({ serverNames: ["mixed.example"], listens: [listen("*", 443, { ssl: true }), listen("127.0.0.1", 80)] }),
    ];
    expect(checkHttpServers(blocks, options).shadowing).toEqual([{ file: "/etc/nginx/sites-enabled/default", line: 10, names: ["mixed.example"], redirects: [], challengeLocations: [] }]);
  });

  it("uses the configured HTTP port", () => {
    const blocks = [block({ serverNames: ["a.example"], listens: [listen("*", 8080)] }), block({ serverNames: ["b.example"], listens: [listen("*", 80)] })];
    expect(checkHttpServers(blocks, { ...options, httpPort: 8080 }).shadowing.map((server) => server.names)).toEqual([["a.example"]]);
  });

  it("reports both a conflict and shadowing for the same block", () => {
    const blocks = [block({ serverNames: ["a.example"], listens: [listen("*", 80, { defaultServer: true, line: 11 })] })];
    expect(checkHttpServers(blocks, options)).toEqual({
      ...NONE,
      conflicts: [{ file: "/etc/nginx/sites-enabled/default", line: 11, listen: "*:80", redirects: [], challengeLocations: [] }],
      shadowing: [{ file: "/etc/nginx/sites-enabled/default", line: 10, names: ["a.example"], redirects: [], challengeLocations: [] }],
    });
  });
});

describe("checkHttpServers: what the catch-all would take from the owner", () => {
  it("names nginx's implicit default: the first block on a socket of ours when none says default_server", () => {
    const blocks = [
      block({ file: "/etc/nginx/sites-enabled/shop", line: 1, serverNames: ["shop.example"], listens: [listen("*", 80, { line: 2 })], includes: [SNIPPET] }),
      block({ file: "/etc/nginx/sites-enabled/blog", line: 1, serverNames: ["blog.example"], listens: [listen("*", 80, { line: 2 })] }),
    ];
    expect(checkHttpServers(blocks, { ...options, ours: [{ address: "*", port: 80 }] }).implicitDefault).toEqual([{ file: "/etc/nginx/sites-enabled/shop", line: 2, listen: "*:80", names: ["shop.example"], redirects: [], challengeLocations: [] }]);
  });

  it("displaces nothing when the catch-all is already ngcert's (a second init)", () => {
    const blocks = [block({ file: OWN, listens: [listen("*", 80, { defaultServer: true })] }), block({ serverNames: ["shop.example"], includes: [SNIPPET] })];
    expect(checkHttpServers(blocks, { ...options, ours: [{ address: "*", port: 80 }] }).implicitDefault).toEqual([]);
  });

  it("names the blocks listening on all addresses that a catch-all on one address would swallow", () => {
    const blocks = [
      block({ serverNames: ["all.example"], listens: [listen("*", 80, { line: 3 })], includes: [SNIPPET] }),
      block({ serverNames: ["both.example"], listens: [listen("*", 80), listen("127.0.0.1", 80)], includes: [SNIPPET] }),
      block({ serverNames: ["v6.example"], listens: [listen("[::]", 80)], includes: [SNIPPET] }),
    ];
    const check = checkHttpServers(blocks, { ...options, ours: [{ address: "127.0.0.1", port: 80 }] });
    expect(check.swallowed).toEqual([{ file: "/etc/nginx/sites-enabled/default", line: 3, listen: "*:80", names: ["all.example"], redirects: [], challengeLocations: [] }]);
  });

  it("warns about a block that includes the snippet when a server-level return still answers first", () => {
    const blocks = [block({ serverNames: ["a.example"], includes: [SNIPPET], serverLevelRedirects: [{ directive: "return", line: 12 }] })];
    expect(checkHttpServers(blocks, options).shadowing).toEqual([{ file: "/etc/nginx/sites-enabled/default", line: 10, names: ["a.example"], redirects: [{ directive: "return", line: 12 }], challengeLocations: [] }]);
  });

  it("leaves a default server that includes the snippet to answer challenges, instead of calling it a conflict", () => {
    const blocks = [block({ listens: [listen("*", 80, { defaultServer: true, line: 12 })], includes: [SNIPPET] })];
    expect(checkHttpServers(blocks, { ...options, ours: [{ address: "*", port: 80 }] })).toEqual({ ...NONE, adopted: [{ file: "/etc/nginx/sites-enabled/default", line: 12, listen: "*:80", redirects: [], challengeLocations: [] }] });
  });
});

describe("includeAdvice", () => {
  it("replaces a block's own challenge location with the include instead of adding a duplicate, after moving a server-level return", async () => {
    const { includeAdvice } = await import("../../src/init/describe-http-conflicts.js");
    expect(includeAdvice({ redirects: [], challengeLocations: [] }, SNIPPET)).toBe(`add \`include ${SNIPPET};\` inside its server block`);
    expect(includeAdvice({ redirects: [{ directive: "return", line: 4 }], challengeLocations: [{ line: 6 }] }, SNIPPET)).toBe(
      "move its server-level `return` (line 4) into a `location / { ... }` block (at server level it runs before any location, the challenge's too), " +
        `and replace its own \`location\` for /.well-known/acme-challenge/ (line 6) with \`include ${SNIPPET};\``,
    );
  });
});
