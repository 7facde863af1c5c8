// parseNginxConfig and splitNginxDump on inline text: directives, blocks, quotes, comments, `${var}` words, line
// numbers, and the syntax errors nginx itself would report, each with its line.
import { describe, expect, it } from "vitest";
import { NginxSyntaxError, parseNginxConfig as parseWithOffsets, splitNginxDump, type Directive } from "../../src/nginx/parse-config.js";

/** Directives without their character offsets (tested on their own below), so expectations stay readable. */
function withoutOffsets(directives: Directive[]): Directive[] {
  return directives.map(({ start: _start, end: _end, block, ...rest }) => (block ? { ...rest, block: withoutOffsets(block) } : rest));
}

const parseNginxConfig = (text: string): Directive[] => withoutOffsets(parseWithOffsets(text));

/** The error parseNginxConfig throws for `text`, as line and message. */
function syntaxError(text: string): { line: number; message: string } {
  try {
    parseNginxConfig(text);
  } catch (error) {
    if (error instanceof NginxSyntaxError) return { line: error.line, message: error.message };
    throw error;
  }
  throw new Error("expected a syntax error");
}

describe("parseNginxConfig", () => {
  it("parses simple directives with their arguments and lines", () => {
    expect(parseNginxConfig("user www-data;\nworker_processes auto;\n\npid /run/nginx.pid;\n")).toEqual([
      { name: "user", args: ["www-data"], line: 1 },
      { name: "worker_processes", args: ["auto"], line: 2 },
      { name: "pid", args: ["/run/nginx.pid"], line: 4 },
    ]);
  });

  it("returns nothing for an empty file or one with only comments", () => {
    expect(parseNginxConfig("")).toEqual([]);
    expect(parseNginxConfig("# just a comment\n   \n# another\n")).toEqual([]);
  });

  it("parses nested blocks, keeping each directive's own line", () => {
    const text = ["http {", "    server {", "        listen 80 default_server;", "        server_name a.example b.example;", "        location / {", "            return 404;", "        }", "    }", "}", ""].join("\n");
    expect(parseNginxConfig(text)).toEqual([
      {
        name: "http",
        args: [],
        line: 1,
        block: [
          {
            name: "server",
            args: [],
            line: 2,
            block: [
              { name: "listen", args: ["80", "default_server"], line: 3 },
              { name: "server_name", args: ["a.example", "b.example"], line: 4 },
              { name: "location", args: ["/"], line: 5, block: [{ name: "return", args: ["404"], line: 6 }] },
            ],
          },
        ],
      },
    ]);
  });

  it("keeps an empty block as an empty list, distinct from a simple directive", () => {
    expect(parseNginxConfig("events {}\nhttp { }")).toEqual([
      { name: "events", args: [], line: 1, block: [] },
      { name: "http", args: [], line: 2, block: [] },
    ]);
  });

  it("unquotes double- and single-quoted strings, resolving backslash escapes", () => {
    expect(parseNginxConfig(`add_header X-Test "a \\"quoted\\" value; {not a block}" always;\nreturn 200 'it\\'s';`)).toEqual([
      { name: "add_header", args: ["X-Test", 'a "quoted" value; {not a block}', "always"], line: 1 },
      { name: "return", args: ["200", "it's"], line: 2 },
    ]);
  });

  it("treats quoted punctuation as arguments, never as structure", () => {
    expect(parseNginxConfig(`set $x ";";\nset $y "}";\nset $z "{";`)).toEqual([
      { name: "set", args: ["$x", ";"], line: 1 },
      { name: "set", args: ["$y", "}"], line: 2 },
      { name: "set", args: ["$z", "{"], line: 3 },
    ]);
  });

  it("gives a quoted string spanning lines its starting line, and counts its newlines for what follows", () => {
    expect(parseNginxConfig(`return 200 "one\ntwo\nthree";\nlisten 80;`)).toEqual([
      { name: "return", args: ["200", "one\ntwo\nthree"], line: 1 },
      { name: "listen", args: ["80"], line: 4 },
    ]);
  });

  it("counts a backslash-escaped newline inside quotes for the lines that follow", () => {
    expect(parseNginxConfig('return 200 "a\\\nb";\nlisten 80;')).toEqual([
      { name: "return", args: ["200", "a\nb"], line: 1 },
      { name: "listen", args: ["80"], line: 3 },
    ]);
  });

  it("throws a syntax error for `${` without a closing brace instead of looping forever", () => {
    expect(syntaxError("listen 80;\nset $a ${b;\n")).toEqual({ line: 2, message: 'line 2: unterminated "${" in a word' });
  });

  it("keeps an empty quoted string as an empty argument", () => {
    expect(parseNginxConfig(`server_name "";`)).toEqual([{ name: "server_name", args: [""], line: 1 }]);
  });

  it("drops comments at line ends and on their own lines, but not a # inside a word or quotes", () => {
    const text = "# header\nlisten 80; # trailing { } ;\nreturn 200 \"#not-a-comment\";\nset $a b#c;\n";
    expect(parseNginxConfig(text)).toEqual([
      { name: "listen", args: ["80"], line: 2 },
      { name: "return", args: ["200", "#not-a-comment"], line: 3 },
      { name: "set", args: ["$a", "b#c"], line: 4 },
    ]);
  });

  it("keeps `${var}` inside a word whole, not ending the word at its braces", () => {
    expect(parseNginxConfig("root /srv/${host}/public;\nreturn 301 https://${host}:8443$request_uri;")).toEqual([
      { name: "root", args: ["/srv/${host}/public"], line: 1 },
      { name: "return", args: ["301", "https://${host}:8443$request_uri"], line: 2 },
    ]);
  });

  it("keeps a backslash escape inside an unquoted word as written", () => {
    expect(parseNginxConfig("location ~ \\.php$ { }")).toEqual([{ name: "location", args: ["~", "\\.php$"], line: 1, block: [] }]);
  });

  it("accepts several directives on one line and a block opened on the next line", () => {
    expect(parseNginxConfig("a 1; b 2;\nserver\n{\nlisten 80; }")).toEqual([
      { name: "a", args: ["1"], line: 1 },
      { name: "b", args: ["2"], line: 1 },
      { name: "server", args: [], line: 2, block: [{ name: "listen", args: ["80"], line: 4 }] },
    ]);
  });

  it("counts CRLF line endings once per line", () => {
    expect(parseNginxConfig("a 1;\r\nb 2;\r\n")).toEqual([
      { name: "a", args: ["1"], line: 1 },
      { name: "b", args: ["2"], line: 2 },
    ]);
  });

  describe("syntax errors", () => {
    it("an unterminated quote, at the line where the quote opened", () => {
      expect(syntaxError('listen 80;\nreturn 200 "never closed;\n}\n')).toEqual({ line: 2, message: "line 2: unterminated quoted string" });
      expect(syntaxError("return 200 'x\\'")).toEqual({ line: 1, message: "line 1: unterminated quoted string" });
    });

    it("an unexpected `}` at the top level", () => {
      expect(syntaxError("listen 80;\n\n}\n")).toEqual({ line: 3, message: 'line 3: unexpected "}"' });
    });

    it("a `;` or `{` where a directive name should be", () => {
      expect(syntaxError("listen 80;\n;")).toEqual({ line: 2, message: 'line 2: unexpected ";"' });
      expect(syntaxError("http {\n  { }\n}")).toEqual({ line: 2, message: 'line 2: unexpected "{"' });
    });

    it("a missing `;` before the closing `}`, at the line of the `}`", () => {
      expect(syntaxError("server {\n    listen 80\n}\n")).toEqual({ line: 3, message: 'line 3: directive "listen" is not terminated by ";"' });
    });

    it("a missing `;` at the end of the file, at the directive's line", () => {
      expect(syntaxError("user nginx;\nworker_processes 2\n")).toEqual({ line: 2, message: 'line 2: directive "worker_processes" has no ending ";" or "}"' });
    });

    it("an unexpected end of file inside a block, at the last token's line", () => {
      expect(syntaxError("http {\n    server {\n        listen 80;\n    }\n\n# eof\n")).toEqual({ line: 4, message: 'line 4: unexpected end of file, expecting "}"' });
    });

    it("is an Error subclass carrying the line", () => {
      const error = new NginxSyntaxError(7, "boom");
      expect(error).toBeInstanceOf(Error);
      expect(error.line).toBe(7);
      expect(error.message).toBe("line 7: boom");
    });
  });
});

