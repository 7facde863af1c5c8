// RFC 9773's certificate identifier, how a client names a certificate when it asks the CA for renewal information:
// base64url(the Authority Key Identifier's keyIdentifier) "." base64url(the serial number's DER content octets, a
// sign-padding zero included). A certificate without an AKI key identifier has none.
import { contentOf, decodeOid, expectTag, readChildren, readTlv } from "./der.js";

const AKI_OID = "2.5.29.35";

/** The identifier, or undefined when the certificate carries no authority key identifier. Throws DerError on bad DER. */
export function readAriCertId(der: Buffer): string | undefined {
  const root = readTlv(der, 0);
  const [tbsTlv] = readChildren(der, expectTag(root, 0x30, "a certificate SEQUENCE"));
  const fields = readChildren(der, expectTag(tbsTlv, 0x30, "tbsCertificate"));
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = expectTag(fields[first], 0x02, "serialNumber");
  const extensions = fields.find((field) => field.tag === 0xa3);
  if (!extensions) return undefined;
  const list = readTlv(der, extensions.contentStart, extensions.end);
  for (const extension of readChildren(der, expectTag(list, 0x30, "extensions"))) {
    const parts = readChildren(der, extension);
    if (decodeOid(contentOf(der, expectTag(parts[0], 0x06, "extension OID"))) !== AKI_OID) continue;
    const value = expectTag(parts[parts.length - 1], 0x04, "extension value");
    const aki = readTlv(der, value.contentStart, value.end);
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
    const keyId = readChildren(der, expectTag(aki, 0x30, "AuthorityKeyIdentifier")).find((part) => part.tag === 0x80);
    if (!keyId || keyId.end === keyId.contentStart) return undefined;
    return `${contentOf(der, keyId).toString("base64url")}.${contentOf(der, serial).toString("base64url")}`;
  }
  return undefined;
}

