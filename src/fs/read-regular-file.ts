// Reads a file that must be an ordinary one (a renewal conf, the config file): a FIFO would block the read forever and
// a device (a symlink to /dev/zero) never ends, so neither is read. Opened without blocking, then judged by fstat.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** Larger than any renewal conf or config file certbot or ngcert writes by far. */
export const MAX_TEXT_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A Node-style error, so callers that map `code` keep working: EISDIR, ENOTREG (FIFO, device, socket), EFBIG. `what`
 * says what the file is instead, for a message: "a FIFO, not a regular file", "20000000 bytes, more than …".
 */
export class FileKindError extends Error {
  constructor(
    readonly code: "EISDIR" | "ENOTREG" | "EFBIG",
    readonly what: string,
    file: string,
  ) {
    super(`${code}: ${file} is ${what}`);
  }
}

function describeFileType(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

export function readRegularFile(file: string, maxBytes = MAX_TEXT_FILE_BYTES): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new FileKindError("EISDIR", "a directory", file);
    if (!stat.isFile()) throw new FileKindError("ENOTREG", `${describeFileType(stat)}, not a regular file`, file);
    if (stat.size > maxBytes) throw new FileKindError("EFBIG", `${stat.size} bytes, more than the ${maxBytes} a file of this kind may have`, file);
    // The size fstat gave (readFileSync(fd) would fstat again): a file that grows meanwhile is read as it was.
    const buffer = Buffer.allocUnsafe(stat.size);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
