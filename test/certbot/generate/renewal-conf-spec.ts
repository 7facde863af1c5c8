// Generates the contents of renewal confs the way certbot fills them (root file paths, [renewalparams], [[webroot_map]]),
// with hook commands and other values in every quoting configobj has to deal with. configobj itself writes them
// (oracle/configobj_oracle.py, "write"); mutate-conf-bytes.ts then damages the written text the way editors and people do.
import type { Random } from "../../helpers/random.js";

export interface ConfSpec {
  root: Record<string, string | string[]>;
  renewalparams: Record<string, string | string[]>;
  webroot_map?: Record<string, string>;
}

/** Pieces of shell commands people put in hooks: quotes, comment signs, commas, interpolation, unicode, newlines. */
const HOOK_PIECES = [
  "systemctl reload nginx",
  "echo done",
  "echo it's done",
  'echo "quoted"',
  "printf '%s\\n' \"$RENEWED_DOMAINS\"",
  "cp \"$RENEWED_LINEAGE/fullchain.pem\" /srv/tls/",
  " # not a comment",
  "#",
  ",",
  ", ",
  "a, b",
  "=",
  "key = value",
  "[section]",
  "[[sub]]",
  "]",
  "%(authenticator)s",
  "%(server)s",
  "%(no_such_key)s",
  "%(webroot_path)s",
  "%%",
  "% done",
  "100%",
  "$HOME",
  "\\",
  "\\n",
  "'",
  '"',
  "''",
  '""',
  "'''",
  '"""',
  "\t",
  "\n",
  "\r",
  " ",
  "  ",
  "é",
  "中文",
  "😀",
  "\u00a0",
  "\u2028",
  "\u0085",
  "\u001c",
  "\u3000",
  "&&",
  ";",
  "|",
];

const AUTHENTICATORS = ["webroot", "webroot", "webroot", "nginx", "standalone", "manual", "apache", "dns-cloudflare"];
const SERVERS = ["https://acme-v02.api.letsencrypt.org/directory", "https://acme-staging-v02.api.letsencrypt.org/directory", "https://127.0.0.1:14000/dir"];
const VERSIONS = ["2.1.0", "1.21.0", "2.11.0", "0.40.0", "5.1.0", "2.1.0.dev0", "3.0.0rc1", "v2.1", "2.1.0+debian"];
const DOMAINS = ["example.com", "www.example.com", "api.example.org", "xn--bcher-kva.example", "*.example.net", "a-b.example", "Example.COM"];

function hook(random: Random): string {
  const pieces = random.int(5) + 1;
  let text = "";
  for (let i = 0; i < pieces; i++) text += random.pick(HOOK_PIECES);
  if (random.chance(0.1)) text = ` ${text}`;
  if (random.chance(0.1)) text = `${text} `;
  return text;
}

/** A value of the kind `kind` usually holds, sometimes something else entirely. */
function oddValue(random: Random, usual: () => string): string | string[] {
  const roll = random.next();
  if (roll < 0.8) return usual();
  if (roll < 0.9) return hook(random);
  return [usual(), hook(random)];
}

export function generateConfSpec(random: Random, paths: { live: string; archive: string }): ConfSpec {
  const root: Record<string, string | string[]> = {};
  if (random.chance(0.9)) root.version = oddValue(random, () => random.pick(VERSIONS));
  if (random.chance(0.9)) root.archive_dir = paths.archive;
  for (const kind of ["cert", "privkey", "chain", "fullchain"]) {
    if (random.chance(0.97)) root[kind] = random.chance(0.97) ? `${paths.live}/${kind}.pem` : oddValue(random, () => `${paths.live}/${kind}.pem`);
  }
  if (random.chance(0.15)) root.renew_before_expiry = oddValue(random, () => random.pick(["30 days", "2 weeks", "10", "1 month 2 days"]));

  const params: Record<string, string | string[]> = {};
  if (random.chance(0.9)) params.account = "0123456789abcdef0123456789abcdef";
  const authenticator = random.pick(AUTHENTICATORS);
  if (random.chance(0.92)) params.authenticator = random.chance(0.95) ? authenticator : oddValue(random, () => authenticator);
  if (random.chance(0.9)) params.server = random.pick(SERVERS);
  if (random.chance(0.8)) params.key_type = random.pick(["ecdsa", "rsa", "RSA"]);
  if (random.chance(0.2)) params.rsa_key_size = random.pick(["2048", "4096", " 3072 ", "+2048", "2_048", "two thousand", "٢٠٤٨"]);
  if (random.chance(0.2)) params.reuse_key = random.pick(["True", "False", "true", "FALSE", "yes", "1"]);
  if (random.chance(0.1)) params.autorenew = random.pick(["True", "False", "maybe"]);
  if (random.chance(0.1)) params.http01_port = random.pick(["80", "None", "eighty", "8080"]);
  if (random.chance(0.2)) params.pref_challs = random.pick([["http-01"], ["http-01", "dns-01"], "http-01", ["smtp-01"], ["http"]]);
  if (random.chance(0.1)) params.must_staple = random.pick(["False", "True", "no"]);
  for (const key of ["pre_hook", "post_hook", "deploy_hook", "renew_hook"]) if (random.chance(0.35)) params[key] = hook(random);
  if (authenticator === "webroot" && random.chance(0.9)) {
    params.webroot_path = random.chance(0.8) ? ["/var/www/acme-challenge"] : ["/var/www/acme-challenge", `/srv/${hook(random)}`];
  }
  if (authenticator === "nginx" && random.chance(0.3)) params.nginx_sleep_seconds = random.pick(["1", "0.5", "soon"]);
  if (authenticator === "dns-cloudflare" && random.chance(0.5)) params.dns_cloudflare_propagation_seconds = random.pick(["10", "ten", "None"]);
  if (random.chance(0.1)) params[random.pick(["foo", "Unknown Key", "é_key", "a=b", "#key", "x,y"])] = hook(random);

  const spec: ConfSpec = { root, renewalparams: params };
  if (authenticator === "webroot" && random.chance(0.85)) {
    const map: Record<string, string> = {};
    for (const domain of random.sample(DOMAINS, random.int(3) + 1)) map[domain] = random.chance(0.9) ? "/var/www/acme-challenge" : hook(random);
    spec.webroot_map = map;
  }
  return spec;
}
