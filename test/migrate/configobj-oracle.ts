// certbot's own writer as the oracle for renewal conf edits: the Python configobj certbot 2.1 uses, loading the
// conf and applying the change as certbot's storage.write_renewal_config applies renewal values.
import { execa } from "execa";

// certbot's interpreter (its shebang), which has configobj: not whatever python3 is first on PATH.
export const CERTBOT_PYTHON = "/usr/bin/python3";

const SCRIPT = `
import configobj, io, json, sys
args = json.loads(sys.stdin.read())
c = configobj.ConfigObj(io.BytesIO(args["text"].encode("utf-8")), encoding="utf-8", default_encoding="utf-8")
rp = c["renewalparams"]
for key in args["remove"]:
    del rp[key]
if args["mode"] == "webroot":
    m = dict(rp.get("webroot_map", {}))
    for domain in args["domains"]:
        m[domain] = args["webroot"]
    rp.update({"authenticator": "webroot", "webroot_path": [args["webroot"]], "webroot_map": m})
out = io.BytesIO()
c.write(out)
parsed = configobj.ConfigObj(io.BytesIO(out.getvalue()), encoding="utf-8", default_encoding="utf-8")
sys.stdout.write(json.dumps({"text": out.getvalue().decode("utf-8"), "dict": parsed.dict()}))
`;

export interface OracleEdit {
  text: string;
  mode: "webroot" | "remove";
  webroot?: string;
  domains?: string[];
  remove: string[];
}

/** What configobj writes for the change, and how configobj reads it back. */
export async function configobjEdit(edit: OracleEdit): Promise<{ text: string; dict: unknown }> {
  const result = await execa(CERTBOT_PYTHON, ["-c", SCRIPT], { input: JSON.stringify(edit) });
  return JSON.parse(result.stdout) as { text: string; dict: unknown };
}

const PARSE = `
import configobj, io, json, sys
c = configobj.ConfigObj(io.BytesIO(sys.stdin.read().encode("utf-8")), encoding="utf-8", default_encoding="utf-8")
sys.stdout.write(json.dumps(c.dict()))
`;

/** How configobj (so certbot) reads a renewal conf. */
export async function configobjParse(text: string): Promise<unknown> {
  const result = await execa(CERTBOT_PYTHON, ["-c", PARSE], { input: text });
  return JSON.parse(result.stdout) as unknown;
}
