// Is a process id alive? Signal 0 tests without signalling; EPERM means alive but someone else's.
import { isNodeError } from "../errors.js";

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isNodeError(error) && error.code === "EPERM";
  }
}
