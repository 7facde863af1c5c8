// `ngcert add` and `ngcert remove` in-process on a set-up server tree: every input they must refuse exits 2 with one
// line naming it, changes no file and starts no program (certbot and nginx included); a server that is not set up,
// a site edited by hand and a blocked challenge path stop with exit 1, also before any program runs.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Exec } from "../../src/exec.js";
import { markOwned } from "../../src/fs/owned-file.js";
import { hookShimPath } from "../../src/certbot/render-hook-shim.js";
import { acmeSnippetPath, renderAcmeSnippet } from "../../src/nginx/render-acme.js";
import { sitePath } from "../../src/nginx/render-site.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { makeCa, makeLeaf } from "../helpers/pki.js";
import { runNgcert, type CliResult } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";
import { fileTimes, snapshotTree, withoutTimes, type TreeSnapshot } from "../world/file-tree.js";

const UPSTREAM = "http://127.0.0.1:8080";

/** A port-80 stand-in answering every request with one status (and a Location for redirects). */
let blocker: Server;
let blockerPort: number;
let blockerStatus = 403;
beforeAll(async () => {
  blocker = createServer((req, res) => {
    res.writeHead(blockerStatus, blockerStatus === 301 ? { location: `https://${req.headers.host}${req.url}` } : {});
    res.end("not the probe\n");
  });
  await new Promise<void>((resolve) => blocker.listen({ host: "127.0.0.1", port: 0 }, resolve));
  blockerPort = (blocker.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => blocker.close(resolve));
});

