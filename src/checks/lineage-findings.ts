// How each lineage will renew, judged from its renewal conf: an authenticator that needs nginx stopped or a person
// present, hooks that stop or restart nginx, a webroot certbot cannot use, hook commands that do not exist.
import { analyzeHook, interruptsNginx } from "../certbot/hook-commands.js";
import type { RenewalConf } from "../certbot/renewal-conf.js";
import { finding, type Finding } from "./finding.js";

export interface LineageInput {
  name: string;
  confPath: string | undefined;
  /** undefined when the conf could not be read or parsed (confError says why). */
  conf: RenewalConf | undefined;
  confError: string | undefined;
  domains: string[];
}

/** The renewal conf keys that hold hook commands (certbot stores --deploy-hook as renew_hook). */
export const HOOK_KEYS = ["pre_hook", "post_hook", "renew_hook"] as const;

/** Keys of [renewalparams] whose hook only stops, starts or restarts nginx: safe to drop once nginx need not stop. */
export function nginxOnlyHookKeys(conf: RenewalConf): string[] {
  return HOOK_KEYS.filter((key) => {
    const value = conf.params[key];
    if (typeof value !== "string") return false;
    const analysis = analyzeHook(value);
    return analysis.onlyNginx && analysis.actions.some((action) => action !== "reload");
  });
}

/** The webroot certbot will write each domain's token into, as its webroot plugin picks it. */
export function effectiveWebroots(conf: RenewalConf, domains: readonly string[]): Map<string, string | undefined> {
  const last = conf.webrootPath[conf.webrootPath.length - 1];
  return new Map(domains.map((domain) => [domain, conf.webrootMap[domain] ?? last]));
}

export function checkLineageConf(lineage: LineageInput, options: { commandExists(program: string): boolean }): Finding[] {
  const findings: Finding[] = [];
  const at = { lineage: lineage.name, file: lineage.confPath ?? null };
  const conf = lineage.conf;
  if (!conf) {
    findings.push(finding("RENEWAL_CONF_INVALID", "error", `${lineage.name}: ${lineage.confError ?? "no renewal conf"}: certbot will not renew it`, at));
    return findings;
  }
  const stopping = HOOK_KEYS.filter((key) => typeof conf.params[key] === "string" && interruptsNginx(analyzeHook(conf.params[key] as string)));
  const migrate = `\`ngcert migrate ${lineage.name}\` switches it to the shared webroot (nginx keeps serving) once \`ngcert doctor\` finds its challenge path working`;
  switch (conf.authenticator) {
    case "standalone":
      findings.push(
        finding(
          "AUTHENTICATOR_STANDALONE",
          stopping.length > 0 ? "warning" : "error",
          stopping.length > 0
            ? `${lineage.name}: renews with certbot's standalone authenticator, which binds port 80 itself: its hooks stop nginx, so every site on this server is down during each renewal`
            : `${lineage.name}: renews with certbot's standalone authenticator, which must bind port 80 where nginx listens: the renewal fails while nginx runs`,
          { ...at, fix: migrate },
        ),
      );
      break;
    case "nginx":
      findings.push(finding("AUTHENTICATOR_NGINX", "warning", `${lineage.name}: renews with certbot's nginx plugin, which edits and reloads nginx's configuration on its own for every renewal`, { ...at, fix: migrate }));
      break;
    case "manual":
      if (typeof conf.params.manual_auth_hook !== "string") {
        findings.push(finding("AUTHENTICATOR_MANUAL", "error", `${lineage.name}: renews with certbot's manual authenticator and no auth hook: an unattended renewal cannot answer the challenge`, { ...at, fix: migrate }));
      }
      break;
    case "webroot":
      if (conf.webrootPath.length === 0 && Object.keys(conf.webrootMap).length === 0) {
        findings.push(finding("WEBROOT_MAP_EMPTY", "error", `${lineage.name}: renews with webroot but neither webroot_path nor [[webroot_map]] says where: certbot would have to ask, and an unattended renewal fails`, { ...at, fix: migrate }));
      } else if (Object.keys(conf.webrootMap).length === 0) {
        findings.push(
          finding("WEBROOT_MAP_EMPTY", "warning", `${lineage.name}: [[webroot_map]] is empty, so certbot puts every domain's token in the last webroot_path, ${conf.webrootPath[conf.webrootPath.length - 1]}`, {
            ...at,
            fix: migrate,
          }),
        );
      }
      break;
    default:
      break;
  }
  for (const key of stopping) {
    const standalone = conf.authenticator === "standalone";
    findings.push(
      finding("HOOK_STOPS_NGINX", "warning", `${lineage.name}: ${key} = ${conf.params[key] as string}: nginx goes down (every site with it) on each renewal${standalone ? " — the standalone authenticator needs it until the lineage is migrated" : ", though this lineage does not need port 80 for itself"}`, {
        ...at,
        fix: standalone ? migrate : `remove ${key} from ${lineage.confPath ?? "the renewal conf"} (\`ngcert doctor --fix\`)`,
      }),
    );
  }
  for (const key of HOOK_KEYS) {
    const value = conf.params[key];
    if (typeof value !== "string" || value.trim() === "") continue;
    const program = value.trim().split(/\s+/)[0]!.replace(/^["']|["']$/g, "");
    if (!options.commandExists(program)) {
      findings.push(finding("HOOK_MISSING", "error", `${lineage.name}: ${key} runs ${program}, which does not exist: certbot refuses to renew with a hook it cannot find`, { ...at, fix: `install ${program}, or remove ${key} from the renewal conf` }));
    }
  }
  return findings;
}
