// Scripts in certbot's renewal-hooks/ directories run around every renewal of every lineage: a line in one that
// stops or restarts nginx takes every site down each time, whatever the renewal confs say.
import { analyzeHook, interruptsNginx } from "../certbot/hook-commands.js";
import { finding, type Finding } from "./finding.js";

export interface HookScript {
  file: string;
  text: string;
}

export function checkHookScripts(scripts: readonly HookScript[]): Finding[] {
  const findings: Finding[] = [];
  for (const script of scripts) {
    script.text.split("\n").forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || !interruptsNginx(analyzeHook(line))) return;
      findings.push(
        finding("HOOK_STOPS_NGINX", "warning", `${script.file} runs \`${line}\` around every renewal: nginx goes down, and every site with it, each time certbot renews anything`, {
          file: script.file,
          line: index + 1,
          fix: `remove that line (nginx need not stop for webroot renewals; ngcert's own hooks reload it gracefully)`,
        }),
      );
    });
  }
  return findings;
}
