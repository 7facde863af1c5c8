// `ngcert renew` deciding what is due, against nginx, certbot 2.1 and Pebble behind the test world's ARI responder:
// the renew_before_expiry the deploy hook keeps in step (and certbot keeps through its own renewals), a CA window in
// the future (an instant chosen once and kept, Retry-After honoured across runs), a window moved earlier and one in
// the past (renewed with certbot --force-renewal through ngcert's hooks, the explanation URL shown), a CA without ARI,
// an owner's renew_before_expiry renewed while the CA's renewal information fails, a failed renewal held back by the
// failure budget, then proven against the CA with a dry run before it is asked again; and the watcher renewing a
// lineage when the CA's window opens.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLiveLinks } from "../world/lineage-links.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../world/served-certificate.js";
import { ariCertIdOf } from "../world/ari-cert-id.js";
import { findFreePorts } from "../../src/world/free-ports.js";
import { describeWatcher, startWatcher, stopAllWatchers } from "../world/run-watcher.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";

const FUTURE = "a.ari.ngcert.test";
const PAST = "b.ari.ngcert.test";
/** The lineage an owner's renew_before_expiry, then a failing CA, are tried on (renewed once by then). */
const OWNED = FUTURE;
const HOUR = 3_600_000;

interface StatusEntry {
  name: string;
  renewAfter: string | null;
  renewReason: string | null;
  explanationURL: string | null;
  nextAttempt: string | null;
  lastError: string | null;
  problems: { code: string; message: string }[];
}

