// parsePem / parseCertificatePems: PEM blocks in, DER out; anything that is not clean base64 certificates is refused.
import { describe, expect, it } from "vitest";
import { parseCertificatePems, parsePem, PemError } from "../../src/certs/pem.js";

const DER_A = Buffer.from("3003020101", "hex");
const DER_B = Buffer.from("30060201020201ff", "hex");

function pem(label: string, der: Buffer, lineLength = 64): string {
  const body = der.toString("base64").match(new RegExp(`.{1,${lineLength}}`, "g"))!.join("\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

describe("parsePem", () => {
  it("reads every block with its label, skipping text around them", () => {
    const text = `Bag Attributes\n    friendlyName: test\n${pem("CERTIFICATE", DER_A)}subject=CN = x\n${pem("EC PRIVATE KEY", DER_B)}`;
    expect(parsePem(text)).toEqual([
      { label: "CERTIFICATE", der: DER_A },
      { label: "EC PRIVATE KEY", der: DER_B },
    ]);
  });

  it("reads CRLF line endings and any line length", () => {
    expect(parsePem(pem("CERTIFICATE", DER_B, 4).replace(/\n/g, "\r\n"))).toEqual([{ label: "CERTIFICATE", der: DER_B }]);
  });

  it("finds nothing in text without a complete block", () => {
    expect(parsePem("")).toEqual([]);
    expect(parsePem("not a pem file\n")).toEqual([]);
    expect(parsePem(pem("CERTIFICATE", DER_A).replace(/-----END CERTIFICATE-----\n$/, ""))).toEqual([]);
    expect(parsePem(pem("CERTIFICATE", DER_A).replace("END CERTIFICATE", "END PRIVATE KEY"))).toEqual([]);
  });

  it("refuses a block whose base64 was cut short or is empty", () => {
    const cut = `-----BEGIN CERTIFICATE-----\n${DER_B.toString("base64").slice(0, -3)}\n-----END CERTIFICATE-----\n`;
    expect(() => parsePem(cut)).toThrow(new PemError("the CERTIFICATE block is not valid base64"));
    expect(() => parsePem("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")).toThrow("the CERTIFICATE block is not valid base64");
  });
});

describe("parseCertificatePems", () => {
  it("returns the DER of each certificate in order, as a fullchain holds them", () => {
    expect(parseCertificatePems(pem("CERTIFICATE", DER_A) + pem("CERTIFICATE", DER_B))).toEqual([DER_A, DER_B]);
  });

  it("refuses text with no certificate", () => {
    expect(() => parseCertificatePems("hello\n")).toThrow("no PEM certificate found");
  });

  it("refuses a key mixed in with the certificates", () => {
    expect(() => parseCertificatePems(pem("CERTIFICATE", DER_A) + pem("PRIVATE KEY", DER_B))).toThrow("holds a PRIVATE KEY block where only certificates belong");
  });
});
