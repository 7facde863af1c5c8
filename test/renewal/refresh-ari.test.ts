// ngcert asking CAs for renewal information, against the test world's ARI responder run in-process: the window and
// the instant chosen in it, Retry-After honoured (clamped), a window moved earlier, 404, 500, a CA that hangs (asked
// at most twice per run), a CA without ARI, and the last window kept when the CA stops answering.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readLineageFacts } from "../../src/certbot/read-lineage.js";
import { readAriCertId } from "../../src/certs/ari-cert-id.js";
import { refreshAri } from "../../src/renewal/refresh-ari.js";
import { emptyTimingState, type TimingState } from "../../src/timing/timing-state.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";
import { startAriResponder, type AriResponder } from "../world/ari-responder.js";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const MIN = 60_000;
let tlsCa: TestCert;
let issuer: TestCert;
let responder: AriResponder;
let workspace: Workspace;
let caFile: string;
let now = T0;

beforeAll(async () => {
  tlsCa = await makeCa({ name: "ARI responder TLS CA" });
  const tls = await makeLeaf({ domains: ["localhost"], ipAddresses: ["127.0.0.1"], issuer: tlsCa });
  responder = await startAriResponder({ cert: tls.pem, key: tls.key.privateKeyPem });
  issuer = await makeCa({ name: "Lineage CA" });
});
afterAll(async () => {
  await responder.stop();
});
beforeEach(async () => {
  workspace = await createWorkspace();
  caFile = path.join(workspace.root, "ca.pem");
  await writeFile(caFile, tlsCa.pem);
  responder.questions.length = 0;
  responder.offerAri(true);
  responder.answer("*", { status: 404 });
  now = T0;
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

async function lineage(name: string): Promise<{ certId: string }> {
  const leaf = await makeLeaf({ domains: [name], issuer, notBefore: new Date(T0 - days(10)), notAfter: new Date(T0 + days(80)), authorityKeyId: "issuer" });
  await writeLineage(workspace.letsencryptDir, { name, leaf, chain: [issuer], server: responder.directoryUrl });
  return { certId: readAriCertId(Buffer.from(leaf.certificate.rawData))! };
}

const facts = (name: string) => readLineageFacts(workspace.letsencryptDir, name, true);
const refresh = (state: TimingState, names: string[], extra: { concurrency?: number } = {}) =>
  refreshAri(names.map(facts), state, { now: () => new Date(now), random: () => 0.5, env: { REQUESTS_CA_BUNDLE: caFile }, timeoutMs: 400, ...extra });
const window = (startMin: number, endMin: number) => ({ start: new Date(T0 + startMin * MIN), end: new Date(T0 + endMin * MIN) });

describe("refreshAri", () => {
  it("records the window and the instant chosen in it, and asks again only once Retry-After has passed", async () => {
    const { certId } = await lineage("a.example");
    responder.answer(certId, { window: window(100, 200), retryAfter: "120", explanationURL: "https://ca.example/why" });
    const state = emptyTimingState();
    const first = await refresh(state, ["a.example"]);
    expect(first.notes).toEqual([{ name: "a.example", message: `the CA suggests renewing between ${new Date(T0 + 100 * MIN).toISOString()} and ${new Date(T0 + 200 * MIN).toISOString()}`, explanationURL: "https://ca.example/why" }]);
    expect(state.lineages["a.example"]!.ari).toMatchObject({ certId, chosen: new Date(T0 + 150 * MIN).toISOString(), nextCheck: new Date(T0 + 120_000).toISOString(), explanationURL: "https://ca.example/why" });
    expect(state.directories[responder.directoryUrl]).toMatchObject({ renewalInfo: responder.renewalInfoUrl });

    now = T0 + 119_000;
    expect((await refresh(state, ["a.example"])).asked).toEqual([]);
    expect(responder.questions).toHaveLength(1);

    // The same window again: the instant stays, nothing to tell.
    now = T0 + 121_000;
    const again = await refresh(state, ["a.example"]);
    expect(again).toEqual({ asked: ["a.example"], notes: [] });
    expect(state.lineages["a.example"]!.ari!.chosen).toBe(new Date(T0 + 150 * MIN).toISOString());
  });

  it("clamps Retry-After to between a minute and a day, and reads an HTTP date", async () => {
    const { certId } = await lineage("a.example");
    const state = emptyTimingState();
    const nextCheckFor = async (retryAfter: string): Promise<number> => {
      responder.answer(certId, { window: window(100, 200), retryAfter });
      delete state.lineages["a.example"];
      await refresh(state, ["a.example"]);
      return Date.parse(state.lineages["a.example"]!.ari!.nextCheck) - now;
    };
    expect(await nextCheckFor("1")).toBe(60_000);
    expect(await nextCheckFor("9999999")).toBe(24 * 60 * MIN);
    expect(await nextCheckFor(new Date(T0 + 2 * 60 * MIN).toUTCString())).toBe(2 * 60 * MIN);
    expect(await nextCheckFor("soon")).toBe(6 * 60 * MIN);
  });

  it("chooses again when the CA moves the window before the chosen instant, and says so", async () => {
    const { certId } = await lineage("a.example");
    responder.answer(certId, { window: window(100, 200), retryAfter: "60" });
    const state = emptyTimingState();
    await refresh(state, ["a.example"]);
    responder.answer(certId, { window: window(-120, -60), explanationURL: "https://ca.example/incident" });
    now = T0 + 61_000;
    const moved = await refresh(state, ["a.example"]);
    expect(moved.notes[0]).toMatchObject({ name: "a.example", message: expect.stringMatching(/^the CA moved its renewal window earlier/), explanationURL: "https://ca.example/incident" });
    expect(state.lineages["a.example"]!.ari).toMatchObject({ chosen: new Date(T0 - 90 * MIN).toISOString(), movedEarlier: true });
  });

  it("records 404 and 500 as no window, asks again an hour later or when Retry-After says, and keeps the CA's last window", async () => {
    const { certId } = await lineage("a.example");
    const state = emptyTimingState();
    await refresh(state, ["a.example"]);
    expect(state.lineages["a.example"]!.ari).toMatchObject({ error: "the CA has no renewal information for this certificate (404)", nextCheck: new Date(T0 + 60 * MIN).toISOString() });
    expect(state.lineages["a.example"]!.ari!.window).toBeUndefined();

    responder.answer(certId, { window: window(100, 200), retryAfter: "60" });
    now = T0 + 61 * MIN;
    await refresh(state, ["a.example"]);
    responder.answer(certId, { status: 500, retryAfter: "300" });
    now += 2 * MIN;
    await refresh(state, ["a.example"]);
    expect(state.lineages["a.example"]!.ari).toMatchObject({ error: "the CA answered 500", nextCheck: new Date(now + 5 * MIN).toISOString(), window: { start: new Date(T0 + 100 * MIN).toISOString() } });
  });

  it("gives up on a CA that does not answer after two questions in a run", async () => {
    await lineage("a.example");
    await lineage("b.example");
    await lineage("c.example");
    responder.answer("*", { hang: true });
    const state = emptyTimingState();
    const started = Date.now();
    const result = await refresh(state, ["a.example", "b.example", "c.example"], { concurrency: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.asked).toEqual(["a.example", "b.example"]);
    expect(result.notes.at(-1)!.message).toMatch(/did not answer questions for renewal information; not asked again in this run/);
    expect(state.lineages["a.example"]!.ari!.error).toMatch(/did not answer within 0.4 s/);
    expect(state.lineages["c.example"]).toBeUndefined();
  });

  it("asks nothing of a CA whose directory offers no renewalInfo, and remembers that for a day", async () => {
    await lineage("a.example");
    responder.offerAri(false);
    const state = emptyTimingState();
    expect(await refresh(state, ["a.example"])).toEqual({ asked: [], notes: [] });
    expect(state.directories[responder.directoryUrl]).toEqual({ renewalInfo: null, nextCheck: new Date(T0 + 24 * 60 * MIN).toISOString() });
    expect(responder.questions).toEqual([]);
  });
});
