// The files that make a demo world usable from a shell, judged by the shell itself: the env file sets exactly the
// world's values (and unsets a person's own NGCERT_* settings), the scripts parse, and a directory that is not a demo
// world is never taken for one.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { quoteShell, renderCliIni, renderEnvFile, renderNginxWrapper, renderNgcertWrapper, renderStopScript } from "../../src/demo/demo-files.js";
import { readWorldRecord } from "../../src/demo/world-record.js";

describe("demo files", () => {
  it("the env file sets the world's variables exactly, however they are spelled, and unsets the other settings", async () => {
    const variables = { NGCERT_WEBROOT: "/tmp/a b/webroot", NGCERT_SERVER: "https://127.0.0.1:1/dir?x=1&y='2'", REQUESTS_CA_BUNDLE: "/tmp/ca.pem" };
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ngcert-env-")), "env");
    writeFileSync(file, renderEnvFile({ root: "/tmp/x", binDir: "/tmp/x/bin", variables }));
    const shell = await execa("sh", ["-c", `. "${file}" && node -e 'console.log(JSON.stringify(process.env))'`], { env: { PATH: process.env.PATH, NGCERT_EMAIL: "me@example.com" }, extendEnv: false });
    const env = JSON.parse(shell.stdout) as Record<string, string>;
    expect(env).toMatchObject(variables);
    expect(env.NGCERT_EMAIL).toBeUndefined();
    expect(env.PATH?.startsWith("/tmp/x/bin:")).toBe(true);
  });

  it("quotes for a POSIX shell only what needs it", () => {
    expect(quoteShell("/usr/bin/node")).toBe("/usr/bin/node");
    expect(quoteShell("it's")).toBe(`'it'\\''s'`);
  });

  it("writes scripts the shell parses, naming the world's own nginx configuration", async () => {
    const nginx = renderNginxWrapper({ nginxBin: "/usr/sbin/nginx", conf: "/tmp/w/nginx/nginx.conf", errorLog: "/tmp/w/error.log", pidFile: "/tmp/w/nginx.pid" });
    for (const script of [nginx, renderNgcertWrapper(["/usr/bin/node", "/opt/ngcert/cli.js"]), renderStopScript(["/usr/bin/node", "/opt/ngcert/cli.js"], "/tmp/w")]) {
      const parsed = await execa("sh", ["-n"], { input: script, reject: false });
      expect(parsed.exitCode, parsed.stderr).toBe(0);
    }
    expect(nginx).toContain("exec /usr/sbin/nginx -e /tmp/w/error.log -c /tmp/w/nginx/nginx.conf");
    expect(renderCliIni({ letsencryptDir: "/l", workDir: "/w", logsDir: "/g", directoryUrl: "https://127.0.0.1:1/dir", httpPort: 2000 })).toContain("http-01-port = 2000\n");
  });

  it("a directory without a demo world's record is not one: nothing is stopped or removed", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ngcert-not-demo-"));
    expect(() => readWorldRecord(dir)).toThrow(/is not an ngcert demo world: it holds no demo-world.json; nothing was stopped or removed/);
    writeFileSync(path.join(dir, "demo-world.json"), JSON.stringify({ kind: "ngcert-demo-world", root: "/elsewhere", nginx: {}, processes: [] }));
    expect(() => readWorldRecord(dir)).toThrow(/not an ngcert demo world's record/);
    expect(() => readWorldRecord("relative/dir")).toThrow(/absolute path/);
  });
});
