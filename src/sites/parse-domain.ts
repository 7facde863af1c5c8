// Checks a domain name a user typed before it reaches certbot's command line or an nginx config: DNS syntax, IDN to
// punycode, lower case; wildcards refused (HTTP-01 cannot validate them).
import { domainToASCII, domainToUnicode } from "node:url";
import { NgcertError } from "../errors.js";
import { showInput } from "../text/show-input.js";

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseDomain(input: string): string {
  const fail = (why: string): never => {
    throw new NgcertError("INVALID_INPUT", `\`${showInput(input)}\` is not a valid domain name: ${why}`);
  };
  if (input === "") fail("it is empty");
  if (input.startsWith("*")) {
    fail("wildcard certificates need DNS-01 validation; ngcert uses HTTP-01 through nginx, which cannot issue them: list each name instead");
  }
  if (input.startsWith("-")) fail("it starts with a dash");
  if (/[\s;{}$'"`\\|&<>()#!,/@:%?=[\]]/.test(input) || /[\u0000-\u001f\u007f]/.test(input)) {
    fail("only letters, digits, hyphens and dots are allowed");
  }
  const trimmed = input.endsWith(".") ? input.slice(0, -1) : input;
  const ascii = /^[\x20-\x7e]*$/.test(trimmed) ? trimmed.toLowerCase() : domainToASCII(trimmed);
  if (ascii === "") fail("it is not a valid internationalised name");
  if (ascii.length > 253) fail("it is longer than 253 characters");
  const labels = ascii.split(".");
  if (labels.length < 2) fail("a certificate needs a fully qualified name with at least two labels, such as app.example.com");
  for (const label of labels) {
    if (label === "") fail("it has an empty label (two dots in a row, or a leading dot)");
    if (label.length > 63) fail(`the label \`${label}\` is longer than 63 characters`);
    if (!LABEL.test(label)) fail("only letters, digits, hyphens and dots are allowed, and a label cannot start or end with a hyphen");
    // Hyphens in the third and fourth places are reserved for IDN labels (RFC 5891 section 4.2.3.1), and an xn-- label
    // must be punycode for a name that is not plain ASCII: the CA refuses either, after an order.
    if (label.slice(2, 4) === "--") {
      if (!label.startsWith("xn--")) fail(`the label \`${label}\` has hyphens in its third and fourth places, which only IDN labels (xn--) may have`);
      const unicode = domainToUnicode(label);
      if (unicode === "" || /^[\x00-\x7f]*$/.test(unicode) || domainToASCII(unicode) !== label) fail(`the label \`${label}\` is not a valid IDN (punycode) label`);
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) fail("it looks like an IP address; certificates here are for domain names");
  return ascii;
}

/** Parses every name, drops duplicates, keeps the order (the first name names the certificate). */
export function parseDomains(inputs: readonly string[]): string[] {
  if (inputs.length === 0) throw new NgcertError("USAGE", "give at least one domain name");
  return [...new Set(inputs.map(parseDomain))];
}
