// Which lineages migrate and to what text: pure, from the renewal conf and the certificate's names.
import { describe, expect, it } from "vitest";
import type { LineageRecord } from "../../src/checks/read-lineages.js";
import { parseRenewalConf } from "../../src/certbot/renewal-conf.js";
import { planMigration } from "../../src/migrate/plan-migration.js";

const HEAD = "cert = /le/live/a/cert.pem\nprivkey = /le/live/a/privkey.pem\nchain = /le/live/a/chain.pem\nfullchain = /le/live/a/fullchain.pem\n\n[renewalparams]\n";

function record(params: string, domains = ["a.example", "www.a.example"]): LineageRecord {
  const text = HEAD + params;
  return { name: "a", confPath: "/le/renewal/a.conf", confText: text, conf: parseRenewalConf(text), confError: undefined, domains, facts: { paths: { cert: "/le/live/a/cert.pem" } } as LineageRecord["facts"] };
}

const kindOf = (params: string, domains?: string[]) => {
  const plan = planMigration(record(params, domains), "/var/www/acme-challenge");
  return plan.kind === "migrate" ? `migrate from ${plan.from}, removing ${plan.removedKeys.join(",") || "nothing"}` : `${plan.kind}: ${plan.reason}`;
};

describe("planMigration", () => {
  it("moves standalone, nginx and webroot elsewhere; leaves the shared webroot and DNS plugins", () => {
    expect(kindOf("authenticator = standalone\npre_hook = service nginx stop\npost_hook = service nginx start\n")).toBe("migrate from standalone, removing pre_hook,post_hook");
    expect(kindOf("authenticator = nginx\ninstaller = nginx\n")).toBe("migrate from nginx, removing nothing");
    expect(kindOf("authenticator = webroot\nwebroot_path = /srv/le,\n[[webroot_map]]\na.example = /srv/le\n")).toBe("migrate from webroot on /srv/le, removing nothing");
    expect(kindOf("authenticator = webroot\nwebroot_path = /var/www/acme-challenge,\n[[webroot_map]]\na.example = /var/www/acme-challenge\nwww.a.example = /var/www/acme-challenge\n")).toBe("unchanged: already renews through the shared webroot /var/www/acme-challenge");
    expect(kindOf("authenticator = dns-route53\n")).toBe("skip: renews with dns-route53, which does not go through nginx");
  });

  it("still migrates a lineage on the shared webroot whose hooks stop nginx, or whose map is empty", () => {
    expect(kindOf("authenticator = webroot\npre_hook = systemctl stop nginx\npost_hook = systemctl start nginx\nwebroot_path = /var/www/acme-challenge,\n[[webroot_map]]\na.example = /var/www/acme-challenge\nwww.a.example = /var/www/acme-challenge\n")).toBe(
      "migrate from webroot on /var/www/acme-challenge, removing pre_hook,post_hook",
    );
    expect(kindOf("authenticator = webroot\nwebroot_path = /var/www/acme-challenge,\n")).toBe("migrate from webroot on /var/www/acme-challenge, removing nothing");
  });

  it("refuses a hook that stops nginx and does more, and wildcards", () => {
    expect(kindOf("authenticator = standalone\npre_hook = service nginx stop && backup\n")).toMatch(/^refuse: pre_hook = service nginx stop && backup stops nginx and does more/);
    expect(kindOf("authenticator = standalone\n", ["a.example", "*.a.example"])).toBe("skip: *.a.example cannot be validated over HTTP (wildcards need DNS-01)");
  });

  it("writes the new conf with every domain in the map", () => {
    const plan = planMigration(record("authenticator = standalone\nkey_type = ecdsa\n"), "/var/www/acme-challenge");
    expect(plan.kind === "migrate" && plan.after).toBe(`${HEAD}authenticator = webroot\nkey_type = ecdsa\nwebroot_path = /var/www/acme-challenge,\n[[webroot_map]]\na.example = /var/www/acme-challenge\nwww.a.example = /var/www/acme-challenge\n`);
  });
});

describe("planMigration on the shared webroot", () => {
  it("leaves a lineage that needs nothing alone, even with a hook it could not remove (doctor reports that one)", () => {
    const params = "authenticator = webroot\npre_hook = service nginx stop && backup\nwebroot_path = /var/www/acme-challenge,\n[[webroot_map]]\na.example = /var/www/acme-challenge\nwww.a.example = /var/www/acme-challenge\n";
    expect(planMigration(record(params), "/var/www/acme-challenge").kind).toBe("unchanged");
  });
});
