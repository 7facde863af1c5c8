// RFC 9773's certificate identifier, against the RFC's own example and against @peculiar/x509's reading of the same
// certificates (the authority key id and the serial's DER octets).
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { readAriCertId } from "../../src/certs/ari-cert-id.js";
import { makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";

let issuer: TestCert;
beforeAll(async () => {
  issuer = await makeCa({ name: "ARI Test CA" });
});

const der = (cert: TestCert): Buffer => Buffer.from(cert.certificate.rawData);

describe("readAriCertId", () => {
  it("gives RFC 9773's example identifier for its example AKI and serial", async () => {
    // RFC 9773 §4.1: keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 00:87:65:43:21.
    const leaf = await makeLeaf({ domains: ["ari.example"], issuer, serial: "0087654321", authorityKeyId: "69885b6b87464041e1b37b847ba0ae2cde01c8d4" });
    expect(readAriCertId(der(leaf))).toBe("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  });

  it("agrees with @peculiar/x509 on certificates with random serials", async () => {
    for (let i = 0; i < 8; i++) {
      const leaf = await makeLeaf({ domains: [`ari${i}.example`], issuer, authorityKeyId: "issuer", ...(i === 0 ? { serial: "00ac5798703259" } : {}) });
      const aki = leaf.certificate.getExtension(x509.AuthorityKeyIdentifierExtension)!;
      // The serial's DER content octets, from peculiar's hex of its value: no leading zero bytes but the one a top bit
      // needs (a random serial starting 00 ac... is the INTEGER 00 ac..., a 1-in-128 case).
      const value = leaf.certificate.serialNumber.replace(/^(00)+/, "");
      const octets = Buffer.from(/^[89a-f]/i.test(value) ? `00${value}` : value, "hex");
      const expected = `${Buffer.from(aki.keyId!, "hex").toString("base64url")}.${octets.toString("base64url")}`;
      expect(readAriCertId(der(leaf))).toBe(expected);
    }
  });

  it("keeps the sign-padding zero of a serial whose top bit is set", async () => {
    const leaf = await makeLeaf({ domains: ["pad.example"], issuer, serial: "00ff01", authorityKeyId: "0102" });
    expect(readAriCertId(der(leaf))).toBe(`AQI.${Buffer.from("00ff01", "hex").toString("base64url")}`);
  });

  it("has none without an authority key identifier", async () => {
    const leaf = await makeLeaf({ domains: ["no-aki.example"], issuer });
    expect(readAriCertId(der(leaf))).toBeUndefined();
  });
});
