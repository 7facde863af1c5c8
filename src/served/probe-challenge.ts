// Proves the challenge path works end to end: a random probe file in the webroot, fetched through the local nginx on
// the HTTP port with a given Host header, exactly as the CA would fetch a token.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { randomBytes } from "node:crypto";

export interface ProbeResult {
  host: string;
  ok: boolean;
  /** "HTTP 403", "HTTP 301 to https://…", "connection refused", … */
  seen: string;
}

export const CHALLENGE_PATH = "/.well-known/acme-challenge/";

function fetchOnce(options: { address: string; port: number; host: string; urlPath: string; timeoutMs: number }): Promise<{ status: number; body: string; location?: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: options.address, port: options.port, path: options.urlPath, method: "GET", headers: { Host: options.host }, timeout: options.timeoutMs, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
        res.on("error", (error) => resolve({ error: error.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", (error) => resolve({ error: (error as NodeJS.ErrnoException).code === "ECONNREFUSED" ? "connection refused" : error.message }));
    req.end();
  });
}

export async function probeChallengePath(options: { webroot: string; address: string; port: number; hosts: readonly string[]; timeoutMs?: number }): Promise<ProbeResult[]> {
  const dir = path.join(options.webroot, CHALLENGE_PATH);
  const token = `ngcert-probe-${randomBytes(12).toString("hex")}`;
  const file = path.join(dir, token);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeFileSync(file, token, { mode: 0o644 });
  try {
    return await Promise.all(
      options.hosts.map(async (host) => {
        const answer = await fetchOnce({ address: options.address, port: options.port, host, urlPath: `${CHALLENGE_PATH}${token}`, timeoutMs: options.timeoutMs ?? 5_000 });
        if ("error" in answer) return { host, ok: false, seen: answer.error };
        if (answer.status === 200 && answer.body.trim() === token) return { host, ok: true, seen: "HTTP 200" };
        const seen = `HTTP ${answer.status}${answer.location ? ` redirecting to ${answer.location}` : ""}${answer.status === 200 ? " with other content" : ""}`;
        return { host, ok: false, seen };
      }),
    );
  } finally {
    rmSync(file, { force: true });
  }
}
