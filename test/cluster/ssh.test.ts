// The ssh command line: every remote word quoted so that the remote shell (the oracle: a real sh) gets it back
// unchanged, and the host never read as an option.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { quoteForShell, sshArgs } from "../../src/cluster/ssh.js";
import { parseClusterConfig } from "../../src/settings/cluster-config.js";

describe("quoteForShell", () => {
  const words = ["plain", "/etc/ngcert/config.json", "with space", "it's", "$(id)", "`id`", "a;b", "*", "~root", "new\nline", "'", "", "--config=x"];
  it("gives sh back every word as it was", async () => {
    const script = `for w in ${words.map(quoteForShell).join(" ")}; do printf '%s\\0' "$w"; done`;
    const { stdout } = await execa("sh", ["-c", script], { stripFinalNewline: false });
    expect(stdout.split("\0").slice(0, -1)).toEqual(words);
  });
  it("leaves safe words bare", () => {
    expect(quoteForShell("/usr/bin/node")).toBe("/usr/bin/node");
    expect(quoteForShell("a b")).toBe("'a b'");
  });
});

describe("sshArgs", () => {
  const cluster = parseClusterConfig(
    { nodes: [{ name: "web1", host: "10.0.0.1" }, { name: "web2", host: "10.0.0.2", "ssh-port": 2222, command: ["/opt/ngcert dir/ngcert"] }], issuer: "web1", "ssh-key": "/k/id", "ssh-known-hosts": "/k/known", "ssh-user": "deploy" },
    "/c.json",
    "/",
  );
  it("never prompts, never accepts an unknown host key, ends options before the host, quotes the command", () => {
    const args = sshArgs(cluster, cluster.nodes[1]!, ["cluster", "report", "--json"]);
    expect(args.slice(-3)).toEqual(["--", "10.0.0.2", "'/opt/ngcert dir/ngcert' cluster report --json"]);
    const options = args.slice(0, -3).join(" ");
    for (const expected of ["BatchMode=yes", "StrictHostKeyChecking=yes", "ConnectTimeout=10", "-i /k/id", "IdentitiesOnly=yes", "UserKnownHostsFile=/k/known", "-p 2222", "-l deploy"]) expect(options).toContain(expected);
  });
});
