// nginx's regular expressions are PCRE; the ones real configurations use are also JavaScript's, once PCRE's few
// spellings of the same thing are translated. Anything else is reported as not understood, never guessed.

export class UnsupportedRegex extends Error {
  constructor(readonly source: string) {
    super(`regular expression ${JSON.stringify(source)} uses PCRE syntax ngcert does not evaluate`);
  }
}

const cache = new Map<string, RegExp>();

export function compilePcre(source: string, caseless: boolean): RegExp {
  const key = `${caseless ? "i" : "-"}${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let text = source;
  let flags = caseless ? "i" : "";
  // A leading (?i) switches the whole expression to caseless, as PCRE reads it.
  if (text.startsWith("(?i)")) {
    text = text.slice(4);
    if (!flags.includes("i")) flags += "i";
  }
  // PCRE's named groups (?P<name>...) and (?'name'...), its \A, \Z, \z anchors.
  text = text.replace(/\(\?P<([A-Za-z_]\w*)>/g, "(?<$1>").replace(/\(\?'([A-Za-z_]\w*)'/g, "(?<$1>");
  text = text.replace(/\\A/g, "^").replace(/\\[Zz]/g, "$");
  // Possessive quantifiers, atomic groups, inline options and recursion have no JavaScript equivalent.
  if (/\(\?[>|(R0-9+&]|\(\?[a-zA-Z-]+[:)]|[*+?}]\+/.test(text)) throw new UnsupportedRegex(source);
  let regex: RegExp;
  try {
    regex = new RegExp(text, flags);
  } catch {
    throw new UnsupportedRegex(source);
  }
  cache.set(key, regex);
  return regex;
}
