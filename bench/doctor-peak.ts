// Peak memory of `ngcert doctor` on the bench's lineages, in the case that makes it report the most: one nginx whose
// default server answers every name's challenge without ngcert's snippet (a finding per name, each with the same
// diff), nginx not running (so the configuration's verdict stands alone). Cold and warm facts cache, JSON and text.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runTimed } from "./measure.js";
import { BrokenRun, type RunnerSetup } from "./runners.js";
import { TARGETS } from "./targets.js";

/** Ports no test or bench listens on: nginx is never started, they only have to be valid. */
const HTTP_PORT = 18_480;
const HTTPS_PORT = 18_443;

export function renderDoctorPeak(setup: RunnerSetup): string {
  const scratch = mkdtempSync(path.join(tmpdir(), "ngcert-bench-doctor-"));
  try {
    const conf = path.join(scratch, "nginx.conf");
    mkdirSync(path.join(scratch, "html"));
    writeFileSync(
      conf,
      [
        `pid ${scratch}/nginx.pid;`,
        `error_log ${scratch}/error.log;`,
        "events {}",
        "http {",
        "  access_log off;",
        `  server {`,
        `    listen 127.0.0.1:${HTTP_PORT} default_server;`,
        "    server_name _;",
        `    root ${scratch}/html;`,
        "    location / {",
        "      try_files $uri $uri/ =404;",
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    const cacheDir = path.join(scratch, "cache");
    const args = (json: boolean): string[] => [
      setup.cliPath,
      "doctor",
      ...(json ? ["--json"] : []),
      "--letsencrypt-dir",
      setup.letsencryptDir,
      "--cache-dir",
      cacheDir,
      "--config",
      path.join(scratch, "ngcert.json"),
      "--nginx-conf",
      conf,
      "--nginx-dir",
      scratch,
      "--webroot",
      path.join(scratch, "acme"),
      "--http-port",
      String(HTTP_PORT),
      "--https-port",
      String(HTTPS_PORT),
    ];
    const names = setup.lineages.reduce((sum, lineage) => sum + lineage.domains.filter((domain) => !domain.startsWith("*.")).length, 0);
    const lines: string[] = [];
    for (const [label, json] of [
      ["--json, cold cache", true],
      ["--json, warm cache", true],
      ["text, warm cache", false],
    ] as const) {
      const run = runTimed(process.execPath, args(json), { env: setup.env, measureRss: true });
      if (run.status !== 1) throw new BrokenRun(`ngcert doctor (${label}) exited ${run.status}, not 1:\n${run.stderr.trim()}`);
      let findings: number;
      if (json) {
        const parsed = JSON.parse(run.stdout) as { findings: { code: string; fix: string | null }[] };
        const challenge = parsed.findings.filter((item) => item.code === "CHALLENGE_DEFAULT_SERVER");
        if (challenge.length < names / 2 || challenge.some((item) => item.fix === null || !item.fix.startsWith("--- "))) {
          throw new BrokenRun(`ngcert doctor (${label}) found ${challenge.length} CHALLENGE_DEFAULT_SERVER for ${names} names, or one without its diff`);
        }
        findings = parsed.findings.length;
      } else {
        findings = run.stdout.split(/\n(?=(?:error|warning) [A-Z_]+)/).length;
      }
      const peak = run.peakRssKiB === undefined ? Number.NaN : run.peakRssKiB / 1024;
      const pass = peak < TARGETS.peakRssMiB;
      lines.push(`  ${label.padEnd(20)} ${(run.ms / 1000).toFixed(1).padStart(6)} s  peak ${peak.toFixed(1).padStart(6)} MiB (< ${TARGETS.peakRssMiB})  ${pass ? "PASS" : "FAIL"}  ${findings} findings, ${run.stdout.length} bytes`);
    }
    return `\ndoctor on ${setup.lineages.length} lineages (${names} names), a default server answering every challenge without the snippet, nginx not running:\n${lines.join("\n")}\n`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
