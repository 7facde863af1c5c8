// The nginx version decides how HTTP/2 is switched on: `http2 on;` from 1.25.1, a listen parameter before.
import type { Exec } from "../exec.js";

export async function readNginxVersion(nginxBin: string, exec: Exec): Promise<[number, number, number] | undefined> {
  const result = await exec(nginxBin, ["-v"], { allowFailure: true });
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(result.stderr + result.stdout);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

export function http2Style(version: readonly number[] | undefined): "directive" | "listen" | "none" {
  if (!version) return "none";
  const [major = 0, minor = 0, patch = 0] = version;
  if (major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)))) return "directive";
  if (major === 1 && minor >= 10) return "listen"; // 1.9.5 introduced it; stay on well-trodden versions
  return "none";
}
