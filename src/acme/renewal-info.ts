// ACME Renewal Information (RFC 9773): the renewalInfo URL from a CA's directory, and the suggested window for one
// certificate, with the Retry-After the CA asks for (clamped to a minute .. a day, 6 hours when it says nothing).
// Every way of not getting a window (no ARI, 404, 500, garbage, a timeout) is an answer with an error, never a throw:
// a renewal is never blocked on the CA's renewal information.
import { FetchError, getJson, type GetOptions } from "./get-json.js";

const MINUTE_MS = 60_000;
export const ARI_DEFAULT_RECHECK_MS = 6 * 60 * MINUTE_MS;
export const ARI_MIN_RECHECK_MS = MINUTE_MS;
export const ARI_MAX_RECHECK_MS = 24 * 60 * MINUTE_MS;
/** After a failed question without a Retry-After: ask again in an hour. */
export const ARI_ERROR_RECHECK_MS = 60 * MINUTE_MS;
/** A directory is asked again (does it offer ARI now?) once a day. */
export const DIRECTORY_RECHECK_MS = 24 * 60 * MINUTE_MS;

export type RenewalInfoAnswer =
  | { ok: true; start: Date; end: Date; explanationURL: string | undefined; recheckMs: number }
  /** answered: the CA sent an HTTP answer (a 404, a 500), as opposed to none at all (refused, timed out). */
  | { ok: false; error: string; recheckMs: number; answered: boolean };

/** Retry-After as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

export function clampRecheck(ms: number | undefined, fallback: number): number {
  return Math.min(ARI_MAX_RECHECK_MS, Math.max(ARI_MIN_RECHECK_MS, ms ?? fallback));
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** Reads the CA's answer for one certificate. */
export function readRenewalInfo(status: number, body: unknown, retryAfter: string | undefined, now: Date): RenewalInfoAnswer {
  const asked = parseRetryAfter(retryAfter, now);
  if (status !== 200) {
    const error = status === 404 ? "the CA has no renewal information for this certificate (404)" : `the CA answered ${status}`;
    return { ok: false, error, recheckMs: clampRecheck(asked, ARI_ERROR_RECHECK_MS), answered: true };
  }
  const window = typeof body === "object" && body !== null ? (body as { suggestedWindow?: { start?: unknown; end?: unknown } }).suggestedWindow : undefined;
  const start = typeof window?.start === "string" ? Date.parse(window.start) : NaN;
  const end = typeof window?.end === "string" ? Date.parse(window.end) : NaN;
  // RFC 9773 §4.2: a window that ends at or before its start is as if no answer came.
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) return { ok: false, error: "the CA's answer holds no valid suggestedWindow", recheckMs: clampRecheck(asked, ARI_ERROR_RECHECK_MS), answered: true };
  const explanation = (body as { explanationURL?: unknown }).explanationURL;
  // As the URL serialiser writes it: no control characters reach a terminal or a log line.
  return { ok: true, start: new Date(start), end: new Date(end), explanationURL: isHttpUrl(explanation) ? new URL(explanation).href : undefined, recheckMs: clampRecheck(asked, ARI_DEFAULT_RECHECK_MS) };
}

/** The renewalInfo resource a directory names, undefined when it names none; throws FetchError when it cannot be read. */
export async function fetchRenewalInfoUrl(directoryUrl: string, options: GetOptions): Promise<string | undefined> {
  const response = await getJson(directoryUrl, options);
  if (response.status !== 200 || typeof response.body !== "object" || response.body === null) throw new FetchError(`${directoryUrl} answered ${response.status} without a directory`);
  const url = (response.body as { renewalInfo?: unknown }).renewalInfo;
  return isHttpUrl(url) ? url : undefined;
}

export function renewalInfoUrlFor(base: string, certId: string): string {
  return `${base.replace(/\/+$/, "")}/${certId}`;
}

export async function fetchRenewalInfo(base: string, certId: string, options: GetOptions & { now: () => Date }): Promise<RenewalInfoAnswer> {
  try {
    const response = await getJson(renewalInfoUrlFor(base, certId), options);
    return readRenewalInfo(response.status, response.body, response.retryAfter, options.now());
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error), recheckMs: ARI_ERROR_RECHECK_MS, answered: false };
  }
}
