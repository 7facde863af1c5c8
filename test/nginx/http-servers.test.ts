// parseListen on every listen form nginx accepts for HTTP, and findServerBlocks on parsed inline configuration.
import { describe, expect, it } from "vitest";
import { findServerBlocks, parseListen } from "../../src/nginx/http-servers.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";

const plain = { defaultServer: false, ssl: false };

describe("parseListen", () => {
  it.each([
    [["80"], { address: "*", port: 80 }],
    [["8080"], { address: "*", port: 8080 }],
    [["*:80"], { address: "*", port: 80 }],
    [["0.0.0.0:80"], { address: "*", port: 80 }],
    [["0.0.0.0"], { address: "*", port: 80 }],
    [["127.0.0.1"], { address: "127.0.0.1", port: 80 }],
    [["127.0.0.1:8080"], { address: "127.0.0.1", port: 8080 }],
    [["localhost:81"], { address: "localhost", port: 81 }],
    [["[::]:80"], { address: "[::]", port: 80 }],
    [["[::1]"], { address: "[::1]", port: 80 }],
    [["[2001:db8::1]:8080"], { address: "[2001:db8::1]", port: 8080 }],
  ])("%j listens on %j", (args, expected) => {
    expect(parseListen(args)).toEqual({ ...expected, ...plain });
  });

  it("ignores unix sockets and an empty listen", () => {
    expect(parseListen(["unix:/x"])).toBeUndefined();
    expect(parseListen(["unix:/run/nginx.sock", "default_server"])).toBeUndefined();
    expect(parseListen([])).toBeUndefined();
  });

  it("reads default_server and its old spelling default", () => {
    expect(parseListen(["80", "default_server"])).toEqual({ address: "*", port: 80, defaultServer: true, ssl: false });
    expect(parseListen(["[::]:80", "default"])).toEqual({ address: "[::]", port: 80, defaultServer: true, ssl: false });
  });

  it("counts ssl and quic as not plain HTTP", () => {
    expect(parseListen(["443", "ssl"])).toEqual({ address: "*", port: 443, defaultServer: false, ssl: true });
    expect(parseListen(["443", "quic", "reuseport"])).toEqual({ address: "*", port: 443, defaultServer: false, ssl: true });
    expect(parseListen(["127.0.0.1:443", "ssl", "default_server", "http2"])).toEqual({ address: "127.0.0.1", port: 443, defaultServer: true, ssl: true });
  });

  it("ignores unrelated flags", () => {
    expect(parseListen(["[::]:80", "ipv6only=on", "reuseport", "backlog=511"])).toEqual({ address: "[::]", port: 80, ...plain });
  });
});

describe("findServerBlocks", () => {
  it("finds top-level server blocks of an included file, with per-listen lines", () => {
    const directives = parseNginxConfig(
      ["server {", "    listen 80;", "    listen [::]:80 default_server;", "    server_name app.example.com www.example.com;", "    include /etc/nginx/snippets/ngcert-acme.conf;", "}", ""].join("\n"),
    );
    expect(findServerBlocks([{ file: "/etc/nginx/conf.d/app.conf", directives }])).toEqual([
      {
        file: "/etc/nginx/conf.d/app.conf",
        line: 1,
        listens: [
          { address: "*", port: 80, defaultServer: false, ssl: false, line: 2 },
          { address: "[::]", port: 80, defaultServer: true, ssl: false, line: 3 },
        ],
        serverNames: ["app.example.com", "www.example.com"],
        includes: ["/etc/nginx/snippets/ngcert-acme.conf"],
        serverLevelRedirects: [],
        challengeLocations: [],
      },
    ]);
  });

  it("enters http {} in nginx.conf, and skips server blocks of other contexts such as stream {}", () => {
    const directives = parseNginxConfig(
      ["events {}", "stream {", "    server { listen 5353; }", "}", "http {", "    include mime.types;", "    server {", "        listen 8080;", "    }", "}", ""].join("\n"),
    );
    expect(findServerBlocks([{ file: "/etc/nginx/nginx.conf", directives }])).toEqual([
      { file: "/etc/nginx/nginx.conf", line: 7, listens: [{ address: "*", port: 8080, defaultServer: false, ssl: false, line: 8 }], serverNames: [], includes: [], serverLevelRedirects: [], challengeLocations: [] },
    ]);
  });

  it("gives a server without listen nginx's implicit *:80, at the server's line", () => {
    const directives = parseNginxConfig("\n\nserver {\n    server_name old.example;\n}\n");
    expect(findServerBlocks([{ file: "/x.conf", directives }])).toEqual([
      { file: "/x.conf", line: 3, listens: [{ address: "*", port: 80, defaultServer: false, ssl: false, line: 3 }], serverNames: ["old.example"], includes: [], serverLevelRedirects: [], challengeLocations: [] },
    ]);
  });

  it("gives a server that only listens on a unix socket no listens at all (not the implicit one)", () => {
    const directives = parseNginxConfig("server { listen unix:/run/app.sock; }");
    expect(findServerBlocks([{ file: "/x.conf", directives }])).toEqual([{ file: "/x.conf", line: 1, listens: [], serverNames: [], includes: [], serverLevelRedirects: [], challengeLocations: [] }]);
  });

  it("collects every server_name directive and only the server's own includes (not a location's)", () => {
    const directives = parseNginxConfig(
      "server {\n  server_name a.example;\n  server_name b.example c.example;\n  include snippets/x.conf;\n  location / { include proxy_params; }\n}",
    );
    const [block] = findServerBlocks([{ file: "/x.conf", directives }]);
    expect(block?.serverNames).toEqual(["a.example", "b.example", "c.example"]);
    expect(block?.includes).toEqual(["snippets/x.conf"]);
  });

  it("keeps the files' order and each block's file", () => {
    const one = parseNginxConfig("server { listen 81; }\nserver { listen 82; }");
    const two = parseNginxConfig("server { listen 83; }");
    expect(findServerBlocks([{ file: "/a.conf", directives: one }, { file: "/b.conf", directives: two }]).map((block) => [block.file, block.listens[0]?.port])).toEqual([
      ["/a.conf", 81],
      ["/a.conf", 82],
      ["/b.conf", 83],
    ]);
  });
});

describe("findServerBlocks: what runs before any location", () => {
  it("records server-level return, rewrite and if, not those inside locations", () => {
    const directives = parseNginxConfig(
      "server {\n  listen 80;\n  if ($host = a) { return 404; }\n  rewrite ^ /x;\n  location / { return 301 https://$host; }\n  return 301 https://$host$request_uri;\n}\n",
    );
    expect(findServerBlocks([{ file: "/x.conf", directives }])[0]!.serverLevelRedirects).toEqual([
      { directive: "if", line: 3 },
      { directive: "rewrite", line: 4 },
      { directive: "return", line: 6 },
    ]);
  });
});
