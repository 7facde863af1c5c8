// status --nodes for people: a row per node and lineage, the issuer starred, problems spelled out below.
import { describe, expect, it } from "vitest";
import { renderNodeTable } from "../../src/cluster/render-node-status.js";
import type { NodeStatus } from "../../src/cluster/node-status.js";

const node = (name: string, change: Partial<NodeStatus>): NodeStatus => ({
  name,
  host: `10.0.0.${name.slice(-1)}`,
  issuer: false,
  self: false,
  reachable: true,
  error: null,
  accountThumbprint: "t",
  snippetThumbprint: "t",
  problems: [],
  lineages: [],
  ...change,
});
const fp = "ab".repeat(32);

describe("renderNodeTable", () => {
  it("shows every lineage on every node and what is wrong", () => {
    const text = renderNodeTable([
      node("web1", { issuer: true, self: true, lineages: [{ name: "app", version: 3, fingerprint: fp, servedFingerprint: fp, notAfter: null, lastSync: null, problems: [] }] }),
      node("web2", { lineages: [{ name: "app", version: 2, fingerprint: "cd".repeat(32), servedFingerprint: null, notAfter: null, lastSync: "2026-12-01T10:00:00.000Z", problems: [{ code: "NODE_BEHIND", message: "holds cdcd, the issuer abab" }] }] }),
      node("web3", { reachable: false, problems: [{ code: "NODE_UNREACHABLE", message: "ssh: connect timed out" }] }),
    ]);
    expect(text).toMatchInlineSnapshot(`
      "NODE   NAME  VERSION  FINGERPRINT       SERVED            LAST SYNC                 PROBLEMS
      web1*  app   3        abababababababab  abababababababab  -                         ok
      web2   app   2        cdcdcdcdcdcdcdcd  -                 2026-12-01T10:00:00.000Z  NODE_BEHIND
      web3   -     -        -                 -                 -                         NODE_UNREACHABLE

      * the issuer

      Problems:
        web2: app: NODE_BEHIND: holds cdcd, the issuer abab
        web3: NODE_UNREACHABLE: ssh: connect timed out
      "
    `);
  });
});
