// Side effects come in through this one object; `defaultContext` holds the real ones, tests pass their own.
import { execProgram, type Exec } from "./exec.js";

export interface Output {
  write(text: string): void;
}

export interface Context {
  exec: Exec;
  env: Record<string, string | undefined>;
  now: () => Date;
  cwd: string;
  stdout: Output;
  stderr: Output;
  /** stdout is a terminal: tables get colour and progress is shown. */
  isTTY: boolean;
  /** The terminal's width, which --help wraps to; undefined when stdout is not a terminal. */
  columns?: number | undefined;
  /** The bundled CLI file, which can run as a worker thread; absent when running from source. */
  workerScript?: string | undefined;
  /** How to run this ngcert again (node and the bundle), for the certbot hooks; absent when running from source. */
  selfCommand?: string[] | undefined;
  /** The bundled program (dist/ngcert.js), its source map beside it: --verbose maps stack frames through it. */
  programFile?: string | undefined;
}

export function defaultContext(): Context {
  return {
    exec: execProgram,
    env: process.env,
    now: () => new Date(),
    cwd: process.cwd(),
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
  };
}

/** Colour only for a person at a terminal, and never under CI or NO_COLOR. */
export function useColor(context: Context): boolean {
  const env = context.env;
  return context.isTTY && env.NO_COLOR === undefined && env.CI === undefined && env.TERM !== "dumb";
}
