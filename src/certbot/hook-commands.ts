// What a certbot hook command does to nginx: the `pre_hook = service nginx stop` / `post_hook = service nginx start`
// pair that standalone renewals need, and their many spellings. A command counts as "only nginx" when every part
// of it is such an action, so removing it loses nothing else.

export type NginxAction = "stop" | "start" | "restart" | "reload";

export interface HookAnalysis {
  /** The nginx actions the command performs, in order. */
  actions: NginxAction[];
  /** Every part of the command is an nginx action: removing the hook removes nothing else. */
  onlyNginx: boolean;
}

const SERVICE_VERBS: Record<string, NginxAction> = { stop: "stop", start: "start", restart: "restart", reload: "reload", "force-reload": "reload", "try-restart": "restart" };

function splitWords(part: string): string[] {
  return part
    .trim()
    .replace(/^["']|["']$/g, "")
    .split(/\s+/)
    .filter((word) => word !== "")
    .map((word) => word.replace(/^["']|["']$/g, ""));
}

function isNginxName(word: string | undefined): boolean {
  return word !== undefined && /^(nginx|nginx\.service|openresty)$/.test(word.replace(/^.*\//, ""));
}

/** The nginx action of one simple command, or undefined when it is something else. */
function classifyPart(part: string): NginxAction | undefined {
  let words = splitWords(part);
  while (words[0] === "sudo" || words[0] === "/usr/bin/sudo" || words[0] === "exec") words = words.slice(1);
  const [program = "", ...rest] = words;
  const base = program.replace(/^.*\//, "");
  if (base === "systemctl" || base === "rc-service" || base === "service" || base === "invoke-rc.d") {
    const args = rest.filter((word) => !word.startsWith("-"));
    const verb = args.find((word) => word in SERVICE_VERBS);
    return args.some(isNginxName) && verb ? SERVICE_VERBS[verb] : undefined;
  }
  if (/^\/etc\/(init\.d|rc\.d)\/nginx$/.test(program)) return rest[0] ? SERVICE_VERBS[rest[0]] : undefined;
  if (base === "docker" || base === "docker-compose" || base === "podman") {
    const verb = rest.find((word) => word in SERVICE_VERBS);
    return verb && rest.some((word) => /nginx/.test(word)) ? SERVICE_VERBS[verb] : undefined;
  }
  if (base === "killall" || base === "pkill") return rest.some((word) => isNginxName(word)) ? "stop" : undefined;
  if (base === "nginx" || base === "openresty") {
    const signal = rest[rest.indexOf("-s") + 1];
    if (!rest.includes("-s")) return rest.includes("-t") || rest.includes("-T") || rest.includes("-v") || rest.includes("-V") ? undefined : "start";
    if (signal === "stop" || signal === "quit") return "stop";
    if (signal === "reload") return "reload";
    return undefined;
  }
  return undefined;
}

export function analyzeHook(command: string): HookAnalysis {
  const parts = command.split(/&&|\|\||;|\n/).filter((part) => part.trim() !== "");
  const actions = parts.map(classifyPart);
  return { actions: actions.filter((action): action is NginxAction => action !== undefined), onlyNginx: parts.length > 0 && actions.every((action) => action !== undefined) };
}

/** Does the command take nginx down, even for a moment (stop, or restart, which drops every connection)? */
export function interruptsNginx(analysis: HookAnalysis): boolean {
  return analysis.actions.some((action) => action === "stop" || action === "restart");
}