let workspace: Workspace;
let nginxDir: string;
let webroot: string;
let calls: string[];
beforeEach(async () => {
  workspace = await createWorkspace();
  nginxDir = path.join(workspace.root, "nginx");
  webroot = path.join(workspace.root, "webroot");
  calls = [];
  // What `ngcert init` leaves: the snippet, the catch-all's directory, the deploy hook shim, the webroot.
  await mkdir(path.join(nginxDir, "snippets"), { recursive: true });
  await mkdir(path.join(nginxDir, "conf.d"), { recursive: true });
  await mkdir(webroot);
  await writeFile(acmeSnippetPath(nginxDir), markOwned(renderAcmeSnippet(webroot)));
  const hook = hookShimPath(workspace.letsencryptDir, "deploy");
  await mkdir(path.dirname(hook), { recursive: true });
  await writeFile(hook, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

/** Records every program the run tries to start, and refuses to start it. */
const exec: Exec = async (program, args) => {
  calls.push([program, ...args].join(" "));
  throw new Error(`a test run of ngcert tried to start ${program}`);
};

function settingsArgs(): string[] {
  return [
    ...workspace.args,
    "--nginx-dir",
    nginxDir,
    "--webroot",
    webroot,
    "--certbot-work-dir",
    path.join(workspace.root, "work"),
    "--certbot-logs-dir",
    path.join(workspace.root, "logs"),
    "--nginx-bin",
    "/nonexistent/nginx",
    "--certbot-bin",
    "/nonexistent/certbot",
    "--http-port",
    String(blockerPort),
    "--https-port",
    "1",
    "--listen-address",
    "127.0.0.1",
    "--server",
    "https://127.0.0.1:1/dir",
  ];
}

/** The command, then the settings, then the test's arguments (a later flag wins; `--` may end them). */
const run = ([command = "", ...rest]: string[]): Promise<CliResult> => runNgcert([command, ...settingsArgs(), ...rest], { exec, cwd: workspace.root });

/** Runs the command and checks it changed nothing on disk (no file rewritten either) and started no program. */
async function runUntouched(argv: string[]): Promise<CliResult> {
  const before: TreeSnapshot = await snapshotTree([workspace.root]);
  const result = await run(argv);
  const after = await snapshotTree([workspace.root]);
  // Directory times may move (the preflight's probe file comes and goes); entries, bytes, modes and file times may not.
  expect(withoutTimes(after), result.stderr).toEqual(withoutTimes(before));
  expect(fileTimes(after)).toEqual(fileTimes(before));
  // Reading nginx's configuration (to explain a failed challenge) is all a refused command may run.
  expect(calls.filter((call) => !/^\S*nginx -T -q -c /.test(call)), result.stderr).toEqual([]);
  expect(result.stdout).toBe("");
  return result;
}

/** Exit 2, and the error is one line naming the problem (and, for a usage error, the pointer to --help). */
async function expectRefused(argv: string[]): Promise<string> {
  const result = await runUntouched(argv);
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.split("\n");
  expect(lines.pop()).toBe("");
  expect(lines[0]).toMatch(/^ngcert: \S/);
  expect(lines.slice(1)).toEqual(lines.length === 1 ? [] : ["Run `ngcert --help` for usage."]);
  return lines[0]!;
}

describe("ngcert add refuses bad domains: exit 2, nothing changed, no program run", () => {
  it.each([
    "app;id.example",
    "app{x}.example",
    "$(id).example",
    "`id`.example",
    "app'x.example",
    'app"x.example',
    "app|x.example",
    "app&x.example",
    "app<x.example",
    "app>x.example",
    "app x.example",
    "app.example\nserver_name evil.example",
    "app\\x.example",
    "app..example",
    "app.example..",
    "localhost",
    "127.0.0.1",
    "app_x.example",
    `${"a".repeat(64)}.example`,
    `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`,
    "app-.example",
    "https://app.example",
    "app.example:443",
  ])("%j", async (domain) => {
    const line = await expectRefused(["add", domain, "--upstream", UPSTREAM]);
    expect(line).toMatch(/^ngcert: `.+` is not a valid domain name: /);
    expect(line).toContain(`\`${domain.replace("\n", "\\n")}\``);
  });

  it("a wildcard, saying HTTP-01 cannot issue it", async () => {
    expect(await expectRefused(["add", "*.example.com", "--upstream", UPSTREAM])).toMatchInlineSnapshot(
      `"ngcert: \`*.example.com\` is not a valid domain name: wildcard certificates need DNS-01 validation; ngcert uses HTTP-01 through nginx, which cannot issue them: list each name instead"`,
    );
  });

  it("a leading dash: read as an option, and refused as a usage error", async () => {
    expect(await expectRefused(["add", "-app.example", "--upstream", UPSTREAM])).toMatch(/^ngcert: (Unknown arguments?|Not enough non-option arguments)/);
    expect(await expectRefused(["add", "app.example", "-d", "evil.example", "--upstream", UPSTREAM])).toMatch(/^ngcert: Unknown arguments?: d\b/);
    expect(await expectRefused(["add", "app.example", "--webroot-path=/etc", "--upstream", UPSTREAM])).toMatch(/^ngcert: Unknown arguments?: webroot-path/);
    // After `--` nothing counts as a domain at all (yargs does not pass those words on to the positional).
    expect(await expectRefused(["add", "--upstream", UPSTREAM, "--", "-app.example"])).toMatch(/^ngcert: Not enough non-option arguments/);
  });

  it("a first name too long for the files named after it (valid DNS, up to 253 characters, but 214 at most there)", async () => {
    const name = (length: number) => `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(length - 63 * 3 - 3 - 8)}.example`;
    expect(name(215)).toHaveLength(215);
    expect(await expectRefused(["add", name(215), "--upstream", UPSTREAM])).toBe(
      "ngcert: the first domain names the certificate and the site, and 215 characters is too long for their files (a file name holds 255 bytes, and the longest file written for it adds 41): put a name of at most 214 characters first",
    );
  });

  it("one bad name among good ones", async () => {
    expect(await expectRefused(["add", "app.example", "www.app.example", "*.app.example", "--upstream", UPSTREAM])).toContain("`*.app.example` is not a valid domain name");
    expect(await expectRefused(["add", "app.example", "a;b.example", "--upstream", UPSTREAM])).toContain("`a;b.example` is not a valid domain name");
  });
});

describe("ngcert add refuses bad upstreams: exit 2, nothing changed, no program run", () => {
  it.each([
    ["127.0.0.1:8080", "it is not a URL"],
    ["app:3000", "the scheme must be http or https, not app"],
    ["ftp://127.0.0.1", "the scheme must be http or https, not ftp"],
    ["unix:/run/app.sock", "the scheme must be http or https, not unix"],
    ["http://user:secret@127.0.0.1:8080", "credentials in the URL are not supported"],
    ["http://127.0.0.1:8080/?debug=1", "a query or fragment is not allowed"],
    ["http://127.0.0.1:8080/#x", "a query or fragment is not allowed"],
    ["http://127.0.0.1:8080/$request_uri", "it contains spaces, quotes or characters nginx would interpret"],
    ["http://127.0.0.1:8080/;include /etc/passwd", "it contains spaces, quotes or characters nginx would interpret"],
    ["http://127.0.0.1:8080/}", "it contains spaces, quotes or characters nginx would interpret"],
    ["http://127.0.0.1:8080/a'b", "it contains spaces, quotes or characters nginx would interpret"],
    ["http://127.0.0.1:8080/\n", "it contains spaces, quotes or characters nginx would interpret"],
    ["http://127.0.0.1:0", "the port must be between 1 and 65535"],
    ["http://127.0.0.1:65536", "it is not a URL"],
    ["http://-app:3000", "the host `-app` is not an IP address or a host name"],
  ])("%j", async (upstream, why) => {
    const line = await expectRefused(["add", "app.example", "--upstream", upstream]);
    expect(line).toContain(`is not a usable upstream: ${why}; give a URL such as http://127.0.0.1:8080`);
  });
});

describe("ngcert add refuses bad usage: exit 2, nothing changed, no program run", () => {
  it("no --upstream", async () => {
    expect(await expectRefused(["add", "app.example"])).toBe("ngcert: Missing required argument: upstream");
  });

  it("--upstream without a value, or twice", async () => {
    expect(await expectRefused(["add", "app.example", "--upstream"])).toMatch(/^ngcert: Not enough arguments following: upstream$/);
    expect(await expectRefused(["add", "app.example", "--upstream", UPSTREAM, "--upstream", "http://127.0.0.1:9090"])).toBe("ngcert: --upstream was given more than once: give it once");
  });

  it("no domain", async () => {
    expect(await expectRefused(["add", "--upstream", UPSTREAM])).toMatch(/^ngcert: Not enough non-option arguments/);
  });

  it("an unknown flag", async () => {
    expect(await expectRefused(["add", "app.example", "--upstream", UPSTREAM, "--upstrem", UPSTREAM])).toMatch(/^ngcert: Unknown argument: upstrem/);
    expect(await expectRefused(["add", "app.example", "--upstream", UPSTREAM, "--force"])).toMatch(/^ngcert: Unknown argument: force/);
  });

  it("an unknown key type (yargs' own message names the choices on a second line)", async () => {
    const result = await runUntouched(["add", "app.example", "--upstream", UPSTREAM, "--key-type", "dsa"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('ngcert: Invalid values:\n  Argument: key-type, Given: "dsa", Choices: "ecdsa", "rsa"\nRun `ngcert --help` for usage.\n');
  });
});

describe("ngcert remove refuses: exit 2, nothing changed, no program run", () => {
  it("an unknown name", async () => {
    const line = await expectRefused(["remove", "nothing.example"]);
    expect(line).toBe(`ngcert: no ngcert site named nothing.example (${sitePath(nginxDir, "nothing.example")} does not exist); \`ngcert status\` lists the certificates`);
    expect(await expectRefused(["remove", "nothing.example", "--delete-cert"])).toBe(line);
  });

  it.each(["../../etc/passwd", "/etc/passwd", "a;b.example", "$(id)", "App.Example", "a b", "*.example", "a.example\nb", "a.example-"])("the name %j", async (name) => {
    const line = await expectRefused(["remove", name]);
    expect(line).toBe(`ngcert: \`${name.replace("\n", "\\n")}\` is not a site name: sites are named after their first domain, such as app.example.com`);
  });

  it("no name, two names, an unknown flag", async () => {
    expect(await expectRefused(["remove"])).toMatch(/^ngcert: Not enough non-option arguments/);
    expect(await expectRefused(["remove", "a.example", "b.example"])).toMatch(/^ngcert: Unknown argument: b\.example/);
    expect(await expectRefused(["remove", "a.example", "--delete-certificate"])).toMatch(/^ngcert: Unknown arguments?: delete-certificate/);
  });
});

describe("ngcert add stops with exit 1 before running any program", () => {
  it("on a server that is not set up", async () => {
    await rm(acmeSnippetPath(nginxDir));
    const result = await runUntouched(["add", "app.example", "--upstream", UPSTREAM]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("ngcert: this server is not set up for ngcert yet: run `ngcert init` first\n");
  });

  it("when a lineage of that name has a renewal conf certbot refuses: reused, it would never be renewed", async () => {
    const issuer = await makeCa({ name: "Test R1" });
    const leaf = await makeLeaf({ domains: ["app.example"], issuer });
    await writeLineage(workspace.letsencryptDir, { name: "app.example", leaf, chain: [issuer] });
    const conf = path.join(workspace.letsencryptDir, "renewal", "app.example.conf");
    await writeFile(conf, "version = 2.1.0\n[renewalparams]\nauthenticator = webroot\n");
    const result = await runUntouched(["add", "app.example", "--upstream", UPSTREAM]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ngcert: ${conf}: certbot will not renew this certificate: renewal config file is missing a required file reference (no "cert"). Fix what it names (\`ngcert doctor app.example\` shows it) or remove the lineage (certbot delete --cert-name app.example), then run ngcert add again. Nothing was changed.\n`,
    );
  });

  it("when the site file was edited by hand", async () => {
    const file = sitePath(nginxDir, "app.example");
    await writeFile(file, `${markOwned("server { }\n")}# and a line of our own\n`);
    const result = await runUntouched(["add", "app.example", "--upstream", UPSTREAM]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ngcert: ${file} was edited since ngcert wrote it: ngcert add will not overwrite it`);
  });

  it("when the challenge path answers 403: names the domain, the request and the status, the include line; the CA is not contacted", async () => {
    blockerStatus = 403;
    const result = await runUntouched(["add", "app.example", "www.app.example", "--upstream", UPSTREAM]);
    expect(result.code).toBe(1);
    const token = "[A-Za-z0-9_-]{43}";
    expect(result.stderr).toMatch(
      new RegExp(
        `^ngcert: the challenge path does not work through nginx on port ${blockerPort}, so the CA could not validate:\n` +
          `  app\\.example: http://app\\.example:${blockerPort}/\\.well-known/acme-challenge/${token} \\(127\\.0\\.0\\.1\\): HTTP 403\n` +
          `  www\\.app\\.example: http://www\\.app\\.example:${blockerPort}/\\.well-known/acme-challenge/${token} \\(127\\.0\\.0\\.1\\): HTTP 403\n` +
          `A port-${blockerPort} server block of your own probably answers for that name: add \`include ${acmeSnippetPath(nginxDir).replace(/[.]/g, "\\.")};\` inside it ` +
          "\\(`ngcert init` names such blocks\\), reload nginx and try again\\. The CA was not contacted; nothing was changed\\.\n$",
      ),
    );
  });

  it("when the challenge path redirects: follows it as the CA would, and names where it led", async () => {
    blockerStatus = 301;
    const result = await runUntouched(["add", "app.example", "--upstream", UPSTREAM]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`\n {2}app\\.example: http://app\\.example:${blockerPort}/\\.well-known/acme-challenge/\\S+ \\(127\\.0\\.0\\.1\\): HTTP 301 to https://app\\.example:${blockerPort}/\\S+ \\(127\\.0\\.0\\.1\\): no TLS handshake \\(wrong version number\\): plain HTTP on that port\\?\n`),
    );
  });

  it("when nothing listens on the HTTP port", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen({ host: "127.0.0.1", port: 0 }, () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const result = await runUntouched(["add", "app.example", "--upstream", UPSTREAM, "--http-port", String(closed)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\n {2}app\.example: http:\/\/app\.example:\d+\/\.well-known\/acme-challenge\/\S+ \(127\.0\.0\.1\): connection refused\n/);
    expect(result.stderr).toContain("The CA was not contacted; nothing was changed.");
  });
});
