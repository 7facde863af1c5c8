// http2Style: how a site switches HTTP/2 on for a given nginx version (`http2 on;` from 1.25.1, the listen flag before).
import { describe, expect, it } from "vitest";
import { http2Style } from "../../src/nginx/nginx-version.js";

describe("http2Style", () => {
  it.each([
    [[1, 22, 1], "listen"],
    [[1, 25, 0], "listen"],
    [[1, 25, 1], "directive"],
    [[1, 27, 0], "directive"],
    [[2, 0, 0], "directive"],
    [[1, 10, 0], "listen"],
    [[1, 9, 0], "none"],
    [[1, 9, 5], "none"],
    [[0, 30, 0], "none"],
  ] as const)("%j → %s", (version, style) => {
    expect(http2Style(version)).toBe(style);
  });

  it("is none when the version is unknown", () => {
    expect(http2Style(undefined)).toBe("none");
  });
});
