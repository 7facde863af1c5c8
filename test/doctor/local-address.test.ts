// Where a name's connection arrives: the address it resolves to when that is this host's own, else nothing.
import { describe, expect, it } from "vitest";
import { resolveLocalAddresses } from "../../src/served/local-address.js";

describe("resolveLocalAddresses", () => {
  it("keeps this host's addresses (IPv6 first, as Let's Encrypt prefers it) and drops others, failures and hangs", async () => {
    const answers: Record<string, { address: string; family: number }[]> = {
      "loop.example": [{ address: "127.0.0.5", family: 4 }],
      "both.example": [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }],
      "away.example": [{ address: "192.0.2.10", family: 4 }],
    };
    const lookup = async (name: string) => {
      if (name === "hang.example") return new Promise<never>(() => undefined);
      const found = answers[name];
      if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
      return found;
    };
    const resolved = await resolveLocalAddresses(["loop.example", "both.example", "away.example", "gone.example", "hang.example"], { lookup, timeoutMs: 100 });
    expect(Object.fromEntries(resolved)).toEqual({ "loop.example": "127.0.0.5", "both.example": "::1", "away.example": undefined, "gone.example": undefined, "hang.example": undefined });
  });
});
