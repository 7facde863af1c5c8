// Which certificates an issuer must fetch from the node that obtained them (etcd's records) rather than order again.
import { describe, expect, it } from "vitest";
import { findMissing } from "../../src/cluster/pull-issued.js";
import type { IssuedRecord } from "../../src/cluster/issued-records.js";

const record = (node: string, fingerprint: string, notBefore: string): IssuedRecord => ({ node, fingerprint, notBefore, notAfter: "2031-01-01T00:00:00Z", time: notBefore });

describe("findMissing", () => {
  const records = new Map([
    ["a", record("web1", "aaa", "2026-06-01T00:00:00Z")],
    ["b", record("web1", "bbb", "2026-06-01T00:00:00Z")],
    ["c", record("web3", "ccc", "2026-06-01T00:00:00Z")],
    ["d", record("web2", "ddd", "2026-06-01T00:00:00Z")],
    ["e", record("web3", "eee", "2026-06-01T00:00:00Z")],
  ]);
  it("groups by node what this node lacks or holds older, never its own records", () => {
    const held = new Map([
      ["a", { fingerprint: "aaa", notBefore: "2026-06-01T00:00:00Z" }], // has it
      ["b", { fingerprint: "old", notBefore: "2026-03-01T00:00:00Z" }], // older
      ["d", { fingerprint: "old", notBefore: "2026-03-01T00:00:00Z" }], // its own record
      ["e", { fingerprint: "new", notBefore: "2026-07-01T00:00:00Z" }], // newer than the record: renewed since
    ]);
    expect(findMissing(records, held, "web2")).toEqual(new Map([["web1", ["b"]], ["web3", ["c"]]]));
  });
});
