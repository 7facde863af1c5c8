// One error class for everything ngcert reports, with a code the CLI maps to an exit code.

export type ErrorCode =
  | "USAGE" // bad flags or arguments
  | "INVALID_INPUT" // a value the user typed or a file holds is not acceptable
  | "CONFIG" // the settings file cannot be used
  | "NOT_FOUND" // a named thing does not exist
  | "LOCKED" // another ngcert writer holds the lock
  | "EXEC_FAILED" // an external program failed
  | "NGINX_INVALID" // nginx -t refused the configuration
  | "RELOAD_FAILED" // the reload command failed, or nginx kept its previous configuration
  | "IO" // a file could not be read or written
  | "CONFLICT" // existing files or configuration stand in the way; nothing was changed
  | "UNREACHABLE" // another node of a cluster, or etcd, could not be reached
  | "PROBLEMS"; // the command ran and found problems

/** What an external program did: carried by errors so callers never rebuild the message from pieces. */
export interface ProgramRun {
  /** The command line as a person would type it, quoted where needed. */
  command: string;
  /** undefined: it did not exit by itself (not started, killed on timeout). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export class NgcertError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown under the message (e.g. a program's stderr). */
  readonly details: string | undefined;
  /** The program run this error is about, when it is about one. */
  readonly program: ProgramRun | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: string; program?: ProgramRun } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NgcertError";
    this.code = code;
    this.details = options.details;
    this.program = options.program;
  }
}

/** Exit code for an error: 2 when nothing was done because the input was bad, 1 otherwise. */
export function exitCodeFor(error: unknown): 1 | 2 {
  if (error instanceof NgcertError) {
    switch (error.code) {
      case "USAGE":
      case "INVALID_INPUT":
      case "CONFIG":
      case "NOT_FOUND":
        return 2;
      default:
        return 1;
    }
  }
  return 1;
}

export function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string";
}

/** An error's message, with the first line of what the program said when it is about a program. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const details = error instanceof NgcertError && error.details ? firstLine(error.details) : "";
  return details === "" || error.message.includes(details) ? error.message : `${error.message} (${details})`;
}

export function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
}

/** Control characters from a program's output or a file, shown escaped so they cannot rewrite the terminal. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
