// The watcher's events: one JSON line each on stdout, the same JSON on --on-event's stdin.

export type WatchEventKind = "started" | "changed" | "removed" | "verified" | "deferred" | "reloaded" | "problem" | "expiring" | "checked" | "renewed" | "renewal-info";

export interface WatchEvent {
  time: string;
  event: WatchEventKind;
  name?: string;
  [detail: string]: unknown;
}

export function makeEvent(now: Date, event: WatchEventKind, name: string | undefined, details: Record<string, unknown> = {}): WatchEvent {
  return { time: now.toISOString(), event, ...(name === undefined ? {} : { name }), ...details };
}

export function renderEventLine(event: WatchEvent): string {
  return `${JSON.stringify(event)}\n`;
}
