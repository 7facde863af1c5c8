// What nginx -t says when it refuses a configuration, taken apart: the message, the file and line, the certificate or
// key it could not load; and its warnings. The lines are nginx 1.22's own.
import { describe, expect, it } from "vitest";
import { parseNginxTestOutput, parseNginxWarnings } from "../../src/nginx/nginx-test-output.js";

describe("parseNginxTestOutput", () => {
  it("names the file and line of an unknown directive", () => {
    const output = '2026/12/02 09:12:04 [emerg] 10252#10252: unknown directive "bogus_directive" in /tmp/nx/conf.d/a.conf:1\nnginx: configuration file /tmp/nx/nginx.conf test failed';
    expect(parseNginxTestOutput(output)).toEqual({ message: 'unknown directive "bogus_directive"', file: "/tmp/nx/conf.d/a.conf", line: 1, loadFile: undefined });
  });

  it("names the certificate nginx could not load (nginx gives no line for it)", () => {
    const output =
      '2026/12/02 09:12:04 [emerg] 10251#10251: cannot load certificate "/tmp/nx/nope.pem": BIO_new_file() failed (SSL: error:80000002:system library::No such file or directory)\nnginx: configuration file /tmp/nx/nginx.conf test failed';
    expect(parseNginxTestOutput(output)).toMatchObject({ file: undefined, loadFile: "/tmp/nx/nope.pem" });
  });

  it("names the key of a mismatched pair", () => {
    const output = '2026/12/02 09:33:41 [emerg] 1#1: SSL_CTX_use_PrivateKey("/le/live/a/privkey.pem") failed (SSL: error:05800074:x509 certificate routines::key values mismatch)';
    expect(parseNginxTestOutput(output).loadFile).toBe("/le/live/a/privkey.pem");
  });

  it("takes the first emerg line of several, and a plain line when there is none", () => {
    expect(parseNginxTestOutput("nginx: [alert] could not open error log file\n[emerg] 2#2: second in /x.conf:2").message).toBe("could not open error log file");
    expect(parseNginxTestOutput("something odd\nnginx: configuration file /x test failed").message).toBe("something odd");
  });
});

describe("parseNginxWarnings", () => {
  it("keeps the warnings' text", () => {
    const output = '2026/12/02 09:12:04 [warn] 10253#10253: conflicting server name "x" on 127.0.0.1:28080, ignored\nnginx: the configuration file /tmp/nx/nginx.conf syntax is ok';
    expect(parseNginxWarnings(output)).toEqual(['conflicting server name "x" on 127.0.0.1:28080, ignored']);
  });
});
