// Runs a Python oracle script with the interpreter that runs the system certbot (its shebang), so the oracle imports
// the very configobj and certbot modules certbot uses. Missing certbot: skipped on a laptop, a failure under CI.
import { accessSync, constants, readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";

export interface CertbotPython {
  python: string;
  certbot: string;
}

/** certbot's interpreter, or why there is none. */
export function findCertbotPython(): CertbotPython | { missing: string } {
  const certbot = findCertbot();
  if (!certbot) return { missing: "certbot is not installed (Debian: apt-get install certbot)" };
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(certbot, "utf8").slice(0, 200));
  if (!shebang) return { missing: `${certbot} has no #! line naming its Python` };
  return { python: shebang[1]!, certbot };
}

/** Whether the oracle suites run here: like the e2e suites, skipped without certbot unless CI is set. */
export function oracleCheck(): { skip: boolean; reason: string } {
  const found = findCertbotPython();
  if ("python" in found) return { skip: false, reason: "" };
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`CI=true and the certbot oracle cannot run: ${found.missing}`);
  console.warn(`ngcert: skipping the certbot differential suites: ${found.missing}`);
  return { skip: true, reason: found.missing };
}

function findCertbot(): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/bin", "/usr/local/bin"]) {
    const candidate = path.join(dir, "certbot");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Runs `script` with one JSON request on stdin; returns its JSON answer. */
export async function runOracle<T>(script: string, request: unknown, options: { timeoutMs?: number; cwd?: string } = {}): Promise<T> {
  const found = findCertbotPython();
  if (!("python" in found)) throw new Error(found.missing);
  const result = await execa(found.python, [script], {
    input: JSON.stringify(request),
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    cwd: options.cwd ?? "/",
    maxBuffer: 512 * 1024 * 1024,
    env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONIOENCODING: "utf-8" },
    extendEnv: true,
  });
  if (result.exitCode !== 0) throw new Error(`${found.python} ${script} exited ${result.exitCode}:\n${String(result.stderr).slice(-4000)}`);
  return JSON.parse(String(result.stdout)) as T;
}
