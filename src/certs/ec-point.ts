// Is an EC public key a point on its curve? OpenSSL refuses a certificate whose key is not (and nginx with it), so the
// DER reader checks too: y² = x³ − 3x + b (mod p) on the NIST curves certbot uses, in every point form OpenSSL takes.

interface Curve {
  p: bigint;
  b: bigint;
  bytes: number;
}

const CURVES: Record<string, Curve> = {
  "1.2.840.10045.3.1.7": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    bytes: 32,
  },
  "1.3.132.0.34": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    bytes: 48,
  },
  "1.3.132.0.35": {
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    bytes: 66,
  },
};

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const toBigInt = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`));

/** undefined for a curve this does not know (the caller decides); else whether `point` encodes a point on it. */
export function isPointOnCurve(curveOid: string, point: Uint8Array): boolean | undefined {
  const curve = CURVES[curveOid];
  if (!curve) return undefined;
  const { p, b, bytes } = curve;
  const form = point[0];
  const x = toBigInt(point.subarray(1, 1 + bytes));
  const rhs = (((x * x) % p) * x - 3n * x + b) % p;
  const right = (rhs + p) % p;
  if ((form === 0x04 || form === 0x06 || form === 0x07) && point.length === 1 + 2 * bytes) {
    const y = toBigInt(point.subarray(1 + bytes));
    if (x >= p || y >= p) return false;
    // The hybrid forms (06, 07) also state y's parity, which must match.
    if (form !== 0x04 && (y & 1n) !== BigInt(form & 1)) return false;
    return (y * y) % p === right;
  }
  if ((form === 0x02 || form === 0x03) && point.length === 1 + bytes) {
    if (x >= p) return false;
    // All three primes are 3 mod 4: a square root is right^((p+1)/4), if there is one.
    const root = modPow(right, (p + 1n) / 4n, p);
    return (root * root) % p === right;
  }
  return false;
}
