// Reading why certbot could not renew a lineage from what `certbot renew` printed (certbot 2.1's own wording).
import { describe, expect, it } from "vitest";
import { parseRenewFailures, renewFailureReason } from "../../src/certbot/renew-output.js";

const UNREACHABLE = `Saving debug log to /var/log/letsencrypt/letsencrypt.log
Failed to renew certificate b.example with error: HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /dir
The following renewals failed:
  /etc/letsencrypt/live/b.example/fullchain.pem (failure)
1 renew failure(s), 0 parse failure(s)
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more details.`;

const CHALLENGE = `Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:
  Domain: a.example
  Type:   unauthorized
  Detail: 203.0.113.9: Invalid response from http://a.example/.well-known/acme-challenge/x: 404

  Domain: c.example
  Type:   dns
  Detail: no such host

Failed to renew certificate a.example with error: Some challenges have failed.
Failed to renew certificate c.example with error: Some challenges have failed.`;

describe("renewFailureReason", () => {
  it("gives the CA's reason for the lineage's own names", () => {
    expect(renewFailureReason(CHALLENGE, { name: "a.example", domains: ["a.example", "www.a.example"] })).toBe("a.example: unauthorized: 203.0.113.9: Invalid response from http://a.example/.well-known/acme-challenge/x: 404");
  });

  it("else certbot's own error for that lineage", () => {
    expect(renewFailureReason(UNREACHABLE, { name: "b.example", domains: ["b.example"] })).toBe("HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /dir");
    expect(parseRenewFailures(UNREACHABLE)).toEqual(["/etc/letsencrypt/live/b.example/fullchain.pem"]);
  });

  it("else what is left once certbot's boilerplate is gone", () => {
    expect(renewFailureReason("Saving debug log to /x\nAn unexpected error occurred:\nKeyError: 'server'\nAsk for help or search for solutions at https://community.letsencrypt.org.")).toBe("An unexpected error occurred:; KeyError: 'server'");
    expect(renewFailureReason("Saving debug log to /x\n")).toBe("certbot failed without saying why");
  });
});
