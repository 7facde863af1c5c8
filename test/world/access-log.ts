// Reads the test nginx's access log (one JSON object per request, see nginx-conf.ts) for assertions.
import { readFile } from "node:fs/promises";

export interface AccessLogEntry {
  time: string;
  remote: string;
  host: string;
  port: string;
  method: string;
  uri: string;
  status: number;
  userAgent: string;
  scheme: string;
  sni: string;
}

export async function readAccessLog(file: string): Promise<AccessLogEntry[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AccessLogEntry);
}
