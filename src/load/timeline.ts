// A load's samples counted per time slot (100 ms by default): requests answered and failed in each, the data behind
// the demo's picture and its sparkline. Pure.
import type { LoadSample } from "./https-load.js";

export interface Timeline {
  binMs: number;
  /** Requests that finished in each slot, counted from the load's start. */
  ok: number[];
  failed: number[];
}

export function binSamples(samples: readonly Pick<LoadSample, "at" | "ok">[], durationMs: number, binMs = 100): Timeline {
  const bins = Math.max(1, Math.ceil(durationMs / binMs));
  const ok = new Array<number>(bins).fill(0);
  const failed = new Array<number>(bins).fill(0);
  for (const sample of samples) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor(sample.at / binMs)));
    if (sample.ok) ok[index]! += 1;
    else failed[index]! += 1;
  }
  return { binMs, ok, failed };
}

/** Failed requests by kind (ECONNREFUSED, HTTP 502, ...). */
export function countErrors(samples: readonly Pick<LoadSample, "ok" | "error">[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const sample of samples) if (!sample.ok) errors[sample.error ?? "?"] = (errors[sample.error ?? "?"] ?? 0) + 1;
  return errors;
}
