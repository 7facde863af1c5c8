// readConfigFile: a missing file means no settings; anything else that is not a JSON object is refused, naming the file.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NgcertError, exitCodeFor } from "../../src/errors.js";
import { parseConfigText, readConfigFile } from "../../src/settings/read-config-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ngcert-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function errorOf(run: () => unknown): NgcertError {
  try {
    run();
  } catch (error) {
    if (error instanceof NgcertError) return error;
    throw error;
  }
  throw new Error("no error was thrown");
}

describe("readConfigFile", () => {
  it("reads a JSON object", async () => {
    const file = path.join(dir, "good.json");
    await writeFile(file, '{"webroot": "/var/www/acme-challenge", "http-port": 8080}\n');
    expect(readConfigFile(file)).toEqual({ webroot: "/var/www/acme-challenge", "http-port": 8080 });
  });

  it("returns no settings for a missing file", () => {
    expect(readConfigFile(path.join(dir, "absent.json"))).toEqual({});
  });

  it("refuses a file that cannot be read, with the reason", async () => {
    const file = path.join(dir, "a-directory.json");
    await mkdir(file);
    const error = errorOf(() => readConfigFile(file));
    expect([error.code, error.message]).toEqual(["CONFIG", `cannot read config file ${file}: it is a directory`]);
    expect(exitCodeFor(error)).toBe(2);
  });

  it("refuses a file that is not JSON, naming it", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, "webroot = /var/www\n");
    const error = errorOf(() => readConfigFile(file));
    expect(error.code).toBe("CONFIG");
    expect(error.message).toMatch(new RegExp(`^config file ${file.replace(/[./]/g, "\\$&")} is not valid JSON: `));
  });
});

describe("parseConfigText", () => {
  it("refuses JSON that is not an object", () => {
    for (const text of ["[]", "null", '"webroot"', "42", "true"]) {
      expect(errorOf(() => parseConfigText(text, "/etc/ngcert/config.json")).message).toBe(
        'config file /etc/ngcert/config.json must hold a JSON object such as {"email": "ops@example.com"}',
      );
    }
  });

  it("refuses an empty file and trailing commas (JSON, not JSON5)", () => {
    expect(errorOf(() => parseConfigText("", "/c.json")).message).toMatch(/^config file \/c\.json is not valid JSON: /);
    expect(errorOf(() => parseConfigText('{"email": "a@example.com",}', "/c.json")).message).toMatch(/^config file \/c\.json is not valid JSON: /);
  });
});
