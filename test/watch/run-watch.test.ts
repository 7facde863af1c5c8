// The watcher's timers hold any delay --interval allows: setTimeout overflows past 2^31-1 ms (about 24.8 days) and
// fires after 1 ms, which made a long interval a busy loop of full checks.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_MS, startLongTimer } from "../../src/watch/run-watch.js";

describe("startLongTimer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits the whole of a delay longer than a timer holds (a year of --interval), in steps, then calls once", () => {
    const called = vi.fn();
    const setTimeoutSpy = vi.spyOn(globalThis, "setTimeout");
    const yearMs = 31_536_000 * 1000;
    startLongTimer(yearMs, called);
    for (const [, delay] of setTimeoutSpy.mock.calls) expect(delay).toBeLessThanOrEqual(MAX_TIMER_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(called).not.toHaveBeenCalled();
    vi.advanceTimersByTime(yearMs - MAX_TIMER_MS - 1);
    expect(called).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(called).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * yearMs);
    expect(called).toHaveBeenCalledTimes(1);
    for (const [, delay] of setTimeoutSpy.mock.calls) expect(delay).toBeLessThanOrEqual(MAX_TIMER_MS);
    setTimeoutSpy.mockRestore();
  });

  it("a short delay is one timer; cancel stops it, in any of its steps", () => {
    const short = vi.fn();
    startLongTimer(1_000, short);
    vi.advanceTimersByTime(999);
    expect(short).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(short).toHaveBeenCalledTimes(1);

    const cancelled = vi.fn();
    const timer = startLongTimer(3 * MAX_TIMER_MS, cancelled);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    timer.cancel();
    vi.advanceTimersByTime(3 * MAX_TIMER_MS);
    expect(cancelled).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
