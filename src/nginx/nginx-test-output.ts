// What `nginx -t` says when it refuses a configuration: the first [emerg] line, the file and line it names, and the
// certificate or key file it could not load (nginx names no config line for those).

export interface NginxTestFailure {
  /** The message without nginx's timestamp and pid prefix, e.g. `unknown directive "foo"`. */
  message: string;
  file: string | undefined;
  line: number | undefined;
  /** For "cannot load certificate (key)" or "SSL_CTX_use_PrivateKey(...) failed": the file nginx could not use. */
  loadFile: string | undefined;
}

const PREFIX = /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )?(?:nginx: )?\[(emerg|alert|crit)\] (?:\d+#\d+: )?(.*)$/;

export function parseNginxTestOutput(output: string): NginxTestFailure {
  const lines = output.split("\n").map((line) => line.trim());
  const fatal = lines.map((line) => PREFIX.exec(line)).find((match) => match !== null);
  const message = fatal ? fatal[2]! : (lines.find((line) => line !== "" && !/test failed$/.test(line)) ?? "");
  const where = / in (\/[^\s]+):(\d+)$/.exec(message);
  const load = /(?:cannot load certificate(?: key)?|SSL_CTX_use_\w+\() ?"([^"]+)"/.exec(message);
  return {
    message: where ? message.slice(0, where.index) : message,
    file: where?.[1],
    line: where ? Number(where[2]) : undefined,
    loadFile: load?.[1],
  };
}

/** nginx's [warn] lines, without timestamp and pid. */
export function parseNginxWarnings(output: string): string[] {
  return output
    .split("\n")
    .map((line) => /\[warn\] (?:\d+#\d+: )?(.*)$/.exec(line.trim())?.[1])
    .filter((line): line is string => line !== undefined);
}