describe("directive offsets", () => {
  it("spans each simple directive from its name to just after its semicolon, quotes included", () => {
    const text = 'events {}\nhttp {\n    include  "/etc/nginx/conf.d/*.conf" ;\n    include mime.types;\n}\n';
    const http = parseWithOffsets(text)[1]!;
    const [first, second] = http.block!;
    expect(text.slice(first!.start, first!.end)).toBe('include  "/etc/nginx/conf.d/*.conf" ;');
    expect(text.slice(second!.start, second!.end)).toBe("include mime.types;");
  });
});

describe("splitNginxDump", () => {
  const dump = [
    "# configuration file /etc/nginx/nginx.conf:",
    "user nginx;",
    "http {",
    "    include /etc/nginx/conf.d/*.conf;",
    "}",
    "",
    "# configuration file /etc/nginx/conf.d/default.conf:",
    "server {",
    "    listen 80;",
    "}",
    "",
    "# configuration file /etc/nginx/conf.d/ngcert-acme.conf:",
    "# Written by `ngcert init`.",
    "server { listen 80 default_server; }",
    "",
  ].join("\n");

  it("splits the dump into the files it holds, in order, each text starting after its marker", () => {
    expect(splitNginxDump(dump)).toEqual([
      { file: "/etc/nginx/nginx.conf", text: "user nginx;\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n\n" },
      { file: "/etc/nginx/conf.d/default.conf", text: "server {\n    listen 80;\n}\n\n" },
      { file: "/etc/nginx/conf.d/ngcert-acme.conf", text: "# Written by `ngcert init`.\nserver { listen 80 default_server; }\n" },
    ]);
  });

  it("gives texts whose line numbers match the files' own", () => {
    const [, defaultConf] = splitNginxDump(dump);
    expect(parseNginxConfig(defaultConf!.text)).toEqual([{ name: "server", args: [], line: 1, block: [{ name: "listen", args: ["80"], line: 2 }] }]);
  });

  it("ignores anything before the first marker, and a comment that is not a marker", () => {
    expect(splitNginxDump("nginx: the configuration file syntax is ok\n# configuration file /a.conf:\n# configuration of b\nx 1;\n")).toEqual([
      { file: "/a.conf", text: "# configuration of b\nx 1;\n" },
    ]);
  });

  it("returns nothing when there is no marker", () => {
    expect(splitNginxDump("user nginx;\n")).toEqual([]);
  });
});
