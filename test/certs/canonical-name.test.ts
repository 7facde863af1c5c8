// Names in one form for comparison: IP addresses in canonical text (RFC 5952 for IPv6), DNS names as certbot and nginx
// match them.
import { describe, expect, it } from "vitest";
import { canonicalName, missingNames } from "../../src/certs/canonical-name.js";
import { formatIpAddress, parseIpAddress } from "../../src/certs/ip-address.js";

const canonicalIp = (text: string): string | undefined => {
  const bytes = parseIpAddress(text);
  return bytes && formatIpAddress(bytes);
};

describe("IP addresses", () => {
  it("writes IPv6 as RFC 5952 section 4 says", () => {
    expect(canonicalIp("2001:0DB8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(canonicalIp("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1"); // the first of two equal runs
    expect(canonicalIp("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1"); // one zero group stays
    expect(canonicalIp("2001:0:0:1:0:0:0:1")).toBe("2001:0:0:1::1"); // the longest run
    expect(canonicalIp("::")).toBe("::");
    expect(canonicalIp("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalIp("fe80::")).toBe("fe80::");
    expect(canonicalIp("::ffff:c000:0201")).toBe("::ffff:192.0.2.1"); // section 5: IPv4-mapped in dotted form
    expect(canonicalIp("64:ff9b::192.0.2.1")).toBe("64:ff9b::c000:201");
  });

  it("parses what inet_pton parses and nothing else", () => {
    expect(canonicalIp("192.0.2.1")).toBe("192.0.2.1");
    for (const text of ["192.0.2", "192.0.2.256", "192.0.02.1", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "::g", "1.2.3.4::", "example.com", "", "[::1]"]) {
      expect(parseIpAddress(text), text).toBeUndefined();
    }
  });

  it("writes address bytes of another length as OpenSSL does", () => {
    expect(formatIpAddress(new Uint8Array(8))).toBe("<invalid length=8>");
  });
});

describe("canonicalName", () => {
  it("makes the forms certbot, certificates and people use of one name equal", () => {
    expect(canonicalName("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(canonicalName("[2001:db8::1]")).toBe("2001:db8::1");
    expect(canonicalName("WWW.Example.COM.")).toBe("www.example.com");
    expect(canonicalName("bücher.example")).toBe("xn--bcher-kva.example");
    expect(canonicalName("*.Bücher.example")).toBe("*.xn--bcher-kva.example");
  });

  it("finds the renewed names a certificate does not cover, compared canonically", () => {
    expect(missingNames(["2001:db8::1", "Example.com", "www.example.com"], ["example.com", "2001:DB8:0:0:0:0:0:1"])).toEqual(["www.example.com"]);
  });
});
