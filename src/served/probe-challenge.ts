// Proves the challenge path works end to end: a random probe file in the webroot, fetched through the local nginx on
// the HTTP port with a given Host header, exactly as the CA would fetch a token.
import { closeSync, constants, lstatSync, mkdirSync, openSync, rmdirSync, rmSync, writeSync } from "node:fs";
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
  const dir = path.resolve(options.webroot, `.${CHALLENGE_PATH}`);
  const token = `ngcert-probe-${randomBytes(12).toString("hex")}`;
  const file = path.join(dir, token);
  // The first directory this probe had to create, if any: removed again afterwards, so a probe leaves no trace.
  const created = makeChallengeDir(options.webroot, dir);
  try {
    // Created exclusively: never written through a symlink someone planted in the webroot.
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, token);
    } finally {
      closeSync(fd);
    }
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
    if (created !== undefined) removeEmptyDirs(dir, created);
  }
}

/**
 * Creates the directories from the webroot down to `dir` one at a time, refusing a symlink or another user's directory
 * on the way (as root, following one would write wherever it points). Returns the first one it created.
 */
function makeChallengeDir(webroot: string, dir: string): string | undefined {
  const uid = process.getuid?.();
  let created: string | undefined;
  let current = path.resolve(webroot);
  for (const part of ["", ...path.relative(current, dir).split(path.sep).filter(Boolean)]) {
    current = part === "" ? current : path.join(current, part);
    try {
      mkdirSync(current, { mode: 0o755 });
      created ??= current;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const stat = lstatSync(current);
    if (stat.isSymbolicLink() || !stat.isDirectory() || (uid !== undefined && stat.uid !== uid && stat.uid !== 0)) {
      throw new Error(`${current} is ${stat.isSymbolicLink() ? "a symlink" : !stat.isDirectory() ? "not a directory" : `owned by uid ${stat.uid}`}: refusing to write a probe through it`);
    }
  }
  return created;
}

/** rmdir from `dir` up to and including `top`, stopping at the first one that is not empty. */
function removeEmptyDirs(dir: string, top: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      rmdirSync(current);
    } catch {
      return;
    }
    if (current === top || current === path.dirname(current)) return;
  }
}
