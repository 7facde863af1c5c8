// renew_before_expiry in a renewal conf: whose it is (ngcert's owned comment naming the very value, or the owner's),
// and ngcert's edit, byte for byte what certbot's configobj writes for the same change, kept by configobj when
// certbot rewrites the conf after a renewal (storage.write_renewal_config loads, updates and writes it).
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { readRenewBeforeExpiry, renderOwnedComment } from "../../src/certbot/renew-before-expiry.js";
import { setRenewBeforeExpiry } from "../../src/certbot/write-renewal-conf.js";
import { CERTBOT_PYTHON, configobjParse } from "../migrate/configobj-oracle.js";

const fixture = (name: string): string => readFileSync(path.resolve("fixtures/renewal", name), "utf8");

/** configobj's own edit: the key set with its comment line above, as ConfigObj writes a new or changed scalar. */
async function configobjSet(text: string, value: string, comment: string): Promise<string> {
  const script = `
import configobj, io, json, sys
args = json.loads(sys.stdin.read())
c = configobj.ConfigObj(io.BytesIO(args["text"].encode("utf-8")), encoding="utf-8", default_encoding="utf-8")
c["renew_before_expiry"] = args["value"]
c.comments["renew_before_expiry"] = [args["comment"]]
out = io.BytesIO()
c.write(out)
sys.stdout.write(out.getvalue().decode("utf-8"))
`;
  return (await execa(CERTBOT_PYTHON, ["-c", script], { input: JSON.stringify({ text, value, comment }), stripFinalNewline: false })).stdout;
}

/** What certbot does to a conf after a renewal: load it, set version/archive_dir/the four paths again, write it. */
async function certbotRewrite(text: string): Promise<string> {
  const script = `
import configobj, io, sys
c = configobj.ConfigObj(io.BytesIO(sys.stdin.read().encode("utf-8")), encoding="utf-8", default_encoding="utf-8")
c["version"] = "2.1.0"
for kind in ("archive_dir", "cert", "privkey", "chain", "fullchain"):
    c[kind] = c[kind]
if "renew_before_expiry" not in c:
    c.initial_comment = ["renew_before_expiry = 30 days"]
out = io.BytesIO()
c.write(out)
sys.stdout.write(out.getvalue().decode("utf-8"))
`;
  return (await execa(CERTBOT_PYTHON, ["-c", script], { input: text, stripFinalNewline: false })).stdout;
}

const COMMENT = renderOwnedComment("3 days", "half of its 6-day lifetime");

describe("readRenewBeforeExpiry", () => {
  it("finds none in a conf certbot wrote (its default is only a comment)", () => {
    expect(readRenewBeforeExpiry(fixture("certbot-2-webroot.conf"))).toBeUndefined();
  });

  it("tells ngcert's value (the owned comment names it) from the owner's", () => {
    const head = "version = 2.1.0\ncert = /c\n";
    expect(readRenewBeforeExpiry(`${head}${COMMENT}\nrenew_before_expiry = 3 days\n`)).toEqual({ value: "3 days", isList: false, byNgcert: true, line: 4 });
    // The owner changed the value and left ngcert's comment: theirs now.
    expect(readRenewBeforeExpiry(`${head}${COMMENT}\nrenew_before_expiry = 10 days\n`)).toMatchObject({ value: "10 days", byNgcert: false });
    expect(readRenewBeforeExpiry(`${head}renew_before_expiry = 3 days\n`)).toMatchObject({ value: "3 days", byNgcert: false });
    expect(readRenewBeforeExpiry(`${head}# my choice\nrenew_before_expiry = "3 days" # inline\n`)).toMatchObject({ value: "3 days", byNgcert: false });
    expect(readRenewBeforeExpiry(`${head}renew_before_expiry = 3 days, 4 hours\n`)).toMatchObject({ isList: true, byNgcert: false });
  });

  it("only reads the top level, where certbot looks", () => {
    expect(readRenewBeforeExpiry("cert = /c\n[renewalparams]\nrenew_before_expiry = 3 days\n")).toBeUndefined();
  });
});

describe("setRenewBeforeExpiry", () => {
  for (const name of ["certbot-2-webroot.conf", "certbot-2-standalone.conf", "certbot-2-hooks.conf"]) {
    it(`writes what configobj writes, and certbot keeps it through a renewal: ${name}`, async () => {
      const text = fixture(name);
      const edit = setRenewBeforeExpiry(text, "3 days", COMMENT);
      expect(edit.ok).toBe(true);
      const ours = edit.ok ? edit.text : "";
      expect(ours).toBe(await configobjSet(text, "3 days", COMMENT));
      expect(await configobjParse(ours)).toMatchObject({ renew_before_expiry: "3 days" });
      const rewritten = await certbotRewrite(ours);
      expect(readRenewBeforeExpiry(rewritten)).toMatchObject({ value: "3 days", byNgcert: true });
    });
  }

  it("replaces its own value in place, comment and all", () => {
    const first = setRenewBeforeExpiry(fixture("certbot-2-webroot.conf"), "3 days", COMMENT);
    const second = setRenewBeforeExpiry(first.ok ? first.text : "", "21 days 8 hours", renderOwnedComment("21 days 8 hours", "a third of its 64-day lifetime"));
    expect(second.ok && readRenewBeforeExpiry(second.text)).toMatchObject({ value: "21 days 8 hours", byNgcert: true });
    expect(second.ok && second.text.split("\n").filter((line) => line.includes("renew_before_expiry") || line.includes("ngcert-owned"))).toEqual([
      "# renew_before_expiry = 30 days",
      "# ngcert-owned: 21 days 8 hours (a third of its 64-day lifetime); ngcert leaves a value you write here alone",
      "renew_before_expiry = 21 days 8 hours",
    ]);
  });

  it("drops its own comment left behind when someone removed the value line", () => {
    const first = setRenewBeforeExpiry(fixture("certbot-2-webroot.conf"), "3 days", COMMENT);
    const removed = (first.ok ? first.text : "").replace(/^renew_before_expiry = .*\n/m, "");
    expect(readRenewBeforeExpiry(removed)).toBeUndefined();
    const again = setRenewBeforeExpiry(removed, "3 days", COMMENT);
    expect(again).toEqual(first);
  });

  it("never touches the owner's value", () => {
    const text = "version = 2.1.0\ncert = /c\nrenew_before_expiry = 10 days\n\n[renewalparams]\nauthenticator = webroot\n";
    expect(setRenewBeforeExpiry(text, "3 days", COMMENT)).toEqual({ ok: false, reason: "renew_before_expiry there is the owner's" });
  });
});
