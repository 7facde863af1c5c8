// init on servers that already serve something, against the real nginx: it never changes which server answers for
// the owner's names or addresses, and every refusal's advice, followed literally, lets the next init succeed, after
// which a challenge token is served through nginx for the owner's names and for any other name.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { httpGet } from "../../src/world/http-get.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();

describe.skipIf(programs.skip)(`ngcert init beside the owner's own port-80 servers${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  const snippet = (): string => path.join(w().nginx.snippets, "ngcert-acme.conf");
  const owned: string[] = [];

  /** A file of the owner's in sites-enabled, then a reload so nginx serves it. */
  async function ownSite(name: string, body: string): Promise<string> {
    const file = path.join(w().nginx.sitesEnabled, name);
    await writeFile(file, body);
    owned.push(file);
    await w().reloadNginx();
    return file;
  }

  /** A token in the webroot, fetched through nginx on the HTTP port with each Host. */
  async function expectChallengeServed(hosts: readonly string[]): Promise<void> {
    const dir = path.join(w().dirs.webroot, ".well-known", "acme-challenge");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "token-123"), "token-123.thumbprint");
    for (const host of hosts) {
      const answer = await httpGet({ port: w().ports.http, path: "/.well-known/acme-challenge/token-123", host });
      expect({ host, status: answer.status, body: answer.body.trim() }).toEqual({ host, status: 200, body: "token-123.thumbprint" });
    }
  }

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
  });

  afterEach(async () => {
    for (const file of owned.splice(0)) await rm(file, { force: true });
    for (const file of [path.join(w().nginx.confD, "ngcert-acme.conf"), snippet()]) await rm(file, { force: true });
    await w().reloadNginx();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("an implicit default server (the first block, none says default_server): init stops; with the advice followed it leaves the default to it", async () => {
    const body = (extra: string): string =>
      `server {\n    listen 127.0.0.1:${w().ports.http}${extra};\n    server_name shop.example;\n    location / {\n        return 200 "shop\\n";\n    }\n}\n`;
    const file = await ownSite("shop", body(""));
    const first = await runNgcert(w(), ["init"]);
    expect(first.exitCode, describeRun(first)).toBe(1);
    expect(first.stderr).toContain(`  ${file}:2: the first server on 127.0.0.1:${w().ports.http} (shop.example)`);
    expect(first.stderr).toContain(`add \`default_server\` to its listen line and add \`include ${snippet()};\` inside its server block`);
    // A request for a name nginx does not know still goes to the owner's block.
    expect((await httpGet({ port: w().ports.http, path: "/", host: "unknown.example" })).body).toBe("shop\n");

    // The advice, literally.
    await writeFile(file, body(" default_server").replace("    server_name shop.example;\n", `    server_name shop.example;\n    include ${snippet()};\n`));
    await w().reloadNginx();
    const second = await runNgcert(w(), ["init"]);
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(await readFile(path.join(w().nginx.confD, "ngcert-acme.conf"), "utf8")).toContain("No catch-all server");
    expect((await httpGet({ port: w().ports.http, path: "/", host: "unknown.example" })).body).toBe("shop\n");
    await expectChallengeServed(["shop.example", "unknown.example"]);
  });

  it("a default server whose server-level return would still win: the advice moves it into location / first, and then it works", async () => {
    const file = await ownSite("legacy", `server {\n    listen 127.0.0.1:${w().ports.http} default_server;\n    server_name legacy.example;\n    return 301 https://$host$request_uri;\n}\n`);
    const first = await runNgcert(w(), ["init"]);
    expect(first.exitCode, describeRun(first)).toBe(1);
    expect(first.stderr).toContain("move its server-level `return` (line 4) into a `location / { ... }` block");
    await writeFile(
      file,
      `server {\n    listen 127.0.0.1:${w().ports.http} default_server;\n    server_name legacy.example;\n    include ${snippet()};\n    location / {\n        return 301 https://$host$request_uri;\n    }\n}\n`,
    );
    await w().reloadNginx();
    const second = await runNgcert(w(), ["init"]);
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(second.stderr).not.toContain("warning");
    await expectChallengeServed(["legacy.example", "other.example"]);
    expect((await httpGet({ port: w().ports.http, path: "/x", host: "legacy.example" })).status).toBe(301);
  });

  it("a catch-all on one address would swallow blocks listening on all: init stops; following each refusal's advice ends in a working init", async () => {
    const body = (listen: string, extra: string): string =>
      `server {\n    listen ${listen};\n    server_name all.example;\n${extra}    location / { return 200 "all\\n"; }\n}\n`;
    const file = await ownSite("everywhere", body(String(w().ports.http), ""));
    const first = await runNgcert(w(), ["init", "--listen-address", "127.0.0.1"]);
    expect(first.exitCode, describeRun(first)).toBe(1);
    expect(first.stderr).toContain(`a catch-all on 127.0.0.1 would get every request to that address`);
    expect(first.stderr).toContain(`  ${file}:2: listen *:${w().ports.http} (all.example)`);
    expect(first.stderr).toContain("Run ngcert init without --listen-address");
    expect((await httpGet({ port: w().ports.http, path: "/", host: "all.example" })).body).toBe("all\n");

    // Without --listen-address the catch-all would sit on *:<port>, where the owner's block is the implicit default.
    const second = await runNgcert(w(), ["init", "--listen-address="]);
    expect(second.exitCode, describeRun(second)).toBe(1);
    expect(second.stderr).toContain(`  ${file}:2: the first server on *:${w().ports.http} (all.example)`);
    await writeFile(file, body(`${w().ports.http} default_server`, `    include ${snippet()};\n`));
    await w().reloadNginx();
    const third = await runNgcert(w(), ["init", "--listen-address="]);
    expect(third.exitCode, describeRun(third)).toBe(0);
    expect((await httpGet({ port: w().ports.http, path: "/", host: "all.example" })).body).toBe("all\n");
    await expectChallengeServed(["all.example", "unknown.example"]);
  });
});