describe.skipIf(programs.skip)(`ngcert renew on the CA's renewal windows, lifetimes and failures${skipped}`, () => {
  let world: World | undefined;
  /** The renew_before_expiry ngcert writes for Pebble's five-year certificates. */
  let lifetimeValue = "";
  const w = (): World => world!;
  const le = (): string => w().dirs.letsencryptDir;
  const ngcert = (args: string[]): Promise<NgcertRun> => runNgcert(w(), [...args, "--config", path.join(w().dirs.root, "no-config.json")], { timeoutMs: 120_000 });
  const conf = (name: string): string => path.join(le(), "renewal", `${name}.conf`);
  const version = async (name: string): Promise<number> => Number(/(\d+)\.pem$/.exec((await readLiveLinks(le(), name)).cert)![1]);
  const status = async (): Promise<Map<string, StatusEntry>> => {
    const run = await ngcert(["status", "--json"]);
    return new Map((JSON.parse(run.stdout) as { certificates: StatusEntry[] }).certificates.map((entry) => [entry.name, entry]));
  };
  const questionsFor = async (name: string): Promise<number> => {
    const id = await ariCertIdOf(le(), name);
    return w().ari!.questions.filter((question) => question.certId === id).length;
  };
  /** As if every Retry-After had passed: ngcert's record says when to ask again, and the test moves that. */
  const ageAriCache = async (): Promise<void> => {
    const file = path.join(le(), ".ngcert", "renewal-timing.json");
    const state = JSON.parse(await readFile(file, "utf8")) as { lineages: Record<string, { ari?: { nextCheck: string }; failures?: { nextAttempt: string } }>; directories: Record<string, { nextCheck: string }> };
    const past = new Date(Date.now() - 1000).toISOString();
    for (const lineage of Object.values(state.lineages)) if (lineage.ari) lineage.ari.nextCheck = past;
    for (const directory of Object.values(state.directories)) directory.nextCheck = past;
    await writeFile(file, JSON.stringify(state));
  };
  const ageFailureBudget = async (): Promise<void> => {
    const file = path.join(le(), ".ngcert", "renewal-timing.json");
    const state = JSON.parse(await readFile(file, "utf8")) as { lineages: Record<string, { failures?: { nextAttempt: string; recent: string[] } }> };
    for (const lineage of Object.values(state.lineages)) if (lineage.failures) Object.assign(lineage.failures, { nextAttempt: new Date(Date.now() - 1000).toISOString(), recent: [] });
    await writeFile(file, JSON.stringify(state));
  };
  /** The lineage's summary line, not the notes before it (its conf brought in step, what the CA said). */
  const line = (run: NgcertRun, name: string): string => run.stderr.split("\n").find((text) => text.startsWith(`${name}: `) && !text.startsWith(`${name}: renew_before_expiry =`) && !text.startsWith(`${name}: the CA `)) ?? "";

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false, ari: true });
    const init = await ngcert(["init"]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    for (const name of [FUTURE, PAST]) {
      const add = await ngcert(["add", name, "--upstream", world.upstream.url]);
      expect(add.exitCode, describeRun(add)).toBe(0);
    }
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("the deploy hook keeps renew_before_expiry at the lifetime window, and certbot's own renewal keeps the line", async () => {
    // Pebble's certificates live five years: a third of that before expiry.
    const text = await readFile(conf(FUTURE), "utf8");
    const cert = await readCertificateFile(path.join(le(), "live", FUTURE, "cert.pem"));
    const lifetimeDays = Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000);
    const owned = new RegExp(`^# ngcert-owned: (6\\d\\d days(?: \\d+ hours)?) \\(a third of its ${lifetimeDays}-day lifetime\\); ngcert leaves a value you write here alone\nrenew_before_expiry = \\1$`, "m");
    expect(text).toMatch(owned);
    lifetimeValue = owned.exec(text)![1]!;
    const entries = await status();
    expect(entries.get(FUTURE)).toMatchObject({ renewReason: "lifetime", nextAttempt: null, lastError: null, problems: [] });
  });

  it("a CA whose directory offers no renewalInfo is never asked: the lifetime window applies", async () => {
    w().ari!.offerAri(false);
    const run = await ngcert(["renew"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    for (const name of [FUTURE, PAST]) expect(line(run, name)).toMatch(/: not due until \S+ \(a third of its \d+-day lifetime left\)$/);
    expect(w().ari!.questions).toEqual([]);
    expect([...(await status()).values()].map((entry) => entry.renewReason)).toEqual(["lifetime", "lifetime"]);
    // The CA starts offering it: ngcert's record of the directory is a day old.
    w().ari!.offerAri(true);
    await ageAriCache();
  });

  it("a window in the future: an instant inside it, chosen once, kept across runs; the CA is not asked again before Retry-After", async () => {
    const start = new Date(Date.now() + 10 * 24 * HOUR);
    const end = new Date(start.getTime() + 24 * HOUR);
    w().ari!.answer(await ariCertIdOf(le(), FUTURE), { window: { start, end }, retryAfter: "3600", explanationURL: "https://ca.example/maintenance-7" });
    w().ari!.answer(await ariCertIdOf(le(), PAST), { status: 404 });

    const first = await ngcert(["renew"]);
    expect(first.exitCode, describeRun(first)).toBe(0);
    expect(first.stderr).toContain(`${FUTURE}: the CA suggests renewing between ${start.toISOString()} and ${end.toISOString()}`);
    const chosen = (await status()).get(FUTURE)!;
    expect(chosen.renewReason).toBe("ari");
    expect(chosen.explanationURL).toBe("https://ca.example/maintenance-7");
    expect((await ngcert(["status", FUTURE])).stdout).toContain(`The CA explains its renewal window:\n  ${FUTURE}: https://ca.example/maintenance-7`);
    expect(Date.parse(chosen.renewAfter!)).toBeGreaterThanOrEqual(start.getTime());
    expect(Date.parse(chosen.renewAfter!)).toBeLessThan(end.getTime());
    expect(line(first, FUTURE)).toBe(`${FUTURE}: not due until ${chosen.renewAfter} (the CA's renewal window (${start.toISOString()} to ${end.toISOString()}; instant chosen inside it))`);
    expect(line(first, PAST)).toMatch(/: not due until \S+ \(a third of its \d+-day lifetime left\)$/);
    expect(await questionsFor(FUTURE)).toBe(1);

    const second = await ngcert(["renew"]);
    expect(second.exitCode, describeRun(second)).toBe(0);
    expect(await questionsFor(FUTURE)).toBe(1);
    expect((await status()).get(FUTURE)!.renewAfter).toBe(chosen.renewAfter);
  });

  it("a window the CA moved earlier: renewed now through certbot and ngcert's hooks, the explanation shown", async () => {
    const id = await ariCertIdOf(le(), FUTURE);
    const start = new Date(Date.now() - 2 * HOUR);
    w().ari!.answer(id, { window: { start, end: new Date(start.getTime() + HOUR) }, explanationURL: "https://ca.example/incident-42" });
    await ageAriCache();

    const run = await ngcert(["renew"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^${FUTURE.replace(/\./g, "\\.")}: the CA moved its renewal window earlier, to \\S+ \\.\\. \\S+; the CA explains: https://ca\\.example/incident-42$`, "m"));
    expect(line(run, FUTURE)).toMatch(/^\S+: renewed; nginx serves the new certificate \(due: the CA moved its renewal window earlier \(.*\)\); the CA explains: https:\/\/ca\.example\/incident-42$/);
    expect(line(run, PAST)).toMatch(/: not due until/);
    expect(await version(FUTURE)).toBe(2);
    expect(await version(PAST)).toBe(1);
    expect((await fetchServedCertificate({ port: w().ports.https, servername: FUTURE })).fingerprint256).toBe((await readCertificateFile(path.join(le(), "live", FUTURE, "cert.pem"))).fingerprint256);
    // The new certificate: the CA knows nothing of it yet (404), so its lifetime window applies, and certbot's
    // rewrite of the conf after the renewal kept ngcert's line.
    expect((await status()).get(FUTURE)).toMatchObject({ renewReason: "lifetime" });
    expect(await readFile(conf(FUTURE), "utf8")).toContain(`\nrenew_before_expiry = ${lifetimeValue}\n`);
  });

  it("a window in the past on first sight: renewed at once", async () => {
    const start = new Date(Date.now() - 5 * HOUR);
    w().ari!.answer(await ariCertIdOf(le(), PAST), { window: { start, end: new Date(start.getTime() + HOUR) } });
    await ageAriCache();
    const questions = w().ari!.questions.length;

    const run = await ngcert(["renew"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(line(run, PAST)).toMatch(/^\S+: renewed; nginx serves the new certificate \(due: the CA's renewal window \(/);
    expect(await version(PAST)).toBe(2);
    expect(await version(FUTURE)).toBe(2);
    // Both certificates were asked about, and the renewed one's successor right after its issuance.
    expect(w().ari!.questions.slice(questions).map((question) => question.certId)).toContain(await ariCertIdOf(le(), PAST));
  });

  it("an owner's renew_before_expiry is theirs: renewed on it, even while the CA's renewal information fails", async () => {
    const text = await readFile(conf(OWNED), "utf8");
    // The owner edits ngcert's value: from now on it is theirs, and longer than the certificate has left.
    await writeFile(conf(OWNED), text.replace(/^renew_before_expiry = .*$/m, "renew_before_expiry = 2000 days"));
    // (A CA that hangs is cut off after 10 s and costs the same: test/renewal/refresh-ari.test.ts.)
    w().ari!.answer("*", { status: 500 });
    await ageAriCache();

    const run = await ngcert(["renew"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(line(run, OWNED)).toBe(`${OWNED}: renewed; nginx serves the new certificate (due: renew_before_expiry = 2000 days in its renewal conf)`);
    expect(await version(OWNED)).toBe(3);
    // ngcert never writes over it, not even after the renewal.
    expect(await readFile(conf(OWNED), "utf8")).toMatch(/^renew_before_expiry = 2000 days$/m);
    expect((await status()).get(OWNED)).toMatchObject({ renewReason: "conf" });
    const doctor = await ngcert(["doctor", "--json", OWNED]);
    expect((JSON.parse(doctor.stdout) as { findings: { code: string }[] }).findings.map((finding) => finding.code)).toContain("RENEW_BEFORE_EXPIRY_OFTEN");
    w().ari!.answer("*", { status: 404 });
  });

  it("a failed renewal is held back by the failure budget, then proven with a dry run before production is asked", async () => {
    const original = await readFile(conf(OWNED), "utf8");
    const [closed] = (await findFreePorts([{}])) as [number];
    await writeFile(conf(OWNED), original.replace(/^server = .*$/m, `server = https://127.0.0.1:${closed}/dir`));

    const failed = await ngcert(["renew"]);
    expect(failed.exitCode, describeRun(failed)).toBe(1);
    expect(line(failed, OWNED)).toMatch(/^\S+: FAILED at the CA \(.*127\.0\.0\.1.*; due: renew_before_expiry = 2000 days in its renewal conf\)$/);
    const entry = (await status()).get(OWNED)!;
    expect(entry.lastError).toContain(`127.0.0.1:${closed}`);
    const wait = Date.parse(entry.nextAttempt!) - Date.now();
    expect(wait).toBeGreaterThan(5 * 60_000);
    expect(wait).toBeLessThanOrEqual(15 * 60_000);

    // Within the backoff, certbot is not run again.
    const held = await ngcert(["renew"]);
    expect(held.exitCode, describeRun(held)).toBe(1);
    expect(line(held, OWNED)).toMatch(new RegExp(`: due since \\S+, but not tried again before ${entry.nextAttempt!.replace(/\./g, "\\.")} \\(1 failed attempt; last error: `));
    expect(held.stderr).not.toContain("FAILED");

    // The backoff has passed but the CA still fails: the dry run fails and production is not asked.
    await ageFailureBudget();
    const proofFails = await ngcert(["renew"]);
    expect(line(proofFails, OWNED)).toContain("the dry run against the staging CA failed, so production was not asked");
    expect((await status()).get(OWNED)!.lastError).toContain("dry run");

    // Fixed: the dry run passes first, then production renews.
    await writeFile(conf(OWNED), original);
    await ageFailureBudget();
    const renewed = await ngcert(["renew"]);
    expect(renewed.exitCode, describeRun(renewed)).toBe(0);
    expect(line(renewed, OWNED)).toBe(`${OWNED}: renewed; nginx serves the new certificate (due: renew_before_expiry = 2000 days in its renewal conf; a dry run against the staging CA passed first)`);
    expect(await version(OWNED)).toBe(4);
    expect((await status()).get(OWNED)).toMatchObject({ nextAttempt: null, lastError: null });
    // Back to ngcert's timing for the others.
    await writeFile(conf(OWNED), (await readFile(conf(OWNED), "utf8")).replace(/^renew_before_expiry = .*\n/m, ""));
  });

  it("the watcher asks the CA on its timer and renews a lineage when the CA's window opens", async () => {
    const opens = Date.now() + 6_000;
    w().ari!.answer(await ariCertIdOf(le(), PAST), { window: { start: new Date(opens), end: new Date(opens + 3_000) }, retryAfter: "3600" });
    await ageAriCache();
    const before = await version(PAST);
    const watcher = startWatcher(["--config", path.join(w().dirs.root, "no-config.json"), "--interval", "3600"], { env: w().env });
    try {
      await watcher.waitForEvent((event) => event.event === "checked", { what: "the first full check", timeoutMs: 30_000 });
      const info = await watcher.waitForEvent((event) => event.event === "renewal-info" && event.name === PAST, { what: "the CA's window", timeoutMs: 30_000 });
      expect(info.receivedAt).toBeLessThan(opens);
      // The full check comes again only in an hour: the watcher wakes for the instant it chose.
      const renewed = await watcher.waitForEvent((event) => event.event === "renewed" && event.name === PAST, { what: "the renewal when the window opens", timeoutMs: 40_000 });
      expect(renewed.receivedAt).toBeGreaterThanOrEqual(opens);
      expect(renewed.event).toMatchObject({ renewal: "renewed-served", trigger: "ari" });
      expect(await version(PAST)).toBe(before + 1);
      expect((await fetchServedCertificate({ port: w().ports.https, servername: PAST })).fingerprint256).toBe((await readCertificateFile(path.join(le(), "live", PAST, "cert.pem"))).fingerprint256);
      expect(watcher.events().filter((event) => event.event === "renewed" || event.event === "problem"), describeWatcher(watcher)).toHaveLength(1);
    } finally {
      await stopAllWatchers();
    }
  });
});
