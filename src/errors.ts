// One error class for everything ngcert reports, with a code the CLI maps to an exit code.

export type ErrorCode =
  | "USAGE" // bad flags or arguments
  | "INVALID_INPUT" // a value the user typed or a file holds is not acceptable
  | "CONFIG" // the settings file cannot be used
  | "NOT_FOUND" // a named thing does not exist
  | "LOCKED" // another ngcert writer holds the lock
  | "EXEC_FAILED" // an external program failed
  | "NGINX_INVALID" // nginx -t refused the configuration
  | "IO" // a file could not be read or written
  | "CONFLICT" // existing files or configuration stand in the way; nothing was changed
  | "PROBLEMS"; // the command ran and found problems

export class NgcertError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown under the message (e.g. a program's stderr). */
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NgcertError";
    this.code = code;
    this.details = options.details;
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
