// What the bulk renewal bench and e2e test read from nginx's and certbot's logs: pure, on excerpts of real ones.
import { describe, expect, it } from "vitest";
import { bulkNames, countReloads, readCertbotLogSpan } from "./bulk-renewal.js";

const CERTBOT_LOG = `2026-12-02 16:26:38,679:DEBUG:certbot._internal.main:certbot version: 2.1.0
2026-12-02 16:26:41,312:DEBUG:certbot._internal.display.obj:Notifying user: Hook 'deploy-hook' ran with output:
 ngcert hook deploy: site3: version 1 verified on disk (no nginx site uses it yet)
2026-12-02 16:26:45,297:DEBUG:certbot._internal.main:certbot version: 2.1.0
2026-12-02 16:26:45,371:INFO:certbot.compat.misc:Running pre-hook command: /x/renewal-hooks/pre/ngcert
2026-12-02 16:26:48,161:INFO:certbot.compat.misc:Running deploy-hook command: /x/renewal-hooks/deploy/ngcert
2026-12-02 16:26:48,830:DEBUG:certbot._internal.display.obj:Notifying user: Hook 'deploy-hook' ran with output:
 ngcert hook deploy: a: version 2 verified; nginx reloads once for the whole renewal run, in the post hook
2026-12-02 16:26:52,600:INFO:certbot.compat.misc:Running deploy-hook command: /x/renewal-hooks/deploy/ngcert
2026-12-02 16:26:53,179:DEBUG:certbot._internal.display.obj:Notifying user: Hook 'deploy-hook' ran with output:
2026-12-02 16:26:53,183:INFO:certbot.compat.misc:Running post-hook command: /x/renewal-hooks/post/ngcert
2026-12-02 16:26:54,319:DEBUG:certbot._internal.display.obj:Notifying user: Hook 'post-hook' ran with output:
 ngcert hook post: renewed in this run and served: a, b
2026-12-02 16:26:54,330:DEBUG:certbot._internal.display.obj:Notifying user: Congratulations, all renewals succeeded:
`;

describe("readCertbotLogSpan", () => {
  it("takes the last run of an appended log, and the post hook from its start to certbot's note of its output", () => {
    const span = readCertbotLogSpan(CERTBOT_LOG);
    const at = (time: string): number => new Date(`2026-12-02T${time}`).getTime();
    expect(span.runFrom).toBe(at("16:26:45.297"));
    expect(span.runTo).toBe(at("16:26:54.330"));
    expect(span.postHookTo! - span.postHookFrom!).toBe(1_136);
    expect(span.postHookOutput).toContain("ngcert hook post: renewed in this run and served: a, b");
    expect(span.deployHookMs).toEqual([669, 579]);
  });

  it("has no post hook span when certbot ran none", () => {
    const span = readCertbotLogSpan(CERTBOT_LOG.split("\n").slice(0, 3).join("\n"));
    expect(span.postHookFrom).toBeUndefined();
    expect(span.postHookOutput).toBe("");
  });
});

describe("countReloads", () => {
  it("counts the master's SIGHUPs and the worker generations they started", () => {
    const log = `2026/12/02 16:26:53 [notice] 9219#9219: signal 1 (SIGHUP) received from 9500, reconfiguring
2026/12/02 16:26:53 [notice] 9219#9219: reconfiguring
2026/12/02 16:26:53 [notice] 9219#9219: start worker processes
2026/12/02 16:26:53 [notice] 9219#9219: start worker process 9501
2026/12/02 16:26:53 [notice] 9300#9300: gracefully shutting down`;
    expect(countReloads(log)).toEqual({ signals: 1, generations: 1 });
    expect(countReloads("")).toEqual({ signals: 0, generations: 0 });
  });
});

describe("bulkNames", () => {
  it("pads the numbers so the names sort as certbot walks renewal/*.conf", () => {
    expect(bulkNames(12, "t.test").slice(0, 2)).toEqual(["site01.t.test", "site02.t.test"]);
    expect([...bulkNames(12, "t.test")].sort()).toEqual(bulkNames(12, "t.test"));
  });
});
