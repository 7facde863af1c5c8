// write(2) may write less than it was given (a filesystem with a few blocks left): a write that must be whole loops
// until every byte is out, and a write that makes no progress fails as the disk being full.
import { writeSync } from "node:fs";

export function writeAllSync(fd: number, content: string | Uint8Array): void {
  let bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  while (bytes.length > 0) {
    const written = writeSync(fd, bytes);
    if (written <= 0) throw Object.assign(new Error(`ENOSPC: no space left on device, wrote ${written} of ${bytes.length} bytes`), { code: "ENOSPC" });
    bytes = bytes.subarray(written);
  }
}
