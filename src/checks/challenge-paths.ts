// The challenge path of every domain, judged as the CA judges it: predicted from the configuration and, while nginx
// runs, proven by a real token fetched through nginx at the address the name reaches on this machine. What doctor
// reports and what migrate requires before it touches a lineage.
import type { NginxState } from "../nginx/read-nginx-state.js";
import { acmeServerPath, acmeSnippetPath } from "../nginx/render-acme.js";
import { reachableAddresses } from "../nginx/virtual-servers.js";
import { resolveLocalAddresses, type Lookup } from "../served/local-address.js";
import { probeAcmePath, randomToken, type AcmeProbe } from "../served/probe-acme-path.js";
import { judgeChallenge, type ChallengeFinding } from "./challenge-findings.js";
import { predictChallenge, type ChallengePrediction } from "./predict-challenge.js";

export interface ChallengeSubject {
  lineage: string;
  domain: string;
  /** Where certbot will write this domain's token. */
  webroot: string;
  /** For messages: "the shared webroot /var/www/acme-challenge". */
  purpose: string;
}

export interface ChallengeResult {
  subject: ChallengeSubject;
  prediction: ChallengePrediction;
  /** Absent when nginx does not run: the prediction is all there is. */
  probe: AcmeProbe | undefined;
  ok: boolean;
  judged: ChallengeFinding | undefined;
}

export interface ChallengeSettings {
  httpPort: number;
  httpsPort: number;
  listenAddress: string;
  snippetPath: string;
  catchAllPath: string;
}

/** The settings the challenge checks need, from ngcert's settings. */
export function challengeSettingsOf(settings: { httpPort: number; httpsPort: number; listenAddress: string; nginxDir: string }): ChallengeSettings {
  return { httpPort: settings.httpPort, httpsPort: settings.httpsPort, listenAddress: settings.listenAddress, snippetPath: acmeSnippetPath(settings.nginxDir), catchAllPath: acmeServerPath(settings.nginxDir) };
}

/** The address a name reaches: its own when it resolves to this host, else the listen address. */
export async function makeAddressFor(nginx: NginxState, settings: ChallengeSettings, names: readonly string[], lookup?: Lookup): Promise<(host: string) => string> {
  const local = await resolveLocalAddresses(names, lookup ? { lookup } : {});
  const fallback = settings.listenAddress || reachableAddresses(nginx.servers, settings.httpPort)[0] || "127.0.0.1";
  return (host) => local.get(host.toLowerCase()) ?? fallback;
}

export async function checkChallengePaths(nginx: NginxState, settings: ChallengeSettings, subjects: readonly ChallengeSubject[], lookup?: Lookup): Promise<ChallengeResult[]> {
  const addressFor = await makeAddressFor(nginx, settings, subjects.map((subject) => subject.domain), lookup);
  const token = randomToken();
  const ports = { httpPort: settings.httpPort, httpsPort: settings.httpsPort };
  const probes = new Map<string, AcmeProbe>();
  const unprobed = new Map<string, string>();
  if (nginx.running) {
    for (const webroot of new Set(subjects.map((subject) => subject.webroot))) {
      const domains = [...new Set(subjects.filter((subject) => subject.webroot === webroot).map((subject) => subject.domain))];
      try {
        for (const probe of await probeAcmePath({ webroot, domains, ...ports, addressFor, token })) probes.set(`${webroot}\n${probe.domain}`, probe);
      } catch (error) {
        // Not allowed to put a token there (not root): the configuration's verdict is all there is.
        unprobed.set(webroot, `cannot put a probe token in ${webroot} (${(error as NodeJS.ErrnoException).code ?? String(error)}; run as root)`);
      }
    }
  } else {
    for (const subject of subjects) unprobed.set(subject.webroot, "nginx is not running");
  }
  return subjects.map((subject) => {
    const prediction = predictChallenge({ servers: nginx.servers, http: nginx.tree.http, prefix: nginx.prefix }, {
      domain: subject.domain,
      webroot: subject.webroot,
      token,
      ...ports,
      addressFor,
    });
    const probe = probes.get(`${subject.webroot}\n${subject.domain}`);
    // Without a probe (nginx down, no right to write the token) the prediction stands in for it, and says so.
    const verdict: AcmeProbe = probe ?? { domain: subject.domain, ok: prediction.ok === true, hops: [], seen: `${unprobed.get(subject.webroot) ?? "not probed"}; from the configuration: ${prediction.ok ? "it would work" : prediction.verdict}` };
    const judged = judgeChallenge(prediction, verdict, { lineage: subject.lineage, snippetPath: settings.snippetPath, catchAllPath: settings.catchAllPath, servers: nginx.servers, purpose: subject.purpose });
    return { subject, prediction, probe, ok: verdict.ok, judged };
  });
}
