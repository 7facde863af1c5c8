// nginx's server_name matching, as findServersForName uses it to find a block already serving a name.
import { describe, expect, it } from "vitest";
import { findServerBlocks } from "../../src/nginx/http-servers.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";
import { findServersForName, serverNameMatches } from "../../src/nginx/server-names.js";

describe("serverNameMatches", () => {
  it.each([
    ["example.com", "example.com", true],
    ["Example.COM", "example.com", true],
    ["example.com", "www.example.com", false],
    ["*.example.com", "www.example.com", true],
    ["*.example.com", "example.com", false],
    [".example.com", "example.com", true],
    [".example.com", "a.b.example.com", true],
    ["www.example.*", "www.example.org", true],
    ["www.example.*", "www.example", false],
    ["~^(?<sub>.+)\\.example\\.com$", "app.example.com", true],
    ["~^app\\d+\\.example\\.com$", "app.example.com", false],
    ["~[", "anything", false],
    ["_", "example.com", false],
  ])("%s matches %s: %s", (pattern, name, expected) => {
    expect(serverNameMatches(pattern, name)).toBe(expected);
  });
});

describe("findServersForName", () => {
  it("finds the blocks for a name on the given ports only", () => {
    const blocks = findServerBlocks([
      {
        file: "/etc/nginx/conf.d/sites.conf",
        directives: parseNginxConfig("server { listen 443 ssl; server_name app.example.com; }\nserver { listen 80; server_name app.example.com; }\nserver { listen 8443 ssl; server_name app.example.com; }\n"),
      },
    ]);
    expect(findServersForName(blocks, "app.example.com", [443]).map((block) => block.line)).toEqual([1]);
    expect(findServersForName(blocks, "app.example.com", [80, 443]).map((block) => block.line)).toEqual([1, 2]);
    expect(findServersForName(blocks, "other.example.com", [80, 443])).toEqual([]);
  });
});
