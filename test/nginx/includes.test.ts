// collectIncludePatterns and isIncluded: include patterns are globs, resolved against the config's directory.
import { describe, expect, it } from "vitest";
import { collectIncludePatterns, isIncluded } from "../../src/nginx/includes.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";

describe("collectIncludePatterns", () => {
  it("collects include arguments at every depth, in order", () => {
    const directives = parseNginxConfig(
      "include modules-enabled/*.conf;\nevents {}\nhttp {\n  include mime.types;\n  include conf.d/*.conf;\n  server { location / { include proxy_params; } }\n}\n",
    );
    expect(collectIncludePatterns(directives)).toEqual(["modules-enabled/*.conf", "mime.types", "conf.d/*.conf", "proxy_params"]);
  });

  it("finds none in a file without include", () => {
    expect(collectIncludePatterns(parseNginxConfig("http { server { listen 80; } }"))).toEqual([]);
  });
});

describe("isIncluded", () => {
  const dir = "/etc/nginx";

  it("matches a relative glob against the config directory", () => {
    expect(isIncluded(["conf.d/*.conf"], "/etc/nginx/conf.d/ngcert-acme.conf", dir)).toBe(true);
    expect(isIncluded(["conf.d/*.conf"], "/etc/nginx/conf.d/ngcert-acme.conf.bak", dir)).toBe(false);
    expect(isIncluded(["conf.d/*.conf"], "/etc/nginx/conf.d/sub/ngcert-acme.conf", dir)).toBe(false);
    expect(isIncluded(["conf.d/*.conf"], "/etc/other/conf.d/ngcert-acme.conf", dir)).toBe(false);
  });

  it("matches an absolute pattern as written", () => {
    expect(isIncluded(["/etc/nginx/sites-enabled/*"], "/etc/nginx/sites-enabled/default", "/somewhere/else")).toBe(true);
    expect(isIncluded(["/etc/nginx/snippets/ngcert-acme.conf"], "/etc/nginx/snippets/ngcert-acme.conf", dir)).toBe(true);
    expect(isIncluded(["/etc/nginx/snippets/ngcert-acme.conf"], "/etc/nginx/snippets/ngcert-acme.conf2", dir)).toBe(false);
  });

  it("lets ? stand for exactly one character, not a slash", () => {
    expect(isIncluded(["conf.d/site?.conf"], "/etc/nginx/conf.d/site1.conf", dir)).toBe(true);
    expect(isIncluded(["conf.d/site?.conf"], "/etc/nginx/conf.d/site12.conf", dir)).toBe(false);
    expect(isIncluded(["conf?d/x.conf"], "/etc/nginx/conf/d/x.conf", dir)).toBe(false);
  });

  it("takes regex characters in a pattern literally", () => {
    expect(isIncluded(["conf.d/*.conf"], "/etc/nginx/confXd/a.conf", dir)).toBe(false);
    expect(isIncluded(["conf.d/a+b(1).conf"], "/etc/nginx/conf.d/a+b(1).conf", dir)).toBe(true);
    expect(isIncluded(["conf.d/a+b(1).conf"], "/etc/nginx/conf.d/aab1.conf", dir)).toBe(false);
  });

  it("does not let * match a file name's leading dot, as glob(3) does not", () => {
    expect(isIncluded(["conf.d/*.conf"], "/etc/nginx/conf.d/.hidden.conf", dir)).toBe(false);
  });

  it("supports bracket expressions such as [a-z]", () => {
    expect(isIncluded(["conf.d/[a-z]*.conf"], "/etc/nginx/conf.d/ngcert-acme.conf", dir)).toBe(true);
  });

  it("resolves .. in a relative pattern", () => {
    expect(isIncluded(["../shared/*.conf"], "/etc/shared/acme.conf", dir)).toBe(true);
  });

  it("is true when any pattern matches, false with none", () => {
    expect(isIncluded(["mime.types", "conf.d/*.conf"], "/etc/nginx/conf.d/a.conf", dir)).toBe(true);
    expect(isIncluded([], "/etc/nginx/conf.d/a.conf", dir)).toBe(false);
  });
});
