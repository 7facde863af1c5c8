// Reads the JSON config file; a missing file means "no settings from a file".
import { FileKindError, readRegularFile } from "../fs/read-regular-file.js";
import { NgcertError, isNodeError } from "../errors.js";

export function readConfigFile(configPath: string): Record<string, unknown> {
  let text: string;
  try {
    text = readRegularFile(configPath).toString("utf8");
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return {};
    const reason = error instanceof FileKindError ? `it is ${error.what}` : isNodeError(error) ? error.code : String(error);
    throw new NgcertError("CONFIG", `cannot read config file ${configPath}: ${reason}`, { cause: error });
  }
  return parseConfigText(text, configPath);
}

export function parseConfigText(text: string, configPath: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NgcertError("CONFIG", `config file ${configPath} is not valid JSON: ${reason}`, { cause: error });
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new NgcertError("CONFIG", `config file ${configPath} must hold a JSON object such as {"email": "ops@example.com"}`);
  }
  return data as Record<string, unknown>;
}
