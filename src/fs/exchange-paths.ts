// Swaps two directories in one step with renameat2(RENAME_EXCHANGE), the only way to replace a non-empty directory
// atomically on Linux. Node has no binding for it, so python3 calls the C library (python3 is there wherever certbot
// is: it is certbot). Where that is not possible (no python3, a kernel or filesystem without RENAME_EXCHANGE) the
// caller falls back to a journalled step-by-step swap.
import { spawnSync } from "node:child_process";

const SCRIPT = `import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fn = getattr(libc, "renameat2", None)
if fn is None:
    sys.exit(3)
if fn(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2) != 0:
    e = ctypes.get_errno()
    sys.stderr.write(os.strerror(e))
    sys.exit(3 if e in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP) else 1)
`;

export type ExchangeResult = "exchanged" | "unsupported";

/** Throws when the exchange was possible but failed (a missing path, no permission). */
export function exchangePaths(a: string, b: string): ExchangeResult {
  const result = spawnSync("python3", ["-c", SCRIPT, a, b], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "ignore", "pipe"] });
  if (result.error || result.status === 3 || result.status === 127) return "unsupported";
  if (result.status !== 0) throw new Error(`cannot exchange ${a} and ${b}: ${result.stderr.trim() || `exit code ${result.status}`}`);
  return "exchanged";
}
