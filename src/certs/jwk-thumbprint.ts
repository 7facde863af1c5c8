// RFC 7638 JWK thumbprint of a public key: the ACME key authorization of an HTTP-01 challenge is
// `<token>.<thumbprint of the account key>` (RFC 8555 §8.1), so every node that knows the thumbprint can answer any
// challenge of that account without the token file. Only the required members, in lexicographic order, no spaces.
import { createHash } from "node:crypto";

export class JwkError extends Error {}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The thumbprint of the public part of a JWK (private members are ignored), base64url without padding. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const member = (name: string): string => {
    const value = jwk[name];
    if (typeof value !== "string" || !BASE64URL.test(value)) throw new JwkError(`the key has no valid "${name}" member`);
    return value;
  };
  let canonical: string;
  switch (jwk.kty) {
    case "RSA":
      canonical = `{"e":"${member("e")}","kty":"RSA","n":"${member("n")}"}`;
      break;
    case "EC": {
      const crv = jwk.crv;
      if (crv !== "P-256" && crv !== "P-384" && crv !== "P-521") throw new JwkError(`unsupported EC curve ${JSON.stringify(crv)}`);
      canonical = `{"crv":"${crv}","kty":"EC","x":"${member("x")}","y":"${member("y")}"}`;
      break;
    }
    case "OKP": {
      const crv = jwk.crv;
      if (crv !== "Ed25519" && crv !== "Ed448") throw new JwkError(`unsupported OKP curve ${JSON.stringify(crv)}`);
      canonical = `{"crv":"${crv}","kty":"OKP","x":"${member("x")}"}`;
      break;
    }
    default:
      throw new JwkError(`unsupported key type ${JSON.stringify(jwk.kty)}`);
  }
  return createHash("sha256").update(canonical).digest("base64url");
}

/** ACME's token alphabet (base64url, no padding) and a length no CA goes beyond: what a node answers for. */
export const ACME_TOKEN = /^[A-Za-z0-9_-]{22,256}$/;
